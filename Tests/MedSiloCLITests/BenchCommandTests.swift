import Foundation
import Seeding
import Testing
import TestSupport

/// `medsilo bench` end to end at tiny sizes: the synthetic data, every phase, results.json, the CSV
/// tables, per-sample scores and the report are complete; a bench killed at a random moment continues
/// to the same figures; bad presets, inputs and folders fail with a clear message.
@Suite struct BenchCommandTests {
    static let config = """
        name: tiny
        seeds: [3]
        datasets: [{name: derm, synthetic: derm, size: 28}]
        synthetic: {patients: 40, sites: 3, imageSize: 16}
        partitions: [{scheme: dirichlet, alpha: 1.0, hospitals: 3}]
        target: 0
        federation:
          versions: 8
          strategy: {name: fedbuff, bufferSize: 2}
          local: {epochs: 1, batch: 16, optimizer: adam, lr: 0.002}
          speeds: {kind: fixed, samplesPerSecond: 200}
          backdoor: {fraction: 0.5, targetClass: 0, value: 3}
          history: {every: 1}
          evaluation: {every: 4}
        unlearning:
          continuation: 4
          evaluation: {every: 2}
          methods:
            - {name: retrain, variant: synchronous}
            - {name: afu-ic}
            - {name: afu-ic, label: afu-no-ic, calibration: none}
        evaluation: {shadows: 2, shadowEpochs: 1, relearnSteps: 4, relearnEvery: 2}
        stragglers: {factors: [1, 4], methods: [retrain-sync, afu-ic]}
        centralEpochs: 2

        """

    static let attacks: Set<String> = [
        "loss", "confidence", "entropy", "modifiedEntropy", "lira_online", "lira_offline", "lira_online_fixed_variance", "lira_offline_fixed_variance",
        "shokri", "rmia_offline",
    ]

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    /// The figures that do not depend on where the bench ran or how long it took.
    static func figures(_ folder: String) throws -> String {
        let results = try json(folder + "/results.json")
        let data = try JSONSerialization.data(withJSONObject: ["headline": results["headline"]!, "stragglers": results["stragglerTable"]!], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + (try String(contentsOfFile: folder + "/tables/attacks.csv", encoding: .utf8))
    }

    @Test func aTinyBenchWritesEverythingAndResumesAfterAKill() throws {
        let directory = TemporaryDirectory()
        try writeFile(Array(Self.config.utf8), to: directory.file("bench.yaml"))
        let started = Date()
        let whole = try run(CLITests.binary, ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("whole")])
        let duration = Date().timeIntervalSince(started)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("| method |") && whole.stdout.contains("afu-no-ic") && whole.stdout.contains("straggler sweep"), "\(whole.stdout)")
        #expect(whole.stdout.contains("ETA"), "progress shows an estimate")

