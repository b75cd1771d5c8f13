import Testing

import Auditing
import Foundation
import Seeding
import TestSupport

@testable import Experiments

/// Bench configs (presets and files), the audit's verdict and the over-seed statistics.
@Suite struct BenchConfigTests {
    static let minimal = """
        datasets: [{name: derm, synthetic: derm}]
        partitions: [{scheme: dirichlet, alpha: 0.5, hospitals: 4}]
        target: 1
        federation:
          versions: 10
          strategy: {name: fedbuff, bufferSize: 2}
          backdoor: {fraction: 0.5, value: 3}
        unlearning:
          methods: [{name: retrain}, {name: afu-ic}]
        """

    @Test func presetsParseAndHaveWhatTheIssueAsks() throws {
        let quick = try BenchConfig.parse(BenchConfig.preset("quick")!)
        #expect(quick.seeds.count == 1 && quick.datasets.map(\.synthetic) == ["derm"])
        #expect(Set(quick.unlearning.methods.map(\.name)) == Set(UnlearningConfig.Method.names), "quick runs every method")
        #expect(quick.evaluation.shadows >= 2 && quick.federation.backdoor?.hospital == quick.target)
        let paper = try BenchConfig.parse(BenchConfig.preset("paper")!)
        #expect(paper.seeds.count == 5 && paper.datasets.count == 3 && paper.partitions.map(\.scheme) == ["dirichlet", "natural"])
        #expect(paper.partitions[0].hospitals == 10 && paper.partitions[0].alpha == 0.5)
        #expect(paper.stragglers?.factors == [1, 3, 10, 30])
        #expect(paper.evaluation.shadows >= 16, "enough shadows for TPR at low FPR to mean something")
        #expect(paper.unlearning.methods.contains { $0.calibration == "none" } && paper.unlearning.methods.contains { $0.calibration == "two-sided" })
        #expect(BenchConfig.preset("slow") == nil)
        // The protocol: the exclude control in both presets, the backdoor on a fifth of the target's samples,
        // evaluation every 2 versions; the paper preset with a slow target in its main groups.
        for preset in [quick, paper] {
            #expect(preset.unlearning.methods.contains { $0.name == "exclude" } && preset.federation.backdoor?.fraction == 0.2)
            #expect(preset.unlearning.evaluation.every == 2)
            // A sharp 80 % mark for the plateau figure, an audit reserve, and the converging optimiser.
            #expect(preset.federation.evaluation.every * 10 <= preset.federation.versions! && preset.auditReserve == 0.3)
            #expect(preset.federation.local.optimizer == "sgd" && preset.federation.strategy.bufferSize == 5)
        }
        #expect(paper.targetSlowdowns == [1, 4] && quick.targetSlowdowns == nil)
    }

    @Test func targetSlowdownsMakeGroupsThatShareThePlans() throws {
        let text = Self.minimal.replacingOccurrences(of: "target: 1\n", with: "target: 1\ntargetSlowdowns: [1, 4]\nseeds: [5, 6]\n")
        let config = try BenchConfig.parse(text)
        let bench = Bench(config: config, folder: "/nowhere", cores: 1)
        #expect(bench.cells.map(\.partition) == ["dirichlet-a0.5", "dirichlet-a0.5", "dirichlet-a0.5-target-x4", "dirichlet-a0.5-target-x4"])
        #expect(bench.cells.map(\.planLabel) == Array(repeating: "dirichlet-a0.5", count: 4))
        #expect(bench.cells.map(\.targetSlowdown) == [nil, nil, 4, 4] && bench.cells[2].path == "cells/derm/dirichlet-a0.5-target-x4/s5")
        // A slowdown the speed profile cannot express, a target already slow, or a repeated factor: refused.
        let refusals = [
            text.replacingOccurrences(of: "  versions: 10\n", with: "  versions: 10\n  speeds: {kind: stragglers, samplesPerSecond: 100, hospitals: [2], slowdown: 3}\n"),
            text.replacingOccurrences(of: "  versions: 10\n", with: "  versions: 10\n  speeds: {kind: stragglers, samplesPerSecond: 100, hospitals: [1], slowdown: 4}\n"),
            text.replacingOccurrences(of: "targetSlowdowns: [1, 4]", with: "targetSlowdowns: [4, 4]"),
        ]
        for bad in refusals {
            #expect { try BenchConfig.parse(bad) } throws: { ($0 as? ConfigError)?.field == "targetSlowdowns" }
        }
        // Stragglers slowed by the same factor: the target joins them.
        _ = try BenchConfig.parse(
            text.replacingOccurrences(of: "  versions: 10\n", with: "  versions: 10\n  speeds: {kind: stragglers, samplesPerSecond: 100, hospitals: [2], slowdown: 4}\n"))
    }

