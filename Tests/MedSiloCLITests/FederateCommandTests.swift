import Foundation
import Testing
import TestSupport

/// `medsilo federate` end to end: the run folder, refusals before training, and a run killed with
/// SIGKILL at random points that resumes to exactly the uninterrupted run's results.
@Suite struct FederateCommandTests {
    /// A 90-image store at 28 × 28 (two classes) and an IID plan over 3 hospitals, in `directory`.
    static func storeAndPlan(_ directory: TemporaryDirectory) throws {
        try IngestCommandTests.imageFolder(directory.file("src"), count: 90, size: 8)
        let ingest = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("store"), "--size", "28"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let partition = try run(
            CLITests.binary,
            ["partition", directory.file("store"), "--hospitals", "3", "--scheme", "iid", "--min-size", "5", "--out", directory.file("plan.json")])
        #expect(partition.status == 0, "\(partition.stderr)")
    }

    static func config(_ directory: TemporaryDirectory, _ text: String, name: String = "config.yaml") throws -> String {
        try writeFile(Array(("store: store\nplan: plan.json\n" + text).utf8), to: directory.file(name))
        return directory.file(name)
    }

    /// A run folder's files with what depends on the host (host seconds and times) taken out.
    static func results(_ folder: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in ["metrics.jsonl", "events.jsonl", "history/index.jsonl", "results.json"] {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            out[name] = try text.split(separator: "\n").map { line in
                var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                object["hostSeconds"] = nil
                object["hostTime"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }.joined(separator: "\n")
        }
        let model = try Data(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
        out["model.safetensors"] = model.base64EncodedString()
        return out
    }

    @Test func aRunFolderHoldsConfigLogsMetricsAndModel() throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        let config = try Self.config(
            directory, "versions: 6\nstrategy: {name: fedbuff, bufferSize: 2}\nspeeds: {kind: stragglers, samplesPerSecond: 20, hospitals: [1], slowdown: 5}\nhistory: {every: 1}\nevaluation: {every: 3}\n")
        let result = try run(CLITests.binary, ["federate", config, "--out", directory.file("run"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["steps"] as? Int == 6 && summary["synchronous"] as? Bool == false)
        let history = try #require(summary["history"] as? [String: Any])
        #expect(history["updates"] as? Int == 12)  // 6 versions × a buffer of 2
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("run/history")).filter { $0.hasSuffix(".safetensors") }
        #expect(files.count == 12)
        let metrics = try String(contentsOfFile: directory.file("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 6)
        // Evaluations at versions 3 and 6 only, with one validation entry per hospital.
        let evaluated = try metrics.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }.map { $0["evaluation"] as? [String: Any] }
        #expect(evaluated.map { $0 != nil } == [false, false, true, false, false, true])
        #expect((evaluated[5]?["validation"] as? [Any])?.count == 3)
        // The straggler's updates arrive stale: the log says so.
        let events = try String(contentsOfFile: directory.file("run/events.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let stale = events.filter { $0["kind"] as? String == "arrived" && $0["hospital"] as? Int == 1 }.compactMap { $0["staleness"] as? Int }
        #expect(!stale.isEmpty && stale.allSatisfy { $0 > 0 })
        #expect(events.allSatisfy { $0["hostTime"] is Double && $0["virtualTime"] is Double })
        // The resolved config shows the defaults that ran.
        let resolved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("run/config.json")))) as? [String: Any])
        #expect((resolved["strategy"] as? [String: Any])?["serverLearningRate"] as? Double == 1)
        #expect((resolved["checkpoint"] as? [String: Any])?["every"] as? Int == 10)
        // The folder is never reused without --resume; --resume of a finished run just reports.
        let again = try run(CLITests.binary, ["federate", config, "--out", directory.file("run")])
        #expect(again.status == 1 && again.stderr.contains("never overwritten"))
        let finished = try run(CLITests.binary, ["federate", config, "--out", directory.file("run"), "--resume"])
        #expect(finished.status == 0 && finished.stdout.contains("finished run"))
    }

    @Test func badConfigsFailBeforeTrainingNamingTheField() throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        let cases: [(String, String)] = [
            ("rounds: 2\nstrategy: {name: fedsgd}\n", "strategy.name: unknown strategy 'fedsgd'"),
            ("rounds: 2\nmodel: cnn-large\n", "model: "),
            ("rounds: 2\nspeeds: {kind: fixed, samplesPerSecond: -1}\n", "speeds.samplesPerSecond: must be a positive number"),
            ("rounds: 2\nlocal: {lr: 0.1, epoch: 2}\n", "local.epoch: unknown field"),
            ("rounds: 2\navailability: {joins: {7: 10}}\n", "availability.joins.7: hospital 7 is not in the plan"),
        ]
        for (body, message) in cases {
            let config = try Self.config(directory, body)
            let result = try run(CLITests.binary, ["federate", config, "--out", directory.file("never")])
            #expect(result.status == 1 && result.stderr.contains(message), "\(body): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("never")))
        }
        // A plan of another store.
        try IngestCommandTests.imageFolder(directory.file("other-src"), count: 30, size: 8)
        _ = try run(CLITests.binary, ["ingest", directory.file("other-src"), "--out", directory.file("other"), "--size", "28"])
        try writeFile(Array("store: other\nplan: plan.json\nrounds: 1\n".utf8), to: directory.file("other.yaml"))
        let other = try run(CLITests.binary, ["federate", directory.file("other.yaml"), "--out", directory.file("never")])
        #expect(other.status == 1 && other.stderr.contains("plan: ") && other.stderr.contains("another store"), "\(other.stderr)")
        // Resuming with a changed config is refused, naming the field.
        let good = try Self.config(directory, "rounds: 1\n", name: "good.yaml")
        #expect(try run(CLITests.binary, ["federate", good, "--out", directory.file("run")]).status == 0)
        let changed = try Self.config(directory, "rounds: 2\n", name: "changed.yaml")
        let refused = try run(CLITests.binary, ["federate", changed, "--out", directory.file("run"), "--resume"])
        #expect(refused.status == 1 && refused.stderr.contains("another config (rounds"), "\(refused.stderr)")
    }

