/// A threshold attack (loss, confidence, entropy, modified entropy) with its class thresholds, as a
/// `MembershipAttack`: scores are `ThresholdAttack`'s on the query's probabilities, and a sample is
/// called a member iff its score reaches its class's threshold τ_y (`ClassThresholds`).
public struct CalibratedThresholdAttack: MembershipAttack {
    public var attack: ThresholdAttack
    public var thresholds: ClassThresholds

    public init(attack: ThresholdAttack, thresholds: ClassThresholds) {
        self.attack = attack
        self.thresholds = thresholds
    }

    /// The attack with thresholds calibrated on known members and known non-members (METHODS §3.3: e.g.
    /// retained data and half of the test set); nil if either is empty.
    public init?(attack: ThresholdAttack, members: AttackQuery, nonMembers: AttackQuery, classDependent: Bool = true) {
        precondition(members.classes == nonMembers.classes, "members and non-members with different class counts")
        guard let thresholds = ClassThresholds(
            memberScores: attack.scores(probabilities: members.probabilities, labels: members.labels, classes: members.classes),
            memberLabels: members.labels,
            nonMemberScores: attack.scores(probabilities: nonMembers.probabilities, labels: nonMembers.labels,
                                           classes: nonMembers.classes),
            nonMemberLabels: nonMembers.labels, classes: members.classes, classDependent: classDependent)
        else { return nil }
        self.init(attack: attack, thresholds: thresholds)
    }

    public var name: String { attack.rawValue }

    /// The threshold attack's scores on the probabilities (the logits, if any, are not needed).
    public func scores(_ query: AttackQuery) -> [Double] {
        attack.scores(probabilities: query.probabilities, labels: query.labels, classes: query.classes)
    }

    /// score ≥ τ_label.
    public func isMember(score: Double, label: Int) -> Bool? {
        thresholds.isMember(score: score, label: label)
    }
}