    @Test func theBenchFillsInTargetBackdoorAndDefaults() throws {
        let config = try BenchConfig.parse(Self.minimal)
        #expect(config.target == 1 && config.unlearning.target == 1 && config.federation.backdoor?.hospital == 1)
        #expect(config.federation.backdoor?.fraction == 0.5 && config.federation.versions == 10)
        #expect(config.seeds == [0] && config.name == "bench" && config.evaluation == EvaluationSettings() && config.stragglers == nil)
        #expect(config.partitions[0].label == "dirichlet-a0.5")
    }

    @Test(arguments: [
        ("store: x", "federation.store", "set by the bench"),
        ("seed: 3", "federation.seed", "set by the bench"),
        ("strategy: {name: fedbuff, bufferSize: 2, mu: 1}", "federation.strategy.mu", "fedbuff"),
        ("backdoor: {hospital: 2}", "federation.backdoor.hospital", "bench's target"),
    ])
    func federationMistakesNameTheirField(line: String, field: String, reason: String) throws {
        // A strategy replaces the config's own (a mapping may not name a field twice), anything else the backdoor.
        let replaced = line.hasPrefix("strategy:") ? "  strategy: {name: fedbuff, bufferSize: 2}" : "  backdoor: {fraction: 0.5, value: 3}"
        let text = Self.minimal.replacingOccurrences(of: replaced, with: "  " + line)
        let error = #expect(throws: ConfigError.self) { try BenchConfig.parse(text) }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("datasets: [{name: derm, synthetic: skin}]", "datasets.0.synthetic", "unknown task"),
        ("datasets: [{name: derm, medmnist: /no/such/pathmnist.npz}]", "datasets.0.medmnist", "no such readable file"),
        ("datasets: [{name: derm, synthetic: derm, store: /x}]", "datasets.0", "exactly one"),
        ("datasets: [{name: a, synthetic: derm}, {name: a, synthetic: ct}]", "datasets.1.name", "two datasets"),
        ("datasets: [{name: derm, synthetic: derm, colour: red}]", "datasets.0.colour", "unknown field"),
        ("datasets: []", "datasets", "at least one"),
    ])
    func datasetMistakesNameTheirField(line: String, field: String, reason: String) throws {
        let text = Self.minimal.replacingOccurrences(of: "datasets: [{name: derm, synthetic: derm}]", with: line)
        let error = #expect(throws: ConfigError.self) { try BenchConfig.parse(text) }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("partitions: [{scheme: natural, hospitals: 4}]", "partitions.0.hospitals", "one hospital per site"),
        ("partitions: [{scheme: iid, hospitals: 4, alpha: 1}]", "partitions.0.alpha", "only dirichlet"),
        ("partitions: [{scheme: shards, hospitals: 4}]", "partitions.0.scheme", "unknown scheme"),
        ("partitions: [{scheme: iid, hospitals: 1}]", "partitions.0.hospitals", "at least 2"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nstragglers: {methods: [afu]}", "stragglers.methods.0", "no method is labelled"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nstragglers: {factors: [0.5]}", "stragglers.factors", "from 1 to"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nevaluation: {shadows: 3}", "evaluation.shadows", "even"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nseeds: [1, 1]", "seeds", "twice"),
        ("partitions: [{scheme: iid, hospitals: 4}, {scheme: iid, hospitals: 6}]", "partitions.1", "share the first's folders"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nstragglers: {factors: [3, 3]}", "stragglers.factors", "twice"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nstragglers: {factors: [.inf]}", "stragglers.factors", "from 1 to"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nsynthetic: {imagesPerPatient: 6-2}", "synthetic.imagesPerPatient", "MIN-MAX"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nsynthetic: {imagesPerPatient: abc}", "synthetic.imagesPerPatient", "MIN-MAX"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nsynthetic: {imageSize: 8}", "synthetic", "size must be between"),
        ("partitions: [{scheme: natural}]\nsynthetic: {sites: 1}", "target", "sites"),
        ("partitions: [{scheme: iid, hospitals: 4}]\nevaluation: {relearnSteps: 12, relearnEvery: 5}", "evaluation.relearnSteps", "multiple"),
    ])
    func otherMistakesNameTheirField(line: String, field: String, reason: String) throws {
        let text = Self.minimal.replacingOccurrences(of: "partitions: [{scheme: dirichlet, alpha: 0.5, hospitals: 4}]", with: line)
        let error = #expect(throws: ConfigError.self) { try BenchConfig.parse(text) }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func storesAndSlowHospitalsAreCheckedBeforeAnythingRuns() throws {
        let directory = TemporaryDirectory()
        try writeFile(Array("not a store".utf8), to: directory.file("file"))
        let file = #expect(throws: ConfigError.self) {
            try BenchConfig.parse(Self.minimal.replacingOccurrences(of: "{name: derm, synthetic: derm}", with: "{name: x, store: file}"), directory: directory.path)
        }
        #expect(file?.field == "datasets.0.store" && file?.reason.contains(directory.file("file")) == true, "\(String(describing: file))")
        let slow = #expect(throws: ConfigError.self) {
            try BenchConfig.parse(Self.minimal.replacingOccurrences(
                of: "  backdoor: {fraction: 0.5, value: 3}", with: "  speeds: {kind: stragglers, samplesPerSecond: 100, hospitals: [4], slowdown: 2}"))
        }
        #expect(slow?.field == "federation.speeds.hospitals", "\(String(describing: slow))")
    }

    /// A folder is claimed when empty or holding only a killed write's temporary file; anything else is
    /// refused untouched, and a second process is kept out while the first holds the lock.
    @Test func benchFoldersAreClaimedOnce() throws {
        let directory = TemporaryDirectory()
        let config = try BenchConfig.parse(Self.minimal)
        try FileManager.default.createDirectory(atPath: directory.file("killed"), withIntermediateDirectories: true)
        try writeFile(Array("partial".utf8), to: directory.file("killed/bench.json.tmp-42"))
        let lock = try Bench(config: config, folder: directory.file("killed"), cores: 1).claim()
        #expect(FileManager.default.fileExists(atPath: directory.file("killed/bench.json")))
        let busy = #expect(throws: RunError.self) { try Bench(config: config, folder: directory.file("killed"), cores: 1).claim() }
        #expect(busy?.description.contains("in use") == true, "\(String(describing: busy))")
        close(lock)
        let again = try Bench(config: config, folder: directory.file("killed"), cores: 1).claim()
        close(again)
        var other = config
        other.name = "other"
        let another = #expect(throws: RunError.self) { try Bench(config: other, folder: directory.file("killed"), cores: 1).claim() }
        #expect(another?.description.contains("holds another bench") == true)
        try FileManager.default.createDirectory(atPath: directory.file("notes"), withIntermediateDirectories: true)
        try writeFile(Array("keep".utf8), to: directory.file("notes/notes.txt"))
        let foreign = #expect(throws: RunError.self) { try Bench(config: config, folder: directory.file("notes"), cores: 1).claim() }
        #expect(foreign?.description.contains("not a bench folder") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("notes")) == ["notes.txt"], "nothing written into a foreign folder")
    }

    @Test func unlearningMistakesNameTheirField() throws {
        let target = #expect(throws: ConfigError.self) {
            try BenchConfig.parse(Self.minimal.replacingOccurrences(of: "  methods: [{name: retrain}, {name: afu-ic}]", with: "  target: 0\n  methods: [{name: retrain}]"))
        }
        #expect(target?.field == "unlearning.target")
        let method = #expect(throws: ConfigError.self) {
            try BenchConfig.parse(Self.minimal.replacingOccurrences(of: "{name: afu-ic}", with: "{name: afu-ic, calibration: sideways}"))
        }
        #expect(method?.field == "unlearning.methods.1.calibration")
        let target2 = #expect(throws: ConfigError.self) {
            try BenchConfig.parse(Self.minimal.replacingOccurrences(of: "target: 1", with: "target: 4"))
        }
        #expect(target2?.field == "target")
    }

    /// The gap's bootstrap error against independent expectations. (1) Under the null (members and
    /// non-members from one continuous distribution) the Mann–Whitney AUC has variance
    /// (n₁ + n₀ + 1)/(12 n₁ n₀); with a retrained model whose scores are all tied (AUC ½ in every
    /// resample) the gap's error is the original's alone: √(201/120000) ≈ 0.041 for 100 and 100.
    /// (2) Copying every sample three times within its own patient leaves each resample's AUCs as they
    /// were (every pair is counted 9 times), so the error is unchanged; counting the copies as separate
    /// patients shrinks it by about √3 — the error that ignoring patients makes. (3) Equal models: no gap.
    @Test func theGapsBootstrapErrorByHand() throws {
        var generator = SeededGenerator(seed: 11)
        let members = (0..<100).map { _ in generator.nextUnit() }, nonMembers = (0..<100).map { _ in generator.nextUnit() }
        let tied = (members: [Double](repeating: 0, count: 100), nonMembers: [Double](repeating: 0, count: 100))
        let singles = Array(0..<100)
        let null = UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: tied, memberUnits: singles, nonMemberUnits: singles, resamples: 2000, seed: 1)
        let expected = (201.0 / 120_000).squareRoot()
        #expect(abs(null - expected) / expected < 0.15, "\(null) against \(expected)")
        #expect(null == UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: tied, memberUnits: singles, nonMemberUnits: singles, resamples: 2000, seed: 1), "seeded")

        // A retrained model that ranks differently: the same error with copies grouped, ~1/√3 of it without.
        let retrain = (members: members.map { 1 - $0 }, nonMembers: nonMembers.map { $0 * 0.5 })
        let once = UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: retrain, memberUnits: singles, nonMemberUnits: singles, resamples: 500, seed: 2)
        func thrice(_ values: [Double]) -> [Double] { values.flatMap { [$0, $0, $0] } }
        let copies = singles.flatMap { [$0, $0, $0] }
        let grouped = UnlearningEvaluation.gapStandardError(
            original: (thrice(members), thrice(nonMembers)), retrain: (thrice(retrain.members), thrice(retrain.nonMembers)),
            memberUnits: copies, nonMemberUnits: copies, resamples: 500, seed: 2)
        #expect(abs(grouped - once) < 1e-12, "\(grouped) against \(once)")
        let ungrouped = UnlearningEvaluation.gapStandardError(
            original: (thrice(members), thrice(nonMembers)), retrain: (thrice(retrain.members), thrice(retrain.nonMembers)),
            memberUnits: Array(0..<300), nonMemberUnits: Array(0..<300), resamples: 500, seed: 2)
        #expect(ungrouped / once > 0.45 && ungrouped / once < 0.72, "\(ungrouped / once), expected about 0.58")

        #expect(UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: (members, nonMembers), memberUnits: singles, nonMemberUnits: singles, resamples: 100, seed: 3) == 0)
        #expect(UnlearningEvaluation.gapStandardError(
            original: (members, []), retrain: (members, []), memberUnits: singles, nonMemberUnits: [], resamples: 100, seed: 3) == .infinity)
        // Fewer than five patients a side: no error (a handful of patients gives every resample about the same gap).
        let four = (0..<100).map { $0 % 4 }, five = (0..<100).map { $0 % 5 }
        #expect(UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: retrain, memberUnits: singles, nonMemberUnits: four, resamples: 100, seed: 3) == .infinity)
        #expect(UnlearningEvaluation.gapStandardError(
            original: (members, nonMembers), retrain: retrain, memberUnits: singles, nonMemberUnits: five, resamples: 100, seed: 3).isFinite)
        let few = UnlearningEvaluation.verdict(originalAUC: 0.9, retrainAUC: 0.5, standardError: .infinity, memberPatients: 40, nonMemberPatients: 4, resamples: 2000)
        #expect(!few.conclusive && few.explanation.contains("too few"))
        // Written and read back as the bench does (the infinite error as "inf").
        let written = FederatedRun.json(few)
        #expect(written.contains("\"standardError\":\"inf\""))
        #expect(try FederatedRun.decoder().decode(AuditVerdict.self, from: Data(written.utf8)) == few)

        // The verdict compares the original with the first retrained model; without either there is none.
        func model(_ label: String, _ method: String) -> ModelEvaluation {
            ModelEvaluation(
                label: label, method: method, testAccuracy: 0, balancedAccuracy: 0, macroAUC: nil, retainAccuracy: 0, forgetAccuracy: 0, forgetLoss: 0,
                backdoorSuccess: nil, attacks: [AttackFigures(attack: "loss", auc: 0.5)], relearnSteps: nil, relearnCurve: [])
        }
        let pair = UnlearningEvaluation.auditPair([model("original", "original"), model("afu-ic", "afu-ic"), model("retrain-sync", "retrain"), model("retrain-async", "retrain")])
        #expect(pair?.original.label == "original" && pair?.retrain.label == "retrain-sync")
        #expect(UnlearningEvaluation.auditPair([model("original", "original"), model("afu-ic", "afu-ic")]) == nil, "no retrain, no verdict")

        let clear = UnlearningEvaluation.verdict(originalAUC: 0.8, retrainAUC: 0.5, standardError: 0.1, memberPatients: 40, nonMemberPatients: 9, resamples: 2000)
        #expect(clear.conclusive && abs(clear.gap - 0.3) < 1e-12 && clear.explanation.contains("40 member and 9 non-member patients"))
        let close = UnlearningEvaluation.verdict(originalAUC: 0.69, retrainAUC: 0.5, standardError: 0.1, memberPatients: 40, nonMemberPatients: 9, resamples: 2000)
        #expect(!close.conclusive && close.explanation.hasPrefix("inconclusive"))
    }

    /// Pooling by hand, with weights 12mn/(m + n + 1) from the patient counts: 14 and 6 patients give
    /// 12 · 84/21 = 48, 5 and 4 give 12 · 20/10 = 24. Gaps 0.3 (SE 0.1) and 0 (SE 0.2): pooled gap
    /// (48 · 0.3)/72 = 0.2, SE √(48² · 0.01 + 24² · 0.04)/72 = √46.08/72 ≈ 0.0943, and 0.2 > 0.1886: conclusive.
    /// Three equal seeds with gap 0.12 and SE 0.07, each inconclusive alone (0.12 ≤ 0.14): pooled gap 0.12,
    /// SE 0.07/√3 ≈ 0.0404, conclusive (0.12 > 0.0808).
    @Test func verdictsPoolOverSeedsWithFixedWeights() throws {
        func verdict(_ gap: Double, _ se: Double, _ m: Int = 14, _ n: Int = 6, attack: String = "loss") -> AuditVerdict {
            AuditVerdict(
                attack: attack, originalAUC: 0.5 + gap, retrainAUC: 0.5, gap: gap, standardError: se, conclusive: gap > 2 * se, explanation: "",
                memberPatients: m, nonMemberPatients: n, resamples: 100)
        }
        let mixed = try #require(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.3, 0.1), verdict(0, 0.2, 5, 4)]))
        #expect(abs(mixed.gap - 0.2) < 1e-12 && abs(mixed.standardError - 46.08.squareRoot() / 72) < 1e-12)
        #expect(mixed.conclusive && mixed.seeds == 2 && mixed.conclusiveSeeds == 1 && mixed.leftOut == 0)
        let together = try #require(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.12, 0.07), verdict(0.12, 0.07), verdict(0.12, 0.07)]))
        #expect(abs(together.gap - 0.12) < 1e-12 && abs(together.standardError - 0.07 / 3.0.squareRoot()) < 1e-12)
        #expect(together.conclusive && together.conclusiveSeeds == 0 && together.explanation.contains("0 of 3 seeds conclusive alone"))
        let weak = try #require(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.05, 0.07), verdict(0.02, 0.07)]))
        #expect(!weak.conclusive && weak.explanation.hasPrefix("inconclusive"))
        // A seed with too few patients (no finite error) or a NaN gap is left out and counted; other attacks
        // or nothing usable give no pooled verdict.
        let partial = try #require(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.3, 0.1), verdict(0.2, .infinity), verdict(.nan, 0.1)]))
        #expect(partial.seeds == 1 && partial.leftOut == 2 && abs(partial.gap - 0.3) < 1e-12 && partial.conclusive)
        #expect(partial.explanation.contains("2 left out"))
        #expect(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.3, 0.1), verdict(0.3, 0.1, attack: "entropy")]) == nil)
        #expect(PooledAuditVerdict(dataset: "d", partition: "p", verdicts: [verdict(0.3, .infinity)]) == nil)
    }

    @Test func seedStatisticsByHand() {
        let statistic = SeedStatistic([1, 2, nil, 3, 4, .nan])
        #expect(statistic?.count == 4 && statistic?.mean == 2.5)
        #expect(abs((statistic?.std ?? 0) - (5.0 / 3).squareRoot()) < 1e-12)
        #expect(SeedStatistic([7])?.std == nil && SeedStatistic([7])?.mean == 7)
        #expect(SeedStatistic([nil, nil]) == nil)
    }

    /// The estimate by hand: after data, federate (10 s) and unlearn (20 s), what remains is an evaluate
    /// (not seen yet: the mean of all, 15 s), two reused phases (nothing), a federate and an unlearn.
    @Test func theEstimateCountsEachRemainingPhaseAtItsKindsMean() {
        var clock = PhaseClock(plan: ["data", "federate", "unlearn", "evaluate", "reused", "reused", "federate", "unlearn"])
        #expect(clock.etaText == nil, "nothing measured yet")
        clock.durations = ["federate": [10], "unlearn": [20]]
        clock.done = 3
        #expect(clock.etaText == "45s")
        clock.done = 7
        #expect(clock.etaText == "20s")
    }

    @Test func durationsRead() {
        #expect(PhaseClock.duration(42) == "42s" && PhaseClock.duration(125) == "2m05s" && PhaseClock.duration(3 * 3600 + 7 * 60) == "3h07m")
    }
}
