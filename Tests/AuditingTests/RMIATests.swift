#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

import Auditing
import Seeding

/// RMIA's Pr(x), ratios and pairwise scores against hand computations and a NumPy reimplementation, its
/// orientation (a higher target probability never lowers the score), ties at γ, zero probabilities, and
/// the calibration of the offline a.
@Suite struct RMIATests {
    // MARK: Pr(x)

    /// Offline Pr(x) = ½((1 + a)·mean OUT + (1 − a)). OUT [0.2, 0.6]: mean 0.4;
    /// a = 0.3 → ½(1.3·0.4 + 0.7) = ½(0.52 + 0.7) = 0.61; a = 1 → the mean 0.4; a = 0 → ½(0.4 + 1) = 0.7.
    @Test func offlineMarginalIsTheLinearApproximation() {
        #expect(isClose(RMIA.offlineMarginal(out: [0.2, 0.6], a: 0.3), 0.61))
        #expect(isClose(RMIA.offlineMarginal(out: [0.2, 0.6], a: 1), 0.4))
        #expect(isClose(RMIA.offlineMarginal(out: [0.2, 0.6], a: 0), 0.7))
        #expect(RMIA.defaultOfflineA == 0.3 && RMIA.Options().offlineA == 0.3 && RMIA.Options().gamma == 1)
        // It is the online mean over one OUT and one IN model when Pr_IN is exactly a·Pr_OUT + (1 − a):
        // OUT 0.4, IN 0.3·0.4 + 0.7 = 0.82, mean ½(0.4 + 0.82) = 0.61.
        #expect(isClose(RMIA.onlineMarginal([0.4, 0.3 * 0.4 + 0.7]), RMIA.offlineMarginal(out: [0.4], a: 0.3)))
        #expect(isClose(RMIA.onlineMarginal([0.9, 0.3]), 0.6))
    }

    // MARK: Scores by hand

    /// Offline, a = ½, one OUT reference per sample, so Pr(·) = ½(1.5·q + 0.5):
    ///
    ///     x₁: p 0.8, q 0.4 → Pr ½(0.6 + 0.5) = 0.55,  r = 0.8/0.55 = 16/11 ≈ 1.455
    ///     x₂: p 0.2, q 0.2 → Pr ½(0.3 + 0.5) = 0.4,   r = 0.2/0.4  = 0.5
    ///     z₁: p 0.5, q 0.5 → Pr ½(0.75 + 0.5) = 0.625, r = 0.8
    ///     z₂: p 0.1, q 0.6 → Pr ½(0.9 + 0.5) = 0.7,    r = 1/7 ≈ 0.143
    ///     z₃: p 0.9, q 0.3 → Pr ½(0.45 + 0.5) = 0.475, r = 36/19 ≈ 1.895
    ///
    /// γ = 1: x₁ beats z₁ (LR 1.82) and z₂ (10.2), not z₃ (0.77) → 2/3; x₂ beats only z₂ (3.5) → 1/3.
    /// γ = ½: x₁ beats all three → 1; x₂ beats z₁ (0.625) and z₂, not z₃ (0.26) → 2/3.
    @Test func offlineScoresByHand() {
        let (target, out) = ([0.8, 0.2], [[0.4], [0.2]])
        let (zTarget, zOut) = ([0.5, 0.1, 0.9], [[0.5], [0.6], [0.3]])
        #expect(isClose(RMIA.probabilityRatio(0.8, marginal: RMIA.offlineMarginal(out: [0.4], a: 0.5)), 16.0 / 11))
        #expect(isClose(RMIA.probabilityRatio(0.9, marginal: RMIA.offlineMarginal(out: [0.3], a: 0.5)), 36.0 / 19))
        let scores = RMIA.offlineScores(target: target, outReferences: out, populationTarget: zTarget, populationOutReferences: zOut,
                                        options: RMIA.Options(offlineA: 0.5))
        #expect(scores == [2.0 / 3, 1.0 / 3])
        let lenient = RMIA.offlineScores(target: target, outReferences: out, populationTarget: zTarget, populationOutReferences: zOut,
                                         options: RMIA.Options(offlineA: 0.5, gamma: 0.5))
        #expect(lenient == [1, 2.0 / 3])
    }