        // results.json: one cell, the sweep, the headline rows with their figures.
        let results = try Self.json(directory.file("whole/results.json"))
        #expect(results["format"] as? String == "medsilo-bench")
        let cells = results["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 1 && (results["stragglers"] as? [Any])?.count == 2)
        let headline = results["headline"] as? [[String: Any]] ?? []
        #expect(headline.compactMap { $0["label"] as? String } == ["original", "retrain-sync", "afu-ic", "afu-no-ic"])
        for row in headline {
            for key in ["testAccuracy", "retainAccuracy", "forgetAccuracy", "backdoorSuccess", "lossAUC", "liraAUC", "liraTPRAt1PercentFPR"] {
                #expect(row[key] != nil, "\(row["label"]!) lacks \(key)")
            }
        }
        for key in ["stallClientSeconds", "peakBackdoorSuccess"] {
            #expect(headline.dropFirst().allSatisfy { $0[key] != nil }, "a method lacks \(key)")
        }
        // Retraining is served when it ends, so it always has a latency; RR on the backdoor only where the
        // erasure removed at least 0.2 of it, so any method may lack it, and where given it is not negative.
        #expect(headline[1]["latency"] != nil)
        for row in headline.dropFirst() {
            if let rr = row["resurfacing"] as? [String: Any] { #expect((rr["mean"] as? Double ?? -1) >= 0) }
        }
        let stragglers = results["stragglerTable"] as? [[String: Any]] ?? []
        #expect(stragglers.compactMap { $0["label"] as? String } == ["retrain-sync", "afu-ic", "retrain-sync", "afu-ic"], "the sweep runs the listed methods only")
        #expect(stragglers.compactMap { $0["slowdown"] as? Double } == [1, 1, 4, 4])

        // Every model is attacked by every attack; per-sample scores have one row per audited sample.
        let evaluation = cells[0]["evaluation"] as? [String: Any] ?? [:]
        let models = evaluation["models"] as? [[String: Any]] ?? []
        #expect(models.count == 4)
        for model in models {
            let names = Set((model["attacks"] as? [[String: Any]] ?? []).compactMap { $0["attack"] as? String })
            #expect(names == Self.attacks, "\(model["label"]!): \(names)")
        }
        // The audit pooled over seeds: with one seed, that seed's verdict.
        let pooled = results["audit"] as? [[String: Any]] ?? []
        let verdict = evaluation["verdict"] as? [String: Any] ?? [:]
        #expect(pooled.count == 1 && pooled.first?["seeds"] as? Int == 1 && pooled.first?["partition"] as? String == "dirichlet-a1.0")
        #expect(abs((pooled.first?["gap"] as? Double ?? .nan) - (verdict["gap"] as? Double ?? 0)) < 1e-12)
        #expect(pooled.first?["conclusive"] as? Bool == verdict["conclusive"] as? Bool)
        // The verdict's error rests on patients: no more of them than samples, and the loss AUCs are the table's.
        #expect(verdict["resamples"] as? Int == 2000)
        // (The synthetic patients have several images each, so there are fewer patients than samples.)
        let memberPatients = verdict["memberPatients"] as? Int ?? 0, nonMemberPatients = verdict["nonMemberPatients"] as? Int ?? 0
        #expect(memberPatients > 0 && memberPatients < evaluation["forgetSamples"] as? Int ?? 0, "\(memberPatients)")
        #expect(nonMemberPatients > 0 && nonMemberPatients < evaluation["nonMemberSamples"] as? Int ?? 0, "\(nonMemberPatients)")
        let lossAUC = { (label: String) in
            ((models.first { $0["label"] as? String == label }?["attacks"] as? [[String: Any]])?.first { $0["attack"] as? String == "loss" })?["auc"] as? Double
        }
        #expect(verdict["originalAUC"] as? Double == lossAUC("original") && verdict["retrainAUC"] as? Double == lossAUC("retrain-sync"))
        let audited = (evaluation["forgetSamples"] as? Int ?? 0) + (evaluation["nonMemberSamples"] as? Int ?? 0)
        let scores = try String(contentsOfFile: directory.file("whole/cells/derm/dirichlet-a1.0/s3/unlearn/evaluation/scores/afu-ic.csv"), encoding: .utf8)
        #expect(audited > 0 && scores.split(separator: "\n").count == audited + 1)
        #expect(scores.hasPrefix("id,label,member,loss,"))
        // RMIA offline: the default a with two shadows, z outside the audited samples; with four, a calibrated a.
        try EvaluateRMIAChecks.check(directory.file("whole/cells/derm/dirichlet-a1.0/s3/unlearn/evaluation"), shadows: 2)
        let four = try run(CLITests.binary, [
            "evaluate", directory.file("whole/cells/derm/dirichlet-a1.0/s3/unlearn"), "--shadows", "4", "--shadow-epochs", "1", "--relearn-steps", "0",
            "--out", directory.file("eval4"),
        ])
        #expect(four.status == 0, "\(four.stderr)")
        try EvaluateRMIAChecks.check(directory.file("eval4"), shadows: 4)

        // Tables and the report.
        let attacksTable = try String(contentsOfFile: directory.file("whole/tables/attacks.csv"), encoding: .utf8)
        #expect(attacksTable.split(separator: "\n").count == 1 + 4 * Self.attacks.count)
        for table in ["headline", "methods", "stragglers"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("whole/tables/\(table).csv")), "\(table).csv")
        }
        let html = try String(contentsOfFile: directory.file("whole/report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && !html.contains("<script"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 7, "accuracy, resurfacing, membership, ROC, partition, two straggler plots")
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil, "self-contained")
        let markdown = try String(contentsOfFile: directory.file("whole/report.md"), encoding: .utf8)
        #expect(markdown.contains("## What the audit can see") && markdown.contains("## Straggler sweep") && markdown.contains("figures/derm-dirichlet-a1.0-roc.svg"))
        // Each phase's host seconds, per cell and summed, so the cost is visible.
        let seconds = results["hostSeconds"] as? [String: Double] ?? [:]
        #expect(["data", "federate", "central", "unlearn", "evaluate", "sweep-federate", "sweep-unlearn", "total"].allSatisfy { seconds[$0] != nil }, "\(seconds)")
        let phases = ["data", "federate", "central", "unlearn", "evaluate", "sweep-federate", "sweep-unlearn"].compactMap { seconds[$0] }
        #expect(abs((seconds["total"] ?? 0) - phases.reduce(0, +)) < 1e-6)
        #expect(((cells[0]["hostSeconds"] as? [String: Double])?.keys.sorted() ?? []) == ["central", "evaluate", "federate", "unlearn"])
        // Whether the pre-training finished: evaluated at 4 and 8 of 8 versions, so the 80 % mark is version 4;
        // the central model's two epochs; synchronous retraining's final accuracy; and the report's table.
        let convergence = cells[0]["convergence"] as? [String: Any] ?? [:]
        #expect(convergence["versions"] as? Int == 8 && convergence["evaluatedAt"] as? Int == 4 && convergence["centralEpochs"] as? Int == 2, "\(convergence)")
        let retrainSync = (((cells[0]["unlearning"] as? [String: Any])?["methods"] as? [[String: Any]])?.first { $0["label"] as? String == "retrain-sync" }?["final"] as? [String: Any])?["testAccuracy"] as? Double
        #expect(retrainSync != nil && convergence["retrainSyncAccuracy"] as? Double == retrainSync)
        #expect(markdown.contains("## Did the pre-training finish?"))
        #expect(markdown.contains("Host time (each phase's last run, on this machine): data "))
        // The report and the terminal open with the claims: three verdicts for the one group, before anything else.
        let claims = results["claims"] as? [[String: Any]] ?? []
        #expect(claims.compactMap { $0["claim"] as? Int } == [1, 2, 3])
        #expect(claims.allSatisfy { ["pass", "fail", "untested"].contains($0["outcome"] as? String ?? "") && !($0["detail"] as? String ?? "").isEmpty })
        let sections = markdown.components(separatedBy: "\n## ").dropFirst().map { $0.prefix { $0 != "\n" } }
        #expect(sections.first == "The claims", "\(sections)")
        #expect(whole.stdout.range(of: "the claims")!.lowerBound < whole.stdout.range(of: "| method |")!.lowerBound)

        // medsilo evaluate on the cell's unlearning output, without shadows and on one thread: the threshold
        // attacks only, with the same figures and the same relearn curves as the bench's audit (same models,
        // samples and seed; the bench trained shadows first and used every core).
        let unlearning = directory.file("whole/cells/derm/dirichlet-a1.0/s3/unlearn")
        let same = ["--relearn-steps", "4", "--relearn-every", "2", "--seed", "3", "--out", directory.file("eval0")]
        let alone = try run(CLITests.binary, ["evaluate", unlearning, "--shadows", "0", "--threads", "1", "--json"] + same)
        #expect(alone.status == 0, "\(alone.stderr)")
        let aloneModels = (try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])?["models"] as? [[String: Any]] ?? []
        #expect(aloneModels.count == 4)
        for (one, other) in zip(aloneModels, models) {
            let oneAttacks = one["attacks"] as? [[String: Any]] ?? [], otherAttacks = other["attacks"] as? [[String: Any]] ?? []
            #expect(oneAttacks.compactMap { $0["attack"] as? String } == ["loss", "confidence", "entropy", "modifiedEntropy"])
            #expect(oneAttacks.first?["auc"] as? Double == otherAttacks.first?["auc"] as? Double, "\(one["label"]!)")
            let curve = one["relearnCurve"] as? [Double] ?? []
            #expect(curve.count == 3 && curve == other["relearnCurve"] as? [Double], "\(one["label"]!): \(curve)")
        }
        // Another thread count is not another setting: the figures are read back, also from a folder whose
        // settings name the thread count (as earlier releases wrote them).
        var settingsFile = try Self.json(directory.file("eval0/settings.json"))
        #expect(settingsFile["threads"] == nil && settingsFile["seed"] as? Int == 3)
        settingsFile["threads"] = 1
        try JSONSerialization.data(withJSONObject: settingsFile).write(to: URL(fileURLWithPath: directory.file("eval0/settings.json")))
        let otherThreads = try run(CLITests.binary, ["evaluate", unlearning, "--shadows", "0", "--threads", "2"] + same)
        #expect(otherThreads.status == 0 && otherThreads.stdout.contains("evaluated before, read back"), "\(otherThreads.stderr)")
        let otherSettings = try run(CLITests.binary, ["evaluate", unlearning, "--shadows", "2", "--relearn-steps", "0", "--out", directory.file("eval0")])
        #expect(otherSettings.status == 1 && otherSettings.stderr.contains("other settings"), "\(otherSettings.stderr)")
        let uneven = try run(CLITests.binary, ["evaluate", unlearning, "--relearn-steps", "7", "--out", directory.file("eval7")])
        #expect(uneven.status == 1 && uneven.stderr.contains("--relearn-steps"), "\(uneven.stderr)")
        let notUnlearning = try run(CLITests.binary, ["evaluate", directory.file("whole/cells")])
        #expect(notUnlearning.status == 1 && notUnlearning.stderr.contains("is not an output of medsilo unlearn"), "\(notUnlearning.stderr)")

