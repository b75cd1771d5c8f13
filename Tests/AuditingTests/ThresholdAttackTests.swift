#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

import Auditing

/// The threshold attacks' score functions against values worked out by hand.
@Suite struct ThresholdAttackTests {
    /// p = [½, ¼, ¼] (exact in Float32).
    /// - H = −(½ ln ½ + 2·¼ ln ¼) = ½ ln 2 + ln 2 = 1.5 ln 2.
    /// - Mentr(p, 0) = −(1 − ½) ln ½ − 2·¼ ln(1 − ¼) = ½ ln 2 + ½ ln(4/3) = ½ ln(8/3).
    /// - Mentr(p, 1) = −(1 − ¼) ln ¼ − (½ ln(1 − ½) + ¼ ln(1 − ¼)) = 1.5 ln 2 + ½ ln 2 + ¼ ln(4/3)
    ///   = 2 ln 2 + ¼ ln(4/3).
    /// - loss(p, 1) = −ln ¼ = 2 ln 2; confidence(p, 1) = ¼.
    @Test func threeClassRowByHand() {
        let row: [Float] = [0.5, 0.25, 0.25]
        #expect(isClose(ThresholdAttack.entropy(row), 1.5 * log(2.0)))
        #expect(isClose(ThresholdAttack.modifiedEntropy(row, label: 0), 0.5 * log(8.0 / 3)))
        #expect(isClose(ThresholdAttack.modifiedEntropy(row, label: 1), 2 * log(2.0) + 0.25 * log(4.0 / 3)))
        #expect(isClose(ThresholdAttack.crossEntropy(row, label: 1), 2 * log(2.0)))
        // Scores: higher = member, so the negatives of loss, entropy and modified entropy.
        #expect(isClose(ThresholdAttack.loss.score(probabilities: row, label: 1), -2 * log(2.0)))
        #expect(ThresholdAttack.confidence.score(probabilities: row, label: 1) == 0.25)
        #expect(isClose(ThresholdAttack.entropy.score(probabilities: row, label: 2), -1.5 * log(2.0)))
        #expect(isClose(ThresholdAttack.modifiedEntropy.score(probabilities: row, label: 0), -0.5 * log(8.0 / 3)))
    }

    /// p = [1, 0, 0]: H = 0 and Mentr(p, 0) = 0 exactly (a zero p_c adds nothing, log 1 = 0). With label 1
    /// every log hits the clamp 1e-12: −(1 − 0)·ln(1e-12) − 1·ln(1 − 1 → 1e-12) = 2·27.631…, finite.
    @Test func exactZerosAndOnesStayFinite() {
        let row: [Float] = [1, 0, 0]
        #expect(ThresholdAttack.entropy(row) == 0)
        #expect(ThresholdAttack.modifiedEntropy(row, label: 0) == 0)
        #expect(isClose(ThresholdAttack.modifiedEntropy(row, label: 1), -2 * log(1e-12)))
        #expect(isClose(ThresholdAttack.crossEntropy(row, label: 2), -log(1e-12)))
        for attack in ThresholdAttack.allCases {
            for label in 0..<3 { #expect(attack.score(probabilities: row, label: label).isFinite) }
        }
    }

    /// A confident wrong prediction looks as certain as a confident right one to H, not to Mentr.
    @Test func modifiedEntropySeesTheLabel() {
        let row: [Float] = [0.9, 0.05, 0.05]
        let right = ThresholdAttack.modifiedEntropy.score(probabilities: row, label: 0)
        let wrong = ThresholdAttack.modifiedEntropy.score(probabilities: row, label: 1)
        #expect(right > wrong + 2)
        #expect(ThresholdAttack.entropy.score(probabilities: row, label: 0)
                == ThresholdAttack.entropy.score(probabilities: row, label: 1))
    }

    /// Row-major batches score each row as the one-row function does; logits go through a softmax
    /// (computed here naively on moderate logits).
    @Test(arguments: ThresholdAttack.allCases)
    func batchesMatchRowsAndLogitsMatchProbabilities(attack: ThresholdAttack) {
        let logits: [Float] = [2, 0.5, -1, 0, 0, 0, -3, 4, 1]
        let labels = [0, 2, 1]
        let probabilities = stride(from: 0, to: 9, by: 3).flatMap { start -> [Float] in
            let exps = logits[start..<start + 3].map { exp(Double($0)) }
            return exps.map { Float($0 / exps.reduce(0, +)) }
        }
        let batch = attack.scores(probabilities: probabilities, labels: labels, classes: 3)
        let rows = labels.indices.map {
            attack.score(probabilities: probabilities[3 * $0..<3 * $0 + 3], label: labels[$0])
        }
        #expect(batch == rows)
        #expect(isClose(attack.scores(logits: logits, labels: labels, classes: 3), batch, within: 1e-6))
    }
}

