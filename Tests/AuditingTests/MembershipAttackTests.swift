import Testing

import Auditing

/// `MembershipAttack.figures` and `CalibratedThresholdAttack` against figures worked out by hand.
@Suite struct MembershipAttackTests {
    /// An attack that looks its scores up by sample id and calls a member at score ≥ ½ (or never decides).
    struct TableAttack: MembershipAttack {
        var table: [Int: Double]
        var decides = true
        var name: String { "table" }
        func scores(_ query: AttackQuery) -> [Double] { query.ids.map { table[$0]! } }
        func isMember(score: Double, label: Int) -> Bool? { decides ? score >= 0.5 : nil }
    }

    /// A query of samples `ids` (two classes, label 0, uniform probabilities: the table attack ignores them).
    static func query(_ ids: [Int]) -> AttackQuery {
        AttackQuery(ids: ids, probabilities: [Float](repeating: 0.5, count: 2 * ids.count), labels: ids.map { _ in 0 }, classes: 2)
    }

    /// Members 0.9, 0.5, 0.5, 0.2 against non-members 0.5, 0.1, 0.3 (P = 4, N = 3).
    /// - AUC: 0.9 beats all 3; each 0.5 ties one (½) and beats two (2.5); 0.2 beats one → 9/12 = 0.75.
    /// - Curve: τ = 0.9 (¼, 0), 0.5 (¾, ⅓), 0.3 (¾, ⅔), 0.2 (1, ⅔), 0.1 (1, 1); the best TPR − FPR is at
    ///   0.5: advantage 3/4 − 1/3 = 5/12, balanced accuracy ½(1 + 5/12) = 17/24.
    /// - TPR at FPR 1% and 0.1%: only (¼, 0) has FPR ≤ the target → ¼.
    /// - Efficacy (member iff ≥ ½): 0.2 is the only member called non-member → ¼.
    @Test func tiedScoresByHand() {
        let attack = TableAttack(table: [0: 0.9, 1: 0.5, 2: 0.5, 3: 0.2, 10: 0.5, 11: 0.1, 12: 0.3])
        let (figures, memberScores, nonMemberScores) = attack.figures(members: Self.query([0, 1, 2, 3]), nonMembers: Self.query([10, 11, 12]))
        #expect(memberScores == [0.9, 0.5, 0.5, 0.2])
        #expect(nonMemberScores == [0.5, 0.1, 0.3])
        #expect(figures.attack == "table")
        #expect(figures.auc == 0.75)
        #expect(isClose(figures.advantage!, 5.0 / 12))
        #expect(isClose(figures.balancedAccuracy!, 17.0 / 24))
        #expect(figures.tprAt1PercentFPR == 0.25)
        #expect(figures.tprAt01PercentFPR == 0.25)
        #expect(figures.efficacy == 0.25)
    }

    /// A perfect attack (members 3, 2 over non-members 1, 0) and the inverted one.
    /// - Perfect: AUC 1, advantage 1, balanced accuracy 1, TPR 1 at FPR 0; both members called members
    ///   → efficacy 0.
    /// - Inverted (members 0, 1 under 2, 3): AUC 0; no threshold beats chance, so the best point is
    ///   (0, 0): advantage 0, balanced accuracy ½, TPR 0 at FPR ≤ 1%; 0 < ½ ≤ 1 → efficacy ½.
    @Test func perfectAndInvertedAttacks() {
        let perfect = TableAttack(table: [0: 3, 1: 2, 2: 1, 3: 0]).figures(members: Self.query([0, 1]), nonMembers: Self.query([2, 3])).figures
        #expect(perfect == AttackFigures(attack: "table", auc: 1, advantage: 1, tprAt1PercentFPR: 1, tprAt01PercentFPR: 1,
                                         balancedAccuracy: 1, efficacy: 0))
        let inverted = TableAttack(table: [0: 0, 1: 1, 2: 2, 3: 3]).figures(members: Self.query([0, 1]), nonMembers: Self.query([2, 3])).figures
        #expect(inverted == AttackFigures(attack: "table", auc: 0, advantage: 0, tprAt1PercentFPR: 0, tprAt01PercentFPR: 0,
                                          balancedAccuracy: 0.5, efficacy: 0.5))
    }

    /// No decision → no efficacy; no non-members → no ROC figures, but the efficacy still counts.
    @Test func missingPartsStayNil() {
        let silent = TableAttack(table: [0: 0.9, 1: 0.1], decides: false).figures(members: Self.query([0]), nonMembers: Self.query([1])).figures
        #expect(silent.auc == 1)
        #expect(silent.efficacy == nil)
        let alone = TableAttack(table: [0: 0.9, 1: 0.1, 2: 0.3]).figures(members: Self.query([0, 1, 2]), nonMembers: Self.query([])).figures
        #expect(alone == AttackFigures(attack: "table", efficacy: 2.0 / 3))
    }

    /// Confidence attack, two classes. Calibration: members p_y = 0.9 (class 0), 0.8 (class 1); non-members
    /// 0.6 (class 0), 0.3 (class 1) → τ_0 = 0.9, τ_1 = 0.8 (each class's lowest member score separates it).
    /// Forget set: 0.95 (class 0, ≥ τ_0: member), 0.85 (class 0, < 0.9: non-member), 0.9 (class 1, ≥ 0.8:
    /// member), 0.5 (class 1: non-member) → efficacy 2/4. Against the calibration non-members (0.6, 0.3):
    /// 0.95, 0.85 and 0.9 beat both, 0.5 beats one → AUC 7/8.
    @Test func calibratedThresholdAttackByHand() throws {
        let members = AttackQuery(ids: [0, 1], probabilities: [0.9, 0.1, 0.2, 0.8], labels: [0, 1], classes: 2)
        let nonMembers = AttackQuery(ids: [2, 3], probabilities: [0.6, 0.4, 0.7, 0.3], labels: [0, 1], classes: 2)
        let attack = try #require(CalibratedThresholdAttack(attack: .confidence, members: members, nonMembers: nonMembers))
        #expect(attack.name == "confidence")
        #expect(attack.thresholds.threshold(forClass: 0) == Double(Float(0.9)))
        #expect(attack.thresholds.threshold(forClass: 1) == Double(Float(0.8)))
        let forget = AttackQuery(ids: [4, 5, 6, 7], probabilities: [0.95, 0.05, 0.85, 0.15, 0.1, 0.9, 0.5, 0.5], labels: [0, 0, 1, 1], classes: 2)
        let scores = attack.scores(forget)
        #expect(zip(scores, forget.labels).map { attack.isMember(score: $0, label: $1) } == [true, false, true, false])
        let figures = attack.figures(members: forget, nonMembers: nonMembers).figures
        #expect(figures.efficacy == 0.5)
        #expect(figures.auc == 0.875)
        // The same decisions as the enum and thresholds used directly.
        #expect(attack.thresholds.membershipEfficacy(scores: scores, labels: forget.labels) == figures.efficacy)
        #expect(CalibratedThresholdAttack(attack: .loss, members: members, nonMembers: Self.query([])) == nil)
    }
}