        // Running it again reads everything back; an evaluation written before the patient bootstrap (its
        // verdict without resamples, as older releases wrote it) gets its verdict recomputed, the same.
        let before = try Self.figures(directory.file("whole"))
        let evaluationFile = directory.file("whole/cells/derm/dirichlet-a1.0/s3/unlearn/evaluation/evaluation.json")
        var older = try Self.json(evaluationFile)
        var olderVerdict = older["verdict"] as? [String: Any] ?? [:]
        for key in ["resamples", "memberPatients", "nonMemberPatients"] { olderVerdict.removeValue(forKey: key) }
        olderVerdict["standardError"] = 0.0123
        older["verdict"] = olderVerdict
        try JSONSerialization.data(withJSONObject: older).write(to: URL(fileURLWithPath: evaluationFile))
        let again = try run(CLITests.binary, ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("whole")])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("original: evaluated before, read back") && !again.stdout.contains("shadow models"), "\(again.stdout)")
        #expect(try Self.figures(directory.file("whole")) == before)
        let refreshed = try Self.json(evaluationFile)["verdict"] as? [String: Any] ?? [:]
        #expect(refreshed["resamples"] as? Int == 2000 && refreshed["standardError"] as? Double == verdict["standardError"] as? Double)

        // Killed at a random moment, then run again: the same figures.
        var generator = SystemRandomNumberGenerator()
        let delay = Double.random(in: 0.2...max(0.3, duration * 0.8), using: &generator)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("killed")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finish = try run(CLITests.binary, ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("killed")])
        #expect(finish.status == 0, "killed after \(delay) s: \(finish.stderr)")
        #expect(try Self.figures(directory.file("killed")) == Self.figures(directory.file("whole")), "killed after \(delay) s")
    }

    /// A MedMNIST archive (built here: 3 classes, 28×28 RGB, brighter for higher classes) named by a path
    /// relative to the config file: ingested into the bench's own store with its official split, then
    /// the phases as for the built-in data.
    @Test func aMedMNISTFileRunsThroughTheBench() throws {
        let directory = TemporaryDirectory()
        var generator = SeededGenerator(seed: 8)
        var zip = ZIPBuilder()
        for (split, count) in [("train", 240), ("val", 30), ("test", 60)] {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for row in 0..<count {
                let label = row % 3
                labels.append(UInt8(label))
                pixels += (0..<(28 * 28 * 3)).map { _ in UInt8(40 * label + Int(generator.next() % 130)) }
            }
            zip.add(.init("\(split)_images.npy", NPYBuilder.encode(descr: "|u1", shape: [count, 28, 28, 3], data: pixels)))
            zip.add(.init("\(split)_labels.npy", NPYBuilder.encode(descr: "|u1", shape: [count, 1], data: labels)))
        }
        try FileManager.default.createDirectory(atPath: directory.file("configs"), withIntermediateDirectories: true)
        try writeFile(zip.bytes(), to: directory.file("configs/tinymnist.npz"))
        let config = """
            seeds: [2]
            datasets: [{name: tiny, medmnist: tinymnist.npz}]
            partitions: [{scheme: dirichlet, alpha: 1.0, hospitals: 3}]
            federation:
              versions: 6
              strategy: {name: fedbuff, bufferSize: 2}
              local: {epochs: 1, batch: 32, optimizer: adam, lr: 0.002}
              history: {every: 1}
            unlearning:
              continuation: 2
              evaluation: {every: 2}
              methods: [{name: retrain, variant: synchronous}, {name: afu-ic}]
            evaluation: {shadows: 2, shadowEpochs: 1, relearnSteps: 0}

            """
        try writeFile(Array(config.utf8), to: directory.file("configs/bench.yaml"))
        let bench = try run(CLITests.binary, ["bench", "--preset", directory.file("configs/bench.yaml"), "--out", directory.file("out")])
        #expect(bench.status == 0, "\(bench.stderr)")
        let results = try Self.json(directory.file("out/results.json"))
        #expect((results["headline"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["original", "retrain-sync", "afu-ic"])
        let store = try Self.json(directory.file("out/data/stores/tiny/store.json"))
        #expect(store["count"] as? Int == 330, "the archive's 330 images ingested")
    }

    @Test func badPresetsInputsAndFoldersFailClearly() throws {
        let directory = TemporaryDirectory()
        let unknown = try run(CLITests.binary, ["bench", "--preset", "fastest", "--out", directory.file("out")])
        #expect(unknown.status == 1 && unknown.stderr.contains("neither a preset (quick, paper)"), "\(unknown.stderr)")
        let medmnist = Self.config.replacingOccurrences(of: "{name: derm, synthetic: derm, size: 28}", with: "{name: path, medmnist: /no/pathmnist.npz}")
        try writeFile(Array(medmnist.utf8), to: directory.file("medmnist.yaml"))
        let missing = try run(CLITests.binary, ["bench", "--preset", directory.file("medmnist.yaml"), "--out", directory.file("out")])
        #expect(missing.status == 1 && missing.stderr.contains("datasets.0.medmnist") && missing.stderr.contains("/no/pathmnist.npz"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")), "nothing is written before the config is checked")

        try FileManager.default.createDirectory(atPath: directory.file("busy"), withIntermediateDirectories: true)
        try writeFile(Array("keep me".utf8), to: directory.file("busy/notes.txt"))
        try writeFile(Array(Self.config.utf8), to: directory.file("bench.yaml"))
        let occupied = try run(CLITests.binary, ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("busy")])
        #expect(occupied.status == 1 && occupied.stderr.contains("not a bench folder"), "\(occupied.stderr)")
        #expect(try String(contentsOfFile: directory.file("busy/notes.txt"), encoding: .utf8) == "keep me")

        try FileManager.default.createDirectory(atPath: directory.file("other"), withIntermediateDirectories: true)
        try writeFile(Array("{\"name\":\"another\"}\n".utf8), to: directory.file("other/bench.json"))
        let another = try run(CLITests.binary, ["bench", "--preset", directory.file("bench.yaml"), "--out", directory.file("other")])
        #expect(another.status == 1 && another.stderr.contains("holds another bench"), "\(another.stderr)")
    }
}
