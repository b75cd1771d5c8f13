import Foundation
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
}
