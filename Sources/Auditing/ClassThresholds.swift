/// Class-dependent thresholds τ_y for a membership score, calibrated on known members and known
/// non-members, and the member / non-member decisions they give on new samples.
///
/// A sample (s, y) is called a member iff s ≥ τ_y, with s oriented as everywhere in this module (higher =
/// member; see `ThresholdAttack`). Song & Mittal (USENIX Security 2021) choose each τ_y to maximise the
/// attack's accuracy on shadow in/out data of class y; MedSilo uses the calibration split of METHODS §3.3
/// (retain data as members, held-out test data as non-members) and maximises *balanced* accuracy
/// ½(TPR + TNR), so that unequal numbers of members and non-members do not pull τ toward the larger side:
///
///     τ_y = argmax_{t ∈ scores of class y}  ½ (TPR_y(t) + 1 − FPR_y(t)),
///
/// the best threshold of the class's ROC curve (`ROC.bestThreshold`: candidates are the observed scores,
/// plus one just above them all that calls no one a member; ties go to the highest threshold, the one
/// with the fewest false "member" calls). A class with no members or no non-members in the calibration
/// data, or no calibration data at all, falls back to the global threshold chosen the same way on all
/// calibration samples together. With `classDependent: false` every class uses the global threshold
/// (Yeom et al.'s single-threshold attack).
public struct ClassThresholds: Sendable, Codable, Equatable {
    /// τ_c for each class c, nil where class c uses `global`.
    public var perClass: [Double?]
    /// The threshold over all classes, for classes without their own (and labels past `perClass`).
    public var global: Double

    public init(perClass: [Double?], global: Double) {
        self.perClass = perClass
        self.global = global
    }

    /// Thresholds calibrated on members (scores and labels) and non-members; nil if either set is empty,
    /// since then there is nothing to separate. Labels lie in 0..<classes.
    public init?(
        memberScores: [Double], memberLabels: [Int], nonMemberScores: [Double], nonMemberLabels: [Int],
        classes: Int, classDependent: Bool = true
    ) {
        precondition(memberScores.count == memberLabels.count, "one label per member score")
        precondition(nonMemberScores.count == nonMemberLabels.count, "one label per non-member score")
        precondition((memberLabels + nonMemberLabels).allSatisfy { (0..<classes).contains($0) },
                     "calibration labels must lie in 0..<\(classes)")
        guard let overall = ROC(memberScores: memberScores, nonMemberScores: nonMemberScores) else { return nil }
        global = overall.bestThreshold.threshold
        perClass = (0..<classes).map { c in
            guard classDependent else { return nil }
            let members = zip(memberScores, memberLabels).filter { $0.1 == c }.map(\.0)
            let nonMembers = zip(nonMemberScores, nonMemberLabels).filter { $0.1 == c }.map(\.0)
            return ROC(memberScores: members, nonMemberScores: nonMembers)?.bestThreshold.threshold
        }
    }

    /// τ_c: the class's own threshold, or the global one.
    public func threshold(forClass c: Int) -> Double {
        (perClass.indices.contains(c) ? perClass[c] : nil) ?? global
    }

    /// Whether a sample with member-oriented score `score` and true label `label` is called a member:
    /// score ≥ τ_label.
    public func isMember(score: Double, label: Int) -> Bool {
        score >= threshold(forClass: label)
    }

    /// The decision for each sample.
    public func isMember(scores: [Double], labels: [Int]) -> [Bool] {
        precondition(scores.count == labels.count, "\(scores.count) scores for \(labels.count) labels")
        return zip(scores, labels).map { isMember(score: $0, label: $1) }
    }

    /// MIA-Efficacy (METHODS §3.3 (b)): the share of a forget set judged non-member, TN / |D_f| — higher
    /// means less of D_f is recognised; compare with the retrained model's. Its complement is the attack's
    /// success rate (recall) on D_f. Nil for an empty set.
    public func membershipEfficacy(scores: [Double], labels: [Int]) -> Double? {
        guard !scores.isEmpty else { return nil }
        let nonMembers = isMember(scores: scores, labels: labels).filter { !$0 }.count
        return Double(nonMembers) / Double(scores.count)
    }
}
