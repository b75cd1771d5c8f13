import Foundation
import Imaging
import Testing
import TestSupport

/// `medsilo synth` end to end: the folder layout, labels.csv and the --json summary scripts rely on.
@Suite struct SynthCommandTests {
    @Test func synthWritesFilesLabelsAndAJSONSummary() throws {
        let directory = TemporaryDirectory()
        let result = try CLITests.medsilo(
            "synth", "--out", directory.path, "--task", "all", "--hospitals", "2", "--patients", "6", "--size", "20",
            "--seed", "4", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try CLITests.jsonLines(result.stdout).first)
        #expect(summary["seed"] as? Int == 4 && summary["size"] as? Int == 20)
        let tasks = try #require(summary["tasks"] as? [[String: Any]])
        #expect(tasks.compactMap { $0["task"] as? String } == ["derm", "ct", "path"])
        var files = 0
        for task in tasks {
            let name = try #require(task["task"] as? String)
            let csv = String(decoding: try readFile("\(directory.path)/\(name)/labels.csv"), as: UTF8.self)
            let lines = csv.split(separator: "\n")
            #expect(lines.first == "path,label,patient,hospital")
            #expect(lines.count - 1 == task["images"] as? Int)
            #expect(task["patients"] as? Int == 6)
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",").map(String.init)
                #expect(fields.count == 4 && fields[2].hasPrefix("\(name)-p"))
                let reader = try ImageReader(path: "\(directory.path)/\(name)/\(fields[0])")
                #expect(reader.info.rows == 20)
                files += 1
            }
        }
        #expect(summary["files"] as? Int == files + 3)

        // Text output names each labels.csv; a second run with the same seed rewrites identical bytes.
        let derm = "\(directory.path)/derm/labels.csv"
        let before = try readFile(derm)
        let again = try CLITests.medsilo(
            "synth", "--out", directory.path, "--task", "derm", "--hospitals", "2", "--patients", "6", "--size", "20",
            "--seed", "4")
        #expect(again.status == 0 && again.stdout.contains(derm))
        #expect(try readFile(derm) == before)
    }

    @Test(arguments: [
        (["--size", "8"], "size"), (["--hospitals", "0"], "hospitals"), (["--patients", "2"], "patients"),
        (["--images-per-patient", "5-2"], "images-per-patient"), (["--task", "mri"], "task"),
    ])
    func synthRejectsBadOptionsWithAMessage(arguments: [String], mentions: String) throws {
        let directory = TemporaryDirectory()
        let result = try run(CLITests.binary, ["synth", "--out", directory.path] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mentions), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