    /// Online: x p 0.6 with references IN 0.9 and OUT 0.3 → Pr 0.6, r = 1. z₁: p 0.2, references 0.4 and 0.2 →
    /// Pr 0.3, r = ⅔; z₂: p 0.9, references 0.5 and 0.7 → Pr 0.6, r = 1.5. x beats z₁ (LR 1.5), not z₂ (⅔) → ½.
    @Test func onlineScoresByHand() {
        let scores = RMIA.onlineScores(target: [0.6], references: [[0.9, 0.3]], populationTarget: [0.2, 0.9],
                                       populationReferences: [[0.4, 0.2], [0.5, 0.7]])
        #expect(scores == [0.5])
    }

    /// Five x and six z, two references each, against `scripts/rmia-reference.py` (NumPy, all pairs, written
    /// from the paper's formulas): the number of z each x beats, for online and offline a ∈ {0, 0.3, 1}
    /// and γ ∈ {½, 1, 2}. x₄ and z₅ have p = 0 (floored); one reference of x₄ is 0 too.
    @Test(arguments: [
        (nil, 0.5, [6, 6, 6, 1, 6]), (nil, 1, [6, 2, 3, 1, 5]), (nil, 2, [5, 1, 1, 0, 1]),
        (0, 0.5, [6, 2, 6, 1, 6]), (0, 1, [6, 1, 4, 1, 3]), (0, 2, [4, 1, 2, 0, 2]),
        (0.3, 0.5, [6, 2, 6, 1, 6]), (0.3, 1, [6, 1, 4, 1, 3]), (0.3, 2, [4, 1, 2, 0, 2]),
        (1, 0.5, [6, 6, 6, 1, 6]), (1, 1, [6, 2, 3, 1, 5]), (1, 2, [5, 1, 1, 0, 1]),
    ] as [(Double?, Double, [Int])])
    func scoresMatchTheNumPyReimplementation(a: Double?, gamma: Double, counts: [Int]) {
        let target = [0.9, 0.05, 0.6, 0.0, 0.33]
        let references = [[0.3, 0.5], [0.1, 0.02], [0.6, 0.7], [0.2, 0.0], [0.33, 0.25]]
        let zTarget = [0.4, 0.8, 0.1, 0.25, 0.0, 0.7]
        let zReferences = [[0.5, 0.3], [0.6, 0.9], [0.2, 0.1], [0.25, 0.3], [0.1, 0.2], [0.4, 0.6]]
        let scores = if let a {
            RMIA.offlineScores(target: target, outReferences: references, populationTarget: zTarget,
                               populationOutReferences: zReferences, options: RMIA.Options(offlineA: a, gamma: gamma))
        } else {
            RMIA.onlineScores(target: target, references: references, populationTarget: zTarget, populationReferences: zReferences,
                              options: RMIA.Options(gamma: gamma))
        }
        #expect(scores == counts.map { Double($0) / 6 })
    }

    // MARK: Ties and γ

    /// Exact binary fractions, online. x: p ½, references ¼ and ¾ → Pr ½, r = 1; z: p ¼, references ¼ and ¼
    /// → r = 1; LR = 1 exactly, which counts at γ = 1 and not just above. x′: p ½, references ⅛ and ⅜ →
    /// Pr ¼, r = 2; LR(x′, z) = 2, which counts at γ = 2 and not just above.
    @Test func tiesAtGammaCount() {
        func score(_ p: Double, _ references: [Double], gamma: Double) -> Double {
            RMIA.onlineScores(target: [p], references: [references], populationTarget: [0.25], populationReferences: [[0.25, 0.25]],
                              options: RMIA.Options(gamma: gamma))[0]
        }
        #expect(score(0.5, [0.25, 0.75], gamma: 1) == 1)
        #expect(score(0.5, [0.25, 0.75], gamma: 1.0.nextUp) == 0)
        #expect(score(0.5, [0.125, 0.375], gamma: 2) == 1)
        #expect(score(0.5, [0.125, 0.375], gamma: 2.0.nextUp) == 0)
        // A sample compared with itself (x ∈ Z) ties at LR = 1 and counts.
        #expect(RMIA.score(ratio: 0.7, populationRatios: [0.7]) == 1)
        #expect(RMIA.scores(ratios: [0.7], populationRatios: [0.7]) == [1])
    }

