import Foundation
import Imaging
import Testing
import TestSupport

/// `medsilo partition` end to end: the plan file, the statistics object, refusals.
@Suite struct PartitionCommandTests {
    @Test func writesAPlanAndPrintsStatistics() throws {
        let directory = TemporaryDirectory()
        try IngestCommandTests.imageFolder(directory.file("src"), count: 60)
        let ingest = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("store"), "--size", "4"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let result = try run(
            CLITests.binary,
            ["partition", directory.file("store"), "--hospitals", "3", "--scheme", "dirichlet", "--alpha", "1", "--min-size", "3",
             "--out", directory.file("plan.json"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let statistics = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let hospitals = try #require(statistics["hospitals"] as? [[String: Any]])
        #expect(hospitals.count == 3)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("plan.json")))) as? [String: Any])
        #expect(plan["format"] as? String == "medsilo-partition")
        #expect(plan["scheme"] as? String == "dirichlet")
        let planned = (plan["hospitals"] as? [[String: Any]] ?? []).flatMap { ($0["train"] as? [Int] ?? []) + ($0["val"] as? [Int] ?? []) + ($0["test"] as? [Int] ?? []) }
        let globalTest = plan["globalTest"] as? [Int] ?? []
        #expect((planned + globalTest).sorted() == Array(0..<60))
        // `show` redraws the same table from the plan and writes the heatmap.
        let show = try run(CLITests.binary, ["partition", "show", directory.file("plan.json"), "--plot", directory.file("heat.svg"), "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout == result.stdout)
        let svg = try String(contentsOfFile: directory.file("heat.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("h02"))
        // Natural needs sites; this store has none: one clear message, exit 1.
        let natural = try run(CLITests.binary, ["partition", directory.file("store"), "--hospitals", "3", "--scheme", "natural", "--out", directory.file("n.json")])
        #expect(natural.status == 1 && natural.stderr.contains("no sites"))
    }

    /// A CSV store of 40 patients × 2 images at 5 sites (site = patient % 5), 4 classes; brightness
    /// grows with the patient number.
    static func siteStore(_ directory: TemporaryDirectory) throws -> String {
        let root = directory.file("sites")
        try FileManager.default.createDirectory(atPath: root + "/img", withIntermediateDirectories: true)
        var manifest = "path,label,patient,site\n"
        for p in 0..<40 {
            for i in 0..<2 {
                let path = "img/p\(p)_\(i).png"
                try writeFile(try PNGWriter.encode([UInt8](repeating: UInt8(p * 6), count: 16), width: 4, height: 4, channels: 1), to: root + "/" + path)
                manifest += "\(path),c\(p % 4),P\(p),S\(p % 5)\n"
            }
        }
        try writeFile(Array(manifest.utf8), to: root + "/labels.csv")
        let ingest = try run(CLITests.binary, ["ingest", root, "--out", directory.file("store"), "--size", "2"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return directory.file("store")
    }

    static func plan(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func naturalSchemesTakeTheirHospitalCountFromTheSitesAndListWhatTheyDrop() throws {
        let directory = TemporaryDirectory()
        let store = try Self.siteStore(directory)
        let natural = try run(CLITests.binary, ["partition", store, "--scheme", "natural", "--min-size", "2", "--out", directory.file("n.json")])
        #expect(natural.status == 0, "\(natural.stderr)")
        #expect(try Self.plan(directory.file("n.json"))["hospitalCount"] as? Int == 5)
        // 5 sites in groups of 2, remainder dropped: 2 hospitals, site S4's samples listed as dropped.
        let grouped = try run(
            CLITests.binary,
            ["partition", store, "--scheme", "grouped-natural", "--sites-per-hospital", "2", "--remainder", "drop", "--min-size", "2",
             "--out", directory.file("g.json")])
        #expect(grouped.status == 0, "\(grouped.stderr)")
        #expect(grouped.stdout.contains("dropped") && grouped.stdout.contains("remainder"))
        let plan = try Self.plan(directory.file("g.json"))
        #expect(plan["hospitalCount"] as? Int == 2)
        let dropped = try #require((plan["dropped"] as? [[String: Any]])?.first?["samples"] as? [Int])
        let held = (plan["hospitals"] as? [[String: Any]] ?? []).flatMap { ($0["train"] as? [Int] ?? []) + ($0["val"] as? [Int] ?? []) + ($0["test"] as? [Int] ?? []) }
        #expect(Set(dropped).isDisjoint(with: held))
        #expect(dropped.count + held.count + (plan["globalTest"] as? [Int] ?? []).count == 80)
        // Strict remainder: refused with the reason.
        let strict = try run(
            CLITests.binary,
            ["partition", store, "--scheme", "grouped-natural", "--sites-per-hospital", "2", "--remainder", "strict", "--out", directory.file("s.json")])
        #expect(strict.status == 1 && strict.stderr.contains("do not divide"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.json")))
    }

    @Test func continuousReadsAFeatureFileAndStatisticsGoToAFile() throws {
        let directory = TemporaryDirectory()
        let store = try Self.siteStore(directory)
        // The feature is minus the store index, so hospital h00 holds the highest indices.
        var csv = "index,score\n"
        for index in 0..<80 { csv += "\(index),\(-index)\n" }
        try writeFile(Array(csv.utf8), to: directory.file("feature.csv"))
        let result = try run(
            CLITests.binary,
            ["partition", store, "--hospitals", "2", "--scheme", "continuous", "--feature", "score", "--feature-file", directory.file("feature.csv"),
             "--min-size", "2", "--no-patient-grouping", "--out", directory.file("c.json"), "--stats", directory.file("stats.json"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let hospitals = try #require(try Self.plan(directory.file("c.json"))["hospitals"] as? [[String: Any]])
        func all(_ h: [String: Any]) -> [Int] { (h["train"] as? [Int] ?? []) + (h["val"] as? [Int] ?? []) + (h["test"] as? [Int] ?? []) }
        #expect(all(hospitals[0]).min()! > all(hospitals[1]).max()!)
        #expect(try String(contentsOfFile: directory.file("stats.json"), encoding: .utf8) == result.stdout)
        // A row naming a sample the store does not have: the file and line in the message.
        try writeFile(Array("index,score\n500,1\n".utf8), to: directory.file("bad.csv"))
        let bad = try run(
            CLITests.binary,
            ["partition", store, "--hospitals", "2", "--scheme", "continuous", "--feature", "score", "--feature-file", directory.file("bad.csv"),
             "--out", directory.file("b.json")])
        #expect(bad.status == 1 && bad.stderr.contains("bad.csv:2"))
    }

    @Test func compareDrawsPanelsSideBySideAndRefusesPlansOfAnotherStore() throws {
        let directory = TemporaryDirectory()
        let store = try Self.siteStore(directory)
        for (name, extra) in [("iid", ["--scheme", "iid"]), ("dir", ["--scheme", "dirichlet", "--alpha", "0.2", "--min-size", "2"])] {
            let made = try run(CLITests.binary, ["partition", store, "--hospitals", "3", "--min-size", "2", "--out", directory.file("\(name).json")] + extra)
            #expect(made.status == 0, "\(made.stderr)")
        }
        let single = try run(CLITests.binary, ["partition", "show", directory.file("iid.json"), "--plot", directory.file("one.png")])
        #expect(single.status == 0, "\(single.stderr)")
        let compare = try run(
            CLITests.binary, ["partition", "compare", directory.file("iid.json"), directory.file("dir.json"), "--plot", directory.file("two.png"), "--json"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])
        let rows = try #require(summary["plans"] as? [[String: Any]])
        #expect(rows.map { $0["scheme"] as? String } == ["iid", "dirichlet"])
        // Dirichlet at α = 0.2 skews labels more than IID.
        #expect((rows[1]["meanJensenShannon"] as? Double ?? 0) > (rows[0]["meanJensenShannon"] as? Double ?? 1))
        // Both pictures are PNGs; two panels are wider than one.
        let one = try ImageReader(path: directory.file("one.png")).info, two = try ImageReader(path: directory.file("two.png")).info
        #expect(one.format == .png && two.format == .png)
        #expect(two.columns > one.columns * 3 / 2)
        // A plan of another store is refused; so is a plot name that is neither .svg nor .png.
        try IngestCommandTests.imageFolder(directory.file("other-src"), count: 30)
        _ = try run(CLITests.binary, ["ingest", directory.file("other-src"), "--out", directory.file("other"), "--size", "2"])
        let other = try run(CLITests.binary, ["partition", directory.file("other"), "--hospitals", "2", "--min-size", "2", "--out", directory.file("o.json")])
        #expect(other.status == 0, "\(other.stderr)")
        let mixed = try run(CLITests.binary, ["partition", "compare", directory.file("iid.json"), directory.file("o.json")])
        #expect(mixed.status == 1 && mixed.stderr.contains("another store"))
        let gif = try run(CLITests.binary, ["partition", "show", directory.file("iid.json"), "--plot", directory.file("x.gif")])
        #expect(gif.status != 0 && gif.stderr.contains(".svg or .png"))
    }

    @Test func distributionTakesHospitalsAndClassesFromTheMatrix() throws {
        let directory = TemporaryDirectory()
        let store = try Self.siteStore(directory)
        try writeFile(Array("hospital,c0,c1,c2,c3\nA,1,1,0,0\nB,0,1,1,1\n".utf8), to: directory.file("m.csv"))
        let result = try run(
            CLITests.binary, ["partition", store, "--scheme", "distribution", "--matrix", directory.file("m.csv"), "--min-size", "2", "--out", directory.file("d.json"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let statistics = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let classes = try #require(statistics["classes"] as? [String])
        let hospitals = try #require(statistics["hospitals"] as? [[String: Any]])
        #expect(hospitals.count == 2)
        let counts = hospitals.map { $0["classCounts"] as? [Int] ?? [] }
        // Hospital A has no c2 or c3, hospital B no c0.
        #expect(counts[0][classes.firstIndex(of: "c2")!] == 0 && counts[0][classes.firstIndex(of: "c3")!] == 0)
        #expect(counts[1][classes.firstIndex(of: "c0")!] == 0)
        #expect(counts[0][classes.firstIndex(of: "c0")!] > 0)
    }

    @Test func aPlanOfAnotherFormatVersionIsRefused() throws {
        let directory = TemporaryDirectory()
        let store = try Self.siteStore(directory)
        let made = try run(CLITests.binary, ["partition", store, "--hospitals", "2", "--out", directory.file("p.json")])
        #expect(made.status == 0, "\(made.stderr)")
        let text = try String(contentsOfFile: directory.file("p.json"), encoding: .utf8).replacingOccurrences(of: "\"version\":1", with: "\"version\":9")
        try writeFile(Array(text.utf8), to: directory.file("p9.json"))
        let shown = try run(CLITests.binary, ["partition", "show", directory.file("p9.json")])
        #expect(shown.status == 1 && shown.stderr.contains("version 9"))
    }
}
