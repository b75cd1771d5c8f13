/// What an attack sees of a model on N samples: its outputs, the samples' true labels, and the samples'
/// indices in the store (so that per-example attacks such as LiRA find the shadow fits of each sample).
public struct AttackQuery: Sendable {
    /// The samples' indices in the store.
    public var ids: [Int]
    /// Row-major [N, K] softmax probabilities.
    public var probabilities: [Float]
    /// Row-major [N, K] logits, when the caller has them (LiRA's φ is then exact, not read back from
    /// rounded probabilities).
    public var logits: [Float]?
    public var labels: [Int]
    public var classes: Int

    public init(ids: [Int], probabilities: [Float], logits: [Float]? = nil, labels: [Int], classes: Int) {
        precondition(ids.count == labels.count, "\(ids.count) ids for \(labels.count) labels")
        precondition(classes > 0 && probabilities.count == labels.count * classes,
                     "probabilities must be [N, K] with N = \(labels.count) and K = \(classes)")
        precondition(logits.map { $0.count == probabilities.count } ?? true, "logits must have the probabilities' shape")
        self.ids = ids
        self.probabilities = probabilities
        self.logits = logits
        self.labels = labels
        self.classes = classes
    }

    public var count: Int { labels.count }
}

/// A membership-inference attack: a score per sample of a model's outputs (higher = more likely a
/// member), and optionally the attack's own member / non-member call for a score, which MIA-efficacy
/// (METHODS §3.3 (b)) counts. Threshold attacks (`CalibratedThresholdAttack`), LiRA and Shokri et al.'s
/// shadow-model attack conform.
public protocol MembershipAttack: Sendable {
    var name: String { get }
    /// One score per sample of `query`, higher = more likely a member; never NaN.
    func scores(_ query: AttackQuery) -> [Double]
    /// The attack's own decision for a sample with this score and label; nil if it has none.
    func isMember(score: Double, label: Int) -> Bool?
}

/// One attack's figures on members (e.g. the forget set) against non-members (held-out samples).
public struct AttackFigures: Sendable, Codable, Equatable {
    public var attack: String
    /// Area under the ROC curve (ties count ½; `ROC.auc`); nil without members or without non-members.
    public var auc: Double?
    /// max_t TPR − FPR (`ROC.advantage`).
    public var advantage: Double?
    /// TPR at FPR 1% and 0.1%, read conservatively: the largest TPR among thresholds whose FPR is at most
    /// the target (`ROC.Interpolation.conservative`), never a rate no threshold achieves. With fewer than
    /// 100 (1 000) non-members only FPR 0 qualifies.
    public var tprAt1PercentFPR: Double?
    public var tprAt01PercentFPR: Double?
    /// ½(TPR + TNR) at the best threshold of the ROC curve (not at the attack's own decision).
    public var balancedAccuracy: Double?
    /// MIA-efficacy: the share of the members (the forget set) the attack's own decision calls non-member;
    /// nil if the attack has no decision or there are no members.
    public var efficacy: Double?

    public init(attack: String, auc: Double? = nil, advantage: Double? = nil, tprAt1PercentFPR: Double? = nil,
                tprAt01PercentFPR: Double? = nil, balancedAccuracy: Double? = nil, efficacy: Double? = nil) {
        self.attack = attack
        self.auc = auc
        self.advantage = advantage
        self.tprAt1PercentFPR = tprAt1PercentFPR
        self.tprAt01PercentFPR = tprAt01PercentFPR
        self.balancedAccuracy = balancedAccuracy
        self.efficacy = efficacy
    }

    /// The figures of member and non-member scores, with the attack's decisions on the members (nil
    /// entries, or none at all, leave the efficacy nil).
    public init(attack: String, memberScores: [Double], nonMemberScores: [Double], memberDecisions: [Bool?]) {
        precondition(memberDecisions.count == memberScores.count, "one decision per member score")
        self.init(attack: attack)
        if let roc = ROC(memberScores: memberScores, nonMemberScores: nonMemberScores) {
            auc = roc.auc
            advantage = roc.advantage
            tprAt1PercentFPR = roc.truePositiveRate(atFalsePositiveRate: 0.01)
            tprAt01PercentFPR = roc.truePositiveRate(atFalsePositiveRate: 0.001)
            balancedAccuracy = roc.balancedAccuracy
        }
        let decisions = memberDecisions.compactMap { $0 }
        if !decisions.isEmpty, decisions.count == memberDecisions.count {
            efficacy = Double(decisions.filter { !$0 }.count) / Double(decisions.count)
        }
    }
}

extension MembershipAttack {
    /// Scores `members` (e.g. the forget set) and `nonMembers` (held-out samples) and reads the figures
    /// from their ROC curve; the efficacy comes from the attack's decisions on `members`.
    public func figures(members: AttackQuery, nonMembers: AttackQuery)
        -> (figures: AttackFigures, memberScores: [Double], nonMemberScores: [Double])
    {
        // A NaN score (e.g. φ from an infinite logit) ranks as the least member-like rather than stopping ROC.
        let memberScores = scores(members).map { $0.isNaN ? -.infinity : $0 }
        let nonMemberScores = scores(nonMembers).map { $0.isNaN ? -.infinity : $0 }
        let decisions = zip(memberScores, members.labels).map { isMember(score: $0, label: $1) }
        let figures = AttackFigures(attack: name, memberScores: memberScores, nonMemberScores: nonMemberScores,
                                    memberDecisions: decisions)
        return (figures, memberScores, nonMemberScores)
    }
}
