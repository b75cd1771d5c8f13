import Foundation
import Imaging
import Seeding
import Testing
import TestSupport

/// `medsilo unlearn` end to end on a small federation whose target hospital carries a backdoor: every
/// method lowers the backdoor's success from the original model's, AFU-IC keeps everybody working while
/// the synchronous methods (retraining, FedEraser, PGA) stall (KNOT, asynchronous, does not either), and bad requests fail before anything runs.
@Suite struct UnlearnCommandTests {
    /// 150 noisy 8×8 gray images of 3 classes (slightly brighter for higher classes, so the task is not
    /// trivial and a trigger stands out), 50 patients, ingested at 28 × 28, and an IID plan over 3
    /// hospitals.
    static func storeAndPlan(_ directory: TemporaryDirectory) throws {
        let root = directory.file("src")
        try FileManager.default.createDirectory(atPath: root + "/img", withIntermediateDirectories: true)
        var manifest = "path,label,patient\n"
        var generator = SeededGenerator(seed: 4)
        for i in 0..<150 {
            let label = i % 3
            let pixels = (0..<64).map { _ in UInt8(min(255, 60 + label * 15 + Int(generator.next() % 120))) }
            try writeFile(try PNGWriter.encode(pixels, width: 8, height: 8, channels: 1), to: root + "/img/\(i).png")
            manifest += "img/\(i).png,c\(label),P\(i / 3)\n"
        }
        try writeFile(Array(manifest.utf8), to: root + "/labels.csv")
        let ingest = try run(CLITests.binary, ["ingest", root, "--out", directory.file("store"), "--size", "28"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let partition = try run(
            CLITests.binary,
            ["partition", directory.file("store"), "--hospitals", "3", "--scheme", "iid", "--min-size", "5", "--out", directory.file("plan.json")])
        #expect(partition.status == 0, "\(partition.stderr)")
    }

    static let federate = """
        store: store
        plan: plan.json
        versions: 30
        strategy: {name: fedbuff, bufferSize: 2}
        local: {epochs: 2, batch: 16, optimizer: adam, lr: 0.002}
        speeds: {kind: stragglers, samplesPerSecond: 50, hospitals: [2], slowdown: 2}
        backdoor: {hospital: 0, fraction: 0.5, targetClass: 0, value: 10}
        history: {every: 1}
        evaluation: {every: 30}

        """

    @Test func everyMethodLowersTheBackdoorAndOnlyAFUICNeverStalls() throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        try writeFile(Array(Self.federate.utf8), to: directory.file("federate.yaml"))
        let pretraining = try run(CLITests.binary, ["federate", directory.file("federate.yaml"), "--out", directory.file("run")])
        #expect(pretraining.status == 0, "\(pretraining.stderr)")
        try writeFile(
            Array(
                """
                target: 0
                continuation: 6
                evaluation: {every: 3}
                methods:
                  - {name: retrain}
                  - {name: retrain, variant: synchronous}
                  - {name: federaser}
                  - {name: pga, radiusScale: 0.3, postRounds: 2}
                  - {name: knot, clusters: 2}
                  - {name: exclude}
                  - {name: afu-ic, preErase: 0.2, storedUpdates: 2, learningRate: 0.005}
                """.utf8), to: directory.file("unlearn.yaml"))
        let result = try run(
            CLITests.binary, ["unlearn", directory.file("unlearn.yaml"), "--from", directory.file("run"), "--out", directory.file("out"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let original = try #require(summary["original"] as? [String: Any])
        let originalBackdoor = try #require(original["backdoorSuccess"] as? Double)
        // The pre-trained model learned the backdoor; otherwise there would be nothing to verify.
        try #require(originalBackdoor >= 0.5, "original backdoor success \(originalBackdoor)")
        // The membership audit of the original model and of every method: four attacks, figures in [0, 1].
        func checkAudit(_ audit: Any?, _ who: String) {
            let attacks = (audit as? [String: Any])?["attacks"] as? [[String: Any]] ?? []
            #expect(attacks.compactMap { $0["name"] as? String } == ["loss", "confidence", "entropy", "modifiedEntropy"], "\(who)")
            for attack in attacks {
                for key in ["auc", "efficacy"] {
                    let value = attack[key] as? Double ?? -1
                    #expect((0...1).contains(value), "\(who) \(attack["name"] ?? "?") \(key) \(value)")
                }
            }
        }
        checkAudit(summary["originalAudit"], "original")
        let methods = try #require(summary["methods"] as? [[String: Any]])
        for method in methods { checkAudit(method["audit"], method["label"] as? String ?? "?") }
        // Persistence for every method; the distance to retraining for every method but the reference.
        for method in methods {
            let label = method["label"] as? String ?? "?"
            let persistence = method["persistence"] as? [String: Any]
            #expect((persistence?["resurfacingForget"] as? Double ?? -1) >= 0, "\(label)")
            let distance = method["toRetrain"] as? [String: Any]
            if label == "retrain" {
                #expect(distance == nil)
            } else {
                #expect((distance?["klTest"] as? Double ?? -1) >= 0 && (distance?["weightDistance"] as? Double ?? 0) > 0, "\(label)")
            }
        }
        #expect(methods.compactMap { $0["label"] as? String } == ["retrain", "retrain-sync", "federaser", "pga", "knot", "exclude", "afu-ic"])
        for method in methods {
            let label = method["label"] as? String ?? "?"
            // The exclude control erases nothing; whatever it forgets, the federation forgot by itself.
            if label == "exclude" { continue }
            let final = try #require(method["final"] as? [String: Any])
            let backdoor = try #require(final["backdoorSuccess"] as? Double)
            #expect(backdoor < originalBackdoor, "\(label): backdoor \(backdoor) against the original's \(originalBackdoor)")
            for file in ["model.safetensors", "results.json", "events.jsonl"] {
                #expect(FileManager.default.fileExists(atPath: directory.file("out/\(label)/\(file)")), "\(label)/\(file)")
            }
        }
        let stall = Dictionary(uniqueKeysWithValues: methods.map { ($0["label"] as! String, $0["stallClientSeconds"] as! Double) })
        #expect(stall["afu-ic"] == 0 && stall["retrain"] == 0 && stall["knot"] == 0 && stall["exclude"] == 0)
        // The control is served at the request and costs the target nothing.
        let control = try #require(methods.first { $0["label"] as? String == "exclude" })
        #expect(control["clientSampleEpochs"] as? Double == 0 && control["servedAt"] as? Double == summary["requestTime"] as? Double)
        #expect(stall["pga"]! > 0 && stall["retrain-sync"]! > 0 && stall["federaser"]! > 0)
        // FedEraser kept what it rebuilt from: the run's stored updates of the other hospitals.
        #expect((methods[2]["serverStorageBytes"] as? Int ?? 0) > 0)
        // AFU-IC merged the erasure and calibrated every later version; the target was never heard again.
        let afu = try #require(methods.last)
        #expect(afu["gamma"] as? Double != nil && (afu["calibratedSteps"] as? Int ?? 0) >= 6)
        // Its details: the stopping rule's checks (the first one on w₀), the probe, and the reference level
        // (the run kept every update) or the note saying why it was dropped.
        let details = try #require(afu["afu"] as? [String: Any])
        #expect(details["eraser"] as? String == "kl-uniform" && (details["probeSize"] as? Int ?? 0) > 0)
        #expect(["held", "budget", "rolledBack"].contains(details["ruleOutcome"] as? String ?? ""))
        #expect(((details["checks"] as? [[String: Any]])?.first?["step"] as? Int) == 0)
        let notes = afu["notes"] as? [String] ?? []
        #expect((0...1).contains(details["referenceAccuracy"] as? Double ?? -1) || notes.contains { $0.hasPrefix("no reference level: w₀ minus") }, "\(notes)")
        let events = try String(contentsOfFile: directory.file("out/afu-ic/events.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(!events.contains { $0.contains("\"kind\":\"arrived\"") && $0.contains("\"hospital\":0,") })
        // Results are never overwritten.
        let again = try run(CLITests.binary, ["unlearn", directory.file("unlearn.yaml"), "--from", directory.file("run"), "--out", directory.file("out")])
        #expect(again.status == 1 && again.stderr.contains("never overwritten"))
        // An interruption after some methods: --resume reads back the finished ones, runs the rest, and
        // ends with the same results (every method is deterministic).
        let summaryPath = directory.file("out/results.json")
        let first = try String(contentsOfFile: summaryPath, encoding: .utf8)
        for name in ["out/results.json", "out/afu-ic/results.json", "out/knot/results.json", "out/pga/results.json"] { try FileManager.default.removeItem(atPath: directory.file(name)) }
        let resumed = try run(
            CLITests.binary, ["unlearn", directory.file("unlearn.yaml"), "--from", directory.file("run"), "--out", directory.file("out"), "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("retrain: done before, read back") && resumed.stdout.contains("pga: running"))
        #expect(try String(contentsOfFile: summaryPath, encoding: .utf8) == first)
        // --resume with another config is refused.
        try writeFile(Array("target: 1\nmethods: [{name: retrain}]".utf8), to: directory.file("other.yaml"))
        let other = try run(
            CLITests.binary, ["unlearn", directory.file("other.yaml"), "--from", directory.file("run"), "--out", directory.file("out"), "--resume"])
        #expect(other.status == 1 && other.stderr.contains("another unlearning experiment"))
    }

    @Test func badRequestsFailBeforeAnythingRuns() throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        try writeFile(Array(Self.federate.replacingOccurrences(of: "history: {every: 1}\n", with: "").replacingOccurrences(of: "versions: 30", with: "versions: 2").utf8), to: directory.file("federate.yaml"))
        #expect(try run(CLITests.binary, ["federate", directory.file("federate.yaml"), "--out", directory.file("run")]).status == 0)
        let cases: [(String, String)] = [
            ("target: 7\nmethods: [{name: pga}]", "target: hospital 7 is not in the run"),
            ("target: 0\nmethods: [{name: afu-ic, preErase: 0.5}]", "history: {every: 1}"),
            ("target: 0\nrequest: {step: 5}\nmethods: [{name: retrain}]", "the run made only 2 steps"),
            ("target: 0\nmethods: [{name: fedforget}]", "methods.0.name: unknown method"),
        ]
        for (text, message) in cases {
            try writeFile(Array(text.utf8), to: directory.file("bad.yaml"))
            let result = try run(CLITests.binary, ["unlearn", directory.file("bad.yaml"), "--from", directory.file("run"), "--out", directory.file("never")])
            #expect(result.status == 1 && result.stderr.contains(message), "\(text): \(result.stderr)")
        }
        // Pre-erasure subtracts every contribution of the target: a history of every other step holds about
        // half of it and is refused; naming the target in history.hospitals keeps all of its updates.
        for (name, history) in [("every2", "history: {every: 2}\n"), ("target", "history: {every: 2, hospitals: [0]}\n")] {
            try writeFile(
                Array(Self.federate.replacingOccurrences(of: "history: {every: 1}\n", with: history).replacingOccurrences(of: "versions: 30", with: "versions: 8").utf8),
                to: directory.file("federate-\(name).yaml"))
            #expect(try run(CLITests.binary, ["federate", directory.file("federate-\(name).yaml"), "--out", directory.file("run-\(name)")]).status == 0)
        }
        try writeFile(Array("target: 0\nmethods: [{name: afu-ic, preErase: 0.5}]".utf8), to: directory.file("pre.yaml"))
        let half = try run(CLITests.binary, ["unlearn", directory.file("pre.yaml"), "--from", directory.file("run-every2"), "--out", directory.file("never")])
        #expect(half.status == 1 && half.stderr.contains("methods.0.preErase") && half.stderr.contains("hospitals: [0]"), "\(half.stderr)")
        func kept(_ run: String) throws -> [(step: Int, hospital: Int)] {
            try String(contentsOfFile: directory.file("\(run)/history/index.jsonl"), encoding: .utf8).split(separator: "\n").map {
                let entry = try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                return (entry["step"] as! Int, entry["hospital"] as! Int)
            }
        }
        let sparse = try kept("run-every2"), full = try kept("run-target")
        #expect(sparse.allSatisfy { $0.step % 2 == 0 })
        // The same run (same seed), so the target's updates at even steps are those of the sparse history,
        // and its updates at odd steps are there too.
        #expect(full.filter { $0.hospital != 0 }.map(\.step) == sparse.filter { $0.hospital != 0 }.map(\.step))
        #expect(full.filter { $0.hospital == 0 && $0.step % 2 == 0 }.count == sparse.filter { $0.hospital == 0 }.count)
        #expect(full.contains { $0.hospital == 0 && $0.step % 2 == 1 })
        try writeFile(Array("target: 0\nmethods: [{name: retrain}]".utf8), to: directory.file("good.yaml"))
        let missing = try run(CLITests.binary, ["unlearn", directory.file("good.yaml"), "--from", directory.file("nowhere"), "--out", directory.file("never")])
        #expect(missing.status == 1 && missing.stderr.contains("not a run of medsilo federate"))

        // The output folder's lock: held by another process, the request is refused with its PID and
        // nothing is written; left behind by a process that died, the folder (holding only the lock file)
        // counts as empty and the request runs.
        try FileManager.default.createDirectory(atPath: directory.file("busy"), withIntermediateDirectories: true)
        let holder = try holdLock(directory.file("busy/.lock"))
        let busy = try run(CLITests.binary, ["unlearn", directory.file("good.yaml"), "--from", directory.file("run"), "--out", directory.file("busy")])
        close(holder)
        #expect(busy.status == 1 && busy.stderr.contains("\(directory.file("busy")): in use by PID \(getpid())"), "\(busy.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("busy")) == [".lock"])
        try leaveStaleLock(directory.file("busy/.lock"))
        let after = try run(CLITests.binary, ["unlearn", directory.file("good.yaml"), "--from", directory.file("run"), "--out", directory.file("busy")])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("busy/results.json")))

        // The same for medsilo evaluate's folder (by default inside the unlearning output, with its own lock).
        let evaluate = ["evaluate", directory.file("busy"), "--shadows", "0", "--relearn-steps", "0"]
        try FileManager.default.createDirectory(atPath: directory.file("busy/evaluation"), withIntermediateDirectories: true)
        let evaluationHolder = try holdLock(directory.file("busy/evaluation/.lock"))
        let busyEvaluation = try run(CLITests.binary, evaluate)
        close(evaluationHolder)
        #expect(
            busyEvaluation.status == 1 && busyEvaluation.stderr.contains("\(directory.file("busy/evaluation")): in use by PID \(getpid())"),
            "\(busyEvaluation.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("busy/evaluation")) == [".lock"])
        try leaveStaleLock(directory.file("busy/evaluation/.lock"))
        let evaluated = try run(CLITests.binary, evaluate)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("busy/evaluation/evaluation.json")))
    }