/// Class-dependent thresholds on a crafted calibration set, their fallbacks and the decisions they give.
@Suite struct ClassThresholdsTests {
    /// Four classes. Members: class 0 {0.9, 0.8}, class 1 {0.6, 0.5}, class 2 {0.7}; non-members: class 0
    /// {0.85, 0.3}, class 1 {0.4, 0.2}; class 3 absent.
    /// - Class 0, thresholds from the top: 0.9 → TPR ½, FPR 0 (TPR − FPR = ½); 0.85 → ½, ½ (0); 0.8 → 1, ½
    ///   (½); 0.3 → 1, 1 (0). 0.9 and 0.8 tie; the higher wins: τ₀ = 0.9.
    /// - Class 1: 0.5 gives TPR 1, FPR 0: τ₁ = 0.5.
    /// - Class 2 has no non-members, class 3 nothing: both use the global threshold.
    /// - Global (5 members, 4 non-members): 0.9 → .2 − 0; 0.85 → .2 − .25; 0.8 → .4 − .25; 0.7 → .6 − .25;
    ///   0.6 → .8 − .25; 0.5 → 1 − .25 = .75 (best); 0.4 → 1 − .5; … so τ = 0.5, balanced accuracy .875.
    let calibration = ClassThresholds(
        memberScores: [0.9, 0.8, 0.6, 0.5, 0.7], memberLabels: [0, 0, 1, 1, 2],
        nonMemberScores: [0.85, 0.3, 0.4, 0.2], nonMemberLabels: [0, 0, 1, 1], classes: 4)

    @Test func craftedCalibrationByHand() throws {
        let thresholds = try #require(calibration)
        #expect(thresholds.perClass == [0.9, 0.5, nil, nil])
        #expect(thresholds.global == 0.5)
        #expect(thresholds.threshold(forClass: 2) == 0.5)
        #expect(thresholds.threshold(forClass: 7) == 0.5)  // a label never seen in calibration
    }

    /// Forget-set decisions: 0.85 in class 0 is below τ₀ = 0.9 → non-member; 0.95 → member; 0.5 in class 1
    /// reaches τ₁ = 0.5 → member (≥); 0.45 → non-member; 0.55 in class 2 and 0.49 in class 3 meet the global
    /// 0.5 → member, non-member. Three of six judged non-member: MIA-efficacy ½.
    @Test func decisionsAndEfficacyOnAForgetSet() throws {
        let thresholds = try #require(calibration)
        let scores = [0.85, 0.95, 0.5, 0.45, 0.55, 0.49], labels = [0, 0, 1, 1, 2, 3]
        #expect(thresholds.isMember(scores: scores, labels: labels) == [false, true, true, false, true, false])
        #expect(thresholds.membershipEfficacy(scores: scores, labels: labels) == 0.5)
        #expect(thresholds.membershipEfficacy(scores: [], labels: []) == nil)
    }

    /// Without class dependence every class uses the global 0.5: 0.85 in class 0 is now a member.
    @Test func singleGlobalThreshold() throws {
        let global = try #require(ClassThresholds(
            memberScores: [0.9, 0.8, 0.6, 0.5, 0.7], memberLabels: [0, 0, 1, 1, 2],
            nonMemberScores: [0.85, 0.3, 0.4, 0.2], nonMemberLabels: [0, 0, 1, 1], classes: 4,
            classDependent: false))
        #expect(global.perClass == [nil, nil, nil, nil])
        #expect(global.isMember(scores: [0.85, 0.45], labels: [0, 1]) == [true, false])
    }

    /// A class where members score below non-members gets a threshold above all its scores (no threshold
    /// beats chance, and the tie between "no one" and "everyone" goes to the higher threshold). With no
    /// non-members at all there is nothing to calibrate.
    @Test func invertedClassAndMissingCalibration() throws {
        let inverted = try #require(ClassThresholds(
            memberScores: [0.1, 0.9], memberLabels: [0, 1], nonMemberScores: [0.9, 0.2], nonMemberLabels: [0, 1],
            classes: 2))
        #expect(try #require(inverted.perClass[0]) > 0.9)
        #expect(!inverted.isMember(score: 0.9, label: 0))
        #expect(inverted.perClass[1] == 0.9)
        #expect(ClassThresholds(memberScores: [0.5], memberLabels: [0], nonMemberScores: [], nonMemberLabels: [],
                                classes: 1) == nil)
    }
}
