import Seeding
import Testing

import Auditing

/// The ROC curve and its figures against curves, areas and rates computed by hand, a brute-force pair
/// count and one value cross-checked with NumPy.
@Suite struct ROCTests {
    /// Members score 0.9 and 0.8, non-members 0.8 and 0.1 (scores [0.9, 0.8, 0.8, 0.1], labels
    /// [1, 0, 1, 0]). Pairs (member, non-member): (0.9, 0.8) → 1, (0.9, 0.1) → 1, (0.8, 0.8) → ½ (tie),
    /// (0.8, 0.1) → 1, so AUC = 3.5/4 = 0.875. Curve: above all → (0, 0); t = 0.9 → (0, ½); t = 0.8 lets
    /// the tied member and non-member in together → (½, 1); t = 0.1 → (1, 1). Trapezoids: ½·(½ + 1)/2 +
    /// ½·1 = 0.375 + 0.5 = 0.875, the same.
    @Test func tiedScoresByHand() throws {
        let roc = try #require(ROC(scores: [0.9, 0.8, 0.8, 0.1], isMember: [true, false, true, false]))
        #expect(roc.members == 2 && roc.nonMembers == 2)
        #expect(roc.points.map(\.falsePositiveRate) == [0, 0, 0.5, 1])
        #expect(roc.points.map(\.truePositiveRate) == [0, 0.5, 1, 1])
        #expect(roc.points.map(\.threshold) == [Double(0.9).nextUp, 0.9, 0.8, 0.1])
        #expect(roc.auc == 0.875)
        // TPR − FPR: 0, ½, ½, 0. The tie between t = 0.9 and t = 0.8 goes to the higher threshold.
        #expect(roc.advantage == 0.5)
        #expect(roc.bestThreshold.threshold == 0.9)
        #expect(roc.balancedAccuracy == 0.75)
        // TPR at FPR ¼: conservatively the last point with FPR ≤ ¼, (0, ½); linearly halfway along the
        // diagonal step from (0, ½) to (½, 1), ½ + (¼/½)·½ = ¾.
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.25) == 0.5)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.25, interpolation: .linear) == 0.75)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0) == 0.5)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0, interpolation: .linear) == 0.5)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.5) == 1)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 1, interpolation: .linear) == 1)
    }

    /// Members [0.95, 0.9, 0.7, 0.6, 0.3], non-members [0.8, 0.5, 0.4, 0.2, 0.1], no ties. Non-members
    /// below each member: 5, 5, 4, 4, 2 → AUC = 20/25 = 0.8. Curve (FPR, TPR) from the top: (0, .2),
    /// (0, .4), (.2, .4), (.2, .6), (.2, .8), (.4, .8), (.6, .8), (.6, 1), (.8, 1), (1, 1). TPR − FPR peaks
    /// at t = 0.6 with .8 − .2 = .6, so balanced accuracy = (.8 + .8)/2 = 0.8.
    @Test func advantageAndTPRAtFPRByHand() throws {
        let roc = try #require(
            ROC(memberScores: [0.95, 0.9, 0.7, 0.6, 0.3], nonMemberScores: [0.8, 0.5, 0.4, 0.2, 0.1]))
        #expect(isClose(roc.auc, 0.8))
        #expect(isClose(roc.advantage, 0.6))
        #expect(roc.bestThreshold.threshold == 0.6)
        #expect(roc.bestThreshold.truePositives == 4 && roc.bestThreshold.falsePositives == 1)
        #expect(isClose(roc.balancedAccuracy, 0.8))
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.1) == 0.4)
        // FPR ≤ target includes a point exactly at the target: (.2, .8). (A strict "<" would give .4.)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.2) == 0.8)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.5) == 0.8)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.5, interpolation: .linear) == 0.8)  // flat stretch
        // At FPR .7 the last point at or below is (.6, 1): 1 either way.
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.7, interpolation: .linear) == 1)
    }

    @Test func perfectAndInvertedSeparation() throws {
        let perfect = try #require(ROC(memberScores: [3, 2], nonMemberScores: [1, 0]))
        #expect(perfect.auc == 1)
        #expect(perfect.advantage == 1)
        #expect(perfect.balancedAccuracy == 1)
        #expect(perfect.bestThreshold.threshold == 2)
        #expect(perfect.truePositiveRate(atFalsePositiveRate: 0) == 1)

        let inverted = try #require(ROC(memberScores: [1, 0], nonMemberScores: [3, 2]))
        #expect(inverted.auc == 0)
        // No threshold beats calling no one a member: the best point is (0, 0), above every score.
        #expect(inverted.advantage == 0)
        #expect(inverted.balancedAccuracy == 0.5)
        #expect(inverted.bestThreshold.truePositives == 0 && inverted.bestThreshold.falsePositives == 0)
        #expect(inverted.bestThreshold.threshold > 3)
        // Curve (0, 0), (½, 0), (1, 0), (1, ½), (1, 1): no TPR until every non-member is in.
        #expect(inverted.truePositiveRate(atFalsePositiveRate: 0.75, interpolation: .linear) == 0)
        #expect(inverted.truePositiveRate(atFalsePositiveRate: 1) == 1)
    }

    @Test func allEqualScoresGiveTheDiagonal() throws {
        let roc = try #require(ROC(memberScores: [0.3, 0.3, 0.3], nonMemberScores: [0.3, 0.3]))
        #expect(roc.auc == 0.5)
        #expect(roc.points.count == 2)
        #expect(roc.advantage == 0)
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.01) == 0)
        #expect(isClose(roc.truePositiveRate(atFalsePositiveRate: 0.01, interpolation: .linear), 0.01))
    }

    @Test func degenerateInputsHaveNoCurve() {
        #expect(ROC(memberScores: [], nonMemberScores: [0.1, 0.2]) == nil)
        #expect(ROC(memberScores: [0.1], nonMemberScores: []) == nil)
        #expect(ROC(scores: [0.5, 0.4], isMember: [true, true]) == nil)
        #expect(ROC(scores: [], isMember: []) == nil)
    }

    /// Twenty scores with ties across the classes. NumPy 2.4 (run once, not part of the suite) gave
    /// 0.705 four ways: the pairwise mean of [m > n] + ½[m = n], SciPy's Mann–Whitney U / (10·10) = 70.5/100,
    /// the rank-sum formula on `rankdata`, and `np.trapezoid` over the curve at every distinct threshold,
    /// whose (FPR, TPR) points it listed: (0, .1), (.1, .3), (.1, .4), (.2, .4), (.4, .7), (.4, .8), (.5, .8),
    /// (.7, .9), (.8, .9), (.9, 1), (1, 1).
    @Test func aucMatchesNumPyOnTiedScores() throws {
        let members = [0.91, 0.82, 0.82, 0.77, 0.64, 0.64, 0.64, 0.51, 0.33, 0.12]
        let nonMembers = [0.82, 0.70, 0.64, 0.64, 0.45, 0.33, 0.33, 0.21, 0.12, 0.05]
        let roc = try #require(ROC(memberScores: members, nonMemberScores: nonMembers))
        #expect(isClose(roc.auc, 0.705))
        let expected: [(Double, Double)] = [
            (0, 0), (0, 0.1), (0.1, 0.3), (0.1, 0.4), (0.2, 0.4), (0.4, 0.7), (0.4, 0.8), (0.5, 0.8), (0.7, 0.9),
            (0.8, 0.9), (0.9, 1), (1, 1),
        ]
        #expect(isClose(roc.points.map(\.falsePositiveRate), expected.map(\.0)))
        #expect(isClose(roc.points.map(\.truePositiveRate), expected.map(\.1)))
        #expect(roc.truePositiveRate(atFalsePositiveRate: 0.1) == 0.4)
        // Linear at FPR .3: halfway from (.2, .4) to (.4, .7) → .55.
        #expect(isClose(roc.truePositiveRate(atFalsePositiveRate: 0.3, interpolation: .linear), 0.55))
    }

    /// On seeded random scores from five values (many ties), the area equals a brute-force count over all
    /// member/non-member pairs, the rates never decrease, and the linear reading is never below the
    /// conservative one.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aucIsTheMannWhitneyPairCount(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let members = (0..<37).map { _ in Double(Int(generator.nextUnit() * 5)) }
        let nonMembers = (0..<23).map { _ in Double(Int(generator.nextUnit() * 5) - 1) }
        var pairs = 0.0
        for m in members {
            for n in nonMembers { pairs += m > n ? 1 : (m == n ? 0.5 : 0) }
        }
        let roc = try #require(ROC(memberScores: members, nonMemberScores: nonMembers))
        #expect(isClose(roc.auc, pairs / Double(members.count * nonMembers.count)))
        for (a, b) in zip(roc.points, roc.points.dropFirst()) {
            #expect(a.threshold > b.threshold)
            #expect(a.truePositiveRate <= b.truePositiveRate && a.falsePositiveRate <= b.falsePositiveRate)
        }
        for target in [0, 0.001, 0.01, 0.1, 0.37, 1] {
            let conservative = roc.truePositiveRate(atFalsePositiveRate: target)
            #expect(roc.truePositiveRate(atFalsePositiveRate: target, interpolation: .linear) >= conservative)
        }
    }
}