    @Test(arguments: ["rounds: 8\nstrategy: {name: fedadam}\nclientFraction: 0.67\navailability: {dropout: 0.2}\n",
                      "versions: 10\nstrategy: {name: fedbuff, bufferSize: 2}\nspeeds: {kind: log-normal, median: 60, sigma: 1}\n"])
    func aRunKilledAtRandomPointsResumesToTheSameResults(_ body: String) throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        let config = try Self.config(directory, body + "history: {every: 1}\ncheckpoint: {every: 1}\nlocal: {epochs: 2, batch: 8}\n")
        let whole = try run(CLITests.binary, ["federate", config, "--out", directory.file("whole")])
        #expect(whole.status == 0, "\(whole.stderr)")
        let started = Date()
        _ = try run(CLITests.binary, ["federate", config, "--out", directory.file("probe")])
        let duration = Date().timeIntervalSince(started)
        // Two kills at random moments of the run, each followed by --resume (the last runs to the end).
        var generator = SystemRandomNumberGenerator()
        var kills: [Double] = []
        var resume = false
        for _ in 0..<2 {
            let delay = Double.random(in: 0.05...max(0.1, duration * 0.6), using: &generator)
            kills.append(delay)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLITests.binary)
            process.arguments = ["federate", config, "--out", directory.file("killed")] + (resume ? ["--resume"] : [])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            resume = FileManager.default.fileExists(atPath: directory.file("killed/config.json"))
        }
        let finish = try run(CLITests.binary, ["federate", config, "--out", directory.file("killed")] + (resume ? ["--resume"] : []))
        #expect(finish.status == 0, "kills after \(kills) s: \(finish.stderr)")
        #expect(try Self.results(directory.file("killed")) == Self.results(directory.file("whole")), "kills after \(kills) s")
        // A resumed run clears temporary files a killed write left behind.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory.file("killed")).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
