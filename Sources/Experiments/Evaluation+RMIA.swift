import Auditing
import Foundation
import Imaging
import Seeding

/// How an evaluation's `rmia_offline` figures were computed (evaluation.json's `rmia`).
public struct RMIAEvaluation: Sendable, Codable, Equatable {
    /// |Z|: RMIA's population samples z (`UnlearningEvaluation.rmiaPopulation`), and where they come from.
    public var populationSamples: Int
    /// `global-test`: the global test set without the audited non-members.
    public var populationSource: String
    /// Reference models: the shadows. Each z is OUT of all of them, each audited example of half.
    public var referenceModels: Int
    /// The a in Pr(x) ≈ ½((1 + a)·Pr_OUT(x) + (1 − a)).
    public var offlineA: Double
    /// Whether a was calibrated on the shadows (`ShadowPool.calibrateOfflineA`, with at least
    /// `UnlearningEvaluation.rmiaCalibrationModels` of them), or is `RMIA.defaultOfflineA`.
    public var offlineACalibrated: Bool
    /// With a calibrated a: the mean AUC it reached with each shadow posing as the target.
    public var calibrationAUC: Double?
}

/// RMIA offline (Zarifzadeh, Liu & Shokri, ICML 2024) in `medsilo evaluate`, with the shadow models as its
/// reference models.
///
/// **Population samples z.** RMIA scores an audited example x by the share of population samples z whose
/// ratio p_y(z | θ)/Pr(z) x's own ratio beats, so z must be samples none of the audited models trained on,
/// and must not be audited themselves (an audited non-member in Z meets itself, a tie that counts, and
/// lifts the top non-member to a score of 1: TPR at FPR 0 collapses). The candidates the data offer:
///
/// - the shadows' base (retained hospitals' training samples): every audited model trained on them, and
///   every shadow too — members, not population samples;
/// - the shadows' population (the forget set and the audited non-members): audited, so excluded;
/// - the global test set without the audited non-members: no federated model trains on it (it is the
///   federation's test set), no shadow trains on it, and nothing audits it. In the usual case (the target
///   has enough held-out samples to be the non-members) that is the whole test set; in the fallback, where
///   half of the test set is the non-members, it is the other half.
///
/// So Z is a seeded sample of at most `rmiaPopulationLimit` of the last. The shadows are not retrained on
/// it: they are evaluated on it after training, as the pool's `unseen` samples (`ShadowPool(unseen:)`),
/// OUT of every shadow, so each z has M OUT references, and the shadows' masks, training and logits on the
/// audited population — hence LiRA's and Shokri's figures — are exactly what they are without RMIA. (Adding
/// z to the shadows' population instead would put each z IN half of the shadows and change every shadow's
/// training set, and with it every LiRA figure.) Being OUT of every shadow suits the offline variant, which
/// uses OUT references only; the online one would need IN shadows on z and is not run.
///
/// **The offline a.** Calibrated on the shadows (`ShadowPool.calibrateOfflineA` with the same Z) when there
/// are at least `rmiaCalibrationModels` of them, `RMIA.defaultOfflineA` (0.3) otherwise; recorded in
/// evaluation.json as `rmia` (`RMIAEvaluation`) and kept in rmia.json, so a rerun that reads every model
/// back still reports it.
extension UnlearningEvaluation {
    /// The most population samples z RMIA uses: the score moves in steps of 1/|Z|, and each z costs a
    /// forward pass per shadow and per audited model.
    static let rmiaPopulationLimit = 1000

    /// Shadows needed to calibrate the offline a (every example must be OUT of some shadow besides the
    /// one posing as the target); with fewer, the default 0.3.
    static let rmiaCalibrationModels = 4

    /// RMIA's population samples z: a seeded sample (seed from the settings) of at most
    /// `rmiaPopulationLimit` labelled global-test samples that are neither audited members nor audited
    /// non-members, sorted by id; empty if there are none.
    func rmiaPopulation(sets: UnlearningSession.AuditSets) -> [Int] {
        let audited = Set(session.forget + sets.nonMembers)
        let candidates = session.experiment.test.filter { !audited.contains($0) }
        var generator = SeededGenerator(seed: settings.seed &+ 0x2A1A_0F5E)
        return Array(generator.shuffled(candidates).prefix(Self.rmiaPopulationLimit)).sorted()
    }

    /// The offline a for `pool` with population samples `z` (its unseen samples): calibrated with at least
    /// `rmiaCalibrationModels` shadows, else the default.
    static func rmiaEvaluation(pool: ShadowPool, z: [Int]) -> RMIAEvaluation {
        let calibrated = pool.settings.models >= rmiaCalibrationModels ? pool.calibrateOfflineA(z: z) : nil
        return RMIAEvaluation(
            populationSamples: z.count, populationSource: "global-test", referenceModels: pool.settings.models,
            offlineA: calibrated?.a ?? RMIA.defaultOfflineA, offlineACalibrated: calibrated != nil, calibrationAUC: calibrated?.auc)
    }

    /// The RMIA set-up an earlier run of this evaluation kept in `out`, if any.
    static func storedRMIAEvaluation(out: String) -> RMIAEvaluation? {
        guard let bytes = try? FileIO.read(out + "/rmia.json") else { return nil }
        return try? FederatedRun.decoder().decode(RMIAEvaluation.self, from: Data(bytes))
    }
}
