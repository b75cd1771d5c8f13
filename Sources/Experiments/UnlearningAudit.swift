import Auditing
import Federation
import Seeding

/// Membership inference on the target's data, as a privacy auditor would run it against a served
/// model: each threshold attack (loss, confidence, entropy, modified entropy) is calibrated with
/// class-dependent thresholds on known members (a seeded sample of the remaining hospitals' training
/// data) and known non-members (the global test set); its decisions on the target's training samples
/// give the MIA-efficacy (share judged non-member), and its scores separate those samples from the
/// target's own held-out samples (AUC, advantage; `auditSets` says when it falls back to the test set).
/// With a backdoor, only the target's unstamped samples are asked about. The goal is to be close to the
/// retrained model's figures, not at zero.
public struct MembershipAudit: Sendable, Codable, Equatable {
    public struct Attack: Sendable, Codable, Equatable {
        public var name: String
        public var auc: Double?
        public var advantage: Double?
        public var efficacy: Double?
    }

    public var attacks: [Attack]
    public var forgetSamples: Int
    public var nonMemberSamples: Int
    /// `target-held-out` (the target's local test split and audit reserve; never its validation split) or `global-test`.
    public var nonMemberSource: String?
}

extension UnlearningSession {
    /// The audit's sample sets: calibration members and non-members, evaluation non-members.
    struct AuditSets {
        var members: [Int]
        var calibrationNonMembers: [Int]
        var nonMembers: [Int]
        /// Where the evaluation non-members come from: `target-held-out` or `global-test`.
        var nonMemberSource: String
    }

    /// The fewest held-out samples of the target for them to be the non-members.
    static let minimumHeldOut = 20

    /// The evaluation non-members are the target hospital's own held-out samples that no method sees: its
    /// local test split and its audit reserve (the same patients' distribution as its training data, never
    /// trained on), so the attacks measure membership rather than the shift between the target's data and
    /// the global test set. Its validation split is left out: AFU-IC's stopping rule erases until training
    /// and validation samples look alike, and an audit on those samples would grade the rule on its own
    /// yardstick. With fewer than `minimumHeldOut` of them, one seeded half of the global test set. Class
    /// thresholds are calibrated on a seeded sample of the retained hospitals' training data against the
    /// global test set (its other half in the fallback).
    func auditSets() -> AuditSets {
        var generator = SeededGenerator(seed: config.seed &+ 0xA0D17)
        func shuffled(_ indices: [Int]) -> [Int] { generator.shuffled(indices) }
        let retained = experiment.training.enumerated().filter { $0.offset != config.target }.flatMap(\.element)
        let test = shuffled(experiment.test)
        let hospital = experiment.plan.hospitals[config.target]
        let heldOut = (hospital.test + (hospital.reserve ?? [])).filter { !experiment.store.labels($0).isEmpty }.sorted()
        if heldOut.count >= Self.minimumHeldOut {
            return AuditSets(
                members: Array(shuffled(retained).prefix(max(test.count, 200))), calibrationNonMembers: test, nonMembers: heldOut,
                nonMemberSource: "target-held-out")
        }
        let half = test.count / 2
        return AuditSets(
            members: Array(shuffled(retained).prefix(max(half, 200))), calibrationNonMembers: Array(test[..<half]), nonMembers: Array(test[half...]),
            nonMemberSource: "global-test")
    }

    /// The audit of `weights`.
    func audit(_ weights: [Float], simulation: FederationSimulation, sets: AuditSets) -> MembershipAudit {
        let outputs = simulation.predict(weights, sets: [sets.members, sets.calibrationNonMembers, sets.nonMembers, auditForget], batchSize: config.evaluation.batch)
        let classes = experiment.store.classes.count
        let attacks = ThresholdAttack.allCases.map { attack -> MembershipAudit.Attack in
            let scores = outputs.map { attack.scores(probabilities: $0.probabilities, labels: $0.labels, classes: classes) }
            let thresholds = ClassThresholds(
                memberScores: scores[0], memberLabels: outputs[0].labels, nonMemberScores: scores[1], nonMemberLabels: outputs[1].labels, classes: classes)
            let roc = ROC(memberScores: scores[3], nonMemberScores: scores[2])
            return MembershipAudit.Attack(
                name: attack.rawValue, auc: roc?.auc, advantage: roc?.advantage,
                efficacy: thresholds?.membershipEfficacy(scores: scores[3], labels: outputs[3].labels))
        }
        return MembershipAudit(attacks: attacks, forgetSamples: auditForget.count, nonMemberSamples: sets.nonMembers.count, nonMemberSource: sets.nonMemberSource)
    }
}