    /// The audit's non-members are the target's local test split and its audit reserve — never its
    /// validation split, which AFU-IC's stopping rule erases against.
    @Test func theAuditsNonMembersAreTheTargetsTestSplitAndReserve() throws {
        let directory = TemporaryDirectory()
        try Self.storeAndPlan(directory)
        let partition = try run(
            CLITests.binary,
            ["partition", directory.file("store"), "--hospitals", "3", "--scheme", "iid", "--min-size", "5", "--audit-reserve", "0:0.5",
             "--out", directory.file("reserve.json")])
        #expect(partition.status == 0, "\(partition.stderr)")
        let bad = try run(CLITests.binary, ["partition", directory.file("store"), "--hospitals", "3", "--audit-reserve", "0", "--out", directory.file("x.json")])
        #expect(bad.status == 1 && bad.stderr.contains("HOSPITAL:SHARE"), "\(bad.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("reserve.json")))) as? [String: Any])
        let target = try #require((plan["hospitals"] as? [[String: Any]])?.first)
        let test = try #require(target["test"] as? [Int]), reserve = try #require(target["reserve"] as? [Int])
        let validation = try #require(target["val"] as? [Int])
        // About 40 samples in the hospital: half reserved, and with its test split ≥ 20 held-out samples.
        try #require(test.count + reserve.count >= 20 && !validation.isEmpty, "test \(test.count), reserve \(reserve.count)")
        try writeFile(
            Array(Self.federate.replacingOccurrences(of: "plan: plan.json", with: "plan: reserve.json").replacingOccurrences(of: "versions: 30", with: "versions: 4").utf8),
            to: directory.file("federate.yaml"))
        #expect(try run(CLITests.binary, ["federate", directory.file("federate.yaml"), "--out", directory.file("run")]).status == 0)
        try writeFile(Array("target: 0\ncontinuation: 2\nmethods: [{name: exclude}]".utf8), to: directory.file("unlearn.yaml"))
        let result = try run(
            CLITests.binary, ["unlearn", directory.file("unlearn.yaml"), "--from", directory.file("run"), "--out", directory.file("out"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let audit = try #require(summary["originalAudit"] as? [String: Any])
        #expect(audit["nonMemberSource"] as? String == "target-held-out")
        #expect(audit["nonMemberSamples"] as? Int == test.count + reserve.count)
    }
}