    /// The sorted, bisecting `scores` equals the definition `score` one z at a time, on random ratios with
    /// many exact ties (multiples of ⅛) and on continuous ones, for several γ.
    @Test(arguments: [0.5, 1, 1.5, 2])
    func bisectionMatchesTheDefinition(gamma: Double) {
        var generator = SeededGenerator(seed: 41)
        for discrete in [true, false] {
            let draw = { (g: inout SeededGenerator) -> Double in
                discrete ? Double(1 + g.next() % 16) / 8 : 0.01 + 3 * g.nextUnit()
            }
            let population = (0..<57).map { _ in draw(&generator) }
            let ratios = (0..<200).map { _ in draw(&generator) }
            let fast = RMIA.scores(ratios: ratios, populationRatios: population, gamma: gamma)
            #expect(fast == ratios.map { RMIA.score(ratio: $0, populationRatios: population, gamma: gamma) })
        }
    }

    // MARK: Orientation

    /// Raising the target's p_y(x) never lowers Score(x), and raising the references' p_y(x) (a larger Pr(x))
    /// never raises it, online and offline for several a, against random populations.
    @Test(arguments: [nil, 0, 0.3, 0.6, 1] as [Double?])
    func higherTargetProbabilityNeverLowersTheScore(a: Double?) {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let zTarget = (0..<40).map { _ in generator.nextUnit() }
            let zReferences = (0..<40).map { _ in [generator.nextUnit(), generator.nextUnit()] }
            let references = [generator.nextUnit(), generator.nextUnit()]
            let grid = (0...100).map { Double($0) / 100 }
            func scores(target: [Double], references: [[Double]]) -> [Double] {
                if let a {
                    RMIA.offlineScores(target: target, outReferences: references, populationTarget: zTarget,
                                       populationOutReferences: zReferences, options: RMIA.Options(offlineA: a))
                } else {
                    RMIA.onlineScores(target: target, references: references, populationTarget: zTarget, populationReferences: zReferences)
                }
            }
            let rising = scores(target: grid, references: grid.map { _ in references })
            #expect(zip(rising, rising.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(rising.first! < rising.last!)
            let fixed = generator.nextUnit()
            let falling = scores(target: grid.map { _ in fixed }, references: grid.map { [references[0], $0] })
            #expect(zip(falling, falling.dropFirst()).allSatisfy { $0 >= $1 })
        }
    }

    // MARK: Degenerate probabilities

    /// Zero probabilities everywhere (with a = 1 even Pr(x) would be 0) and NaN ones give finite scores in [0, 1]:
    /// every probability is floored at 10⁻³⁰. All-zero x and z have r = 10⁻³⁰/10⁻³⁰ = 1 and tie (score 1).
    @Test func zeroAndNaNProbabilitiesGiveNoNaN() {
        #expect(RMIA.probabilityRatio(0, marginal: 0) == 1)
        #expect(isClose(RMIA.probabilityRatio(1, marginal: 0) / 1e30, 1, within: 1e-15))
        #expect(RMIA.probabilityRatio(0, marginal: 1) == 1e-30)
        #expect(RMIA.probabilityRatio(.nan, marginal: 0.5) == 2e-30)
        #expect(RMIA.offlineMarginal(out: [0, 0], a: 1) == 1e-30)
        let cases: [[Double]] = [
            RMIA.offlineScores(target: [0, 1, 0.5], outReferences: [[0], [0], [0, 0]], populationTarget: [0, 0],
                               populationOutReferences: [[0], [0, 0]], options: RMIA.Options(offlineA: 1)),
            RMIA.onlineScores(target: [0, 1, .nan], references: [[0, 0], [0, 1], [.nan, 0.5]], populationTarget: [0, .nan, 1],
                              populationReferences: [[0], [.nan], [0]]),
            RMIA.offlineScores(target: [0], outReferences: [[0]], populationTarget: [0], populationOutReferences: [[0]]),
        ]
        for scores in cases { #expect(scores.allSatisfy { $0.isFinite && (0...1).contains($0) }) }
        #expect(cases[0] == [1, 1, 1])
        #expect(RMIA.offlineScores(target: [0], outReferences: [[0]], populationTarget: [0], populationOutReferences: [[0]]) == [1])
    }

    // MARK: p_y

    /// p_y = σ(φ) equals the softmax of z = [2, ½, −1] in Double for every label; extreme logits stay in [0, 1].
    @Test func trueLabelProbabilityFromLogits() {
        let z: [Float] = [2, 0.5, -1]
        let exps = z.map { exp(Double($0)) }
        for label in 0..<3 {
            #expect(isClose(RMIA.trueLabelProbability(logits: z, label: label), exps[label] / exps.reduce(0, +), within: 1e-15))
        }
        #expect(RMIA.trueLabelProbability(logits: [-1000, 1000, 999] as [Float], label: 0) == 0)
        #expect(RMIA.trueLabelProbability(logits: [1000, -1000, 0] as [Float], label: 0) == 1)
        #expect(RMIA.trueLabelProbability(probabilities: [0.25, 0.75] as [Float], label: 1) == 0.75)
    }

    // MARK: Calibrating a

    /// Two splits of one member and one non-member each; every z has its OUT reference at 1, so
    /// Pr(z) = ½((1 + a) + (1 − a)) = 1 and r_z = p_z ∈ {1/200, …, 1} whatever a; γ = 2 makes the z
    /// thresholds 2·p_z cover (0, 2] in steps of 0.01, fine enough to separate the x below.
    /// With D(q) = ½((1 + a)q + 1 − a):
    /// - split A: member p 0.9, q 0.9; non-member p 0.3, q 0.1. r_m > r_n ⇔ 0.9·D(0.1) > 0.3·D(0.9) ⇔
    ///   0.99 − 0.81a > 0.57 − 0.03a ⇔ a < 0.42/0.78 ≈ 0.538: AUC 1 for a ≤ 0.5, 0 above.
    /// - split B: member p 0.5, q 0.1; non-member p 0.9, q 0.5. r_m > r_n ⇔ 0.5·D(0.5) > 0.9·D(0.1) ⇔
    ///   0.75 − 0.25a > 0.99 − 0.81a ⇔ a > 0.24/0.56 ≈ 0.429: AUC 1 for a ≥ 0.5, 0 below.
    /// Mean AUC 1 only at a = 0.5 of the grid, ½ elsewhere. Split A alone: AUC 1 for every a ≤ 0.5, and the
    /// tie goes to the a closest to the default 0.3.
    @Test func calibrationPicksTheSeparatingA() throws {
        let zTarget = (1...200).map { Double($0) / 200 }
        let zOut = zTarget.map { _ in [1.0] }
        func split(_ member: (Double, Double), _ nonMember: (Double, Double)) -> RMIA.CalibrationSplit {
            RMIA.CalibrationSplit(target: [member.0, nonMember.0], isMember: [true, false], outReferences: [[member.1], [nonMember.1]],
                                  populationTarget: zTarget, populationOutReferences: zOut)
        }
        let a = split((0.9, 0.9), (0.3, 0.1)), b = split((0.5, 0.1), (0.9, 0.5))
        let both = try #require(RMIA.calibrateOfflineA([a, b], gamma: 2))
        #expect(both.a == 0.5 && both.auc == 1)
        let first = try #require(RMIA.calibrateOfflineA([a], gamma: 2))
        #expect(first.a == 0.3 && first.auc == 1)
        #expect(RMIA.calibrateOfflineA([b], gamma: 2)?.a == 0.5)
        // Without non-members there is nothing to separate.
        let onlyMembers = RMIA.CalibrationSplit(target: [0.9], isMember: [true], outReferences: [[0.5]], populationTarget: [0.5],
                                                populationOutReferences: [[0.5]])
        #expect(RMIA.calibrateOfflineA([onlyMembers]) == nil)
    }
}
