import Auditing

/// LiRA (Carlini et al., S&P 2022) as a `MembershipAttack`: Gaussians fitted per population example to
/// its φ on the shadow models that had it IN and on those that had it OUT (`ShadowPool.lira`), against
/// which a queried model's φ on the same example is scored (`LiRA`'s score maths, higher = member).
///
/// A query is matched to the fits by its sample ids, so it may hold any subset of the population in any
/// order; an id outside the population is a programmer error. The target's φ is exact from the query's
/// logits when it has them, else read back from its probabilities (`LiRA.logitScaledConfidence
/// (probabilities:label:)`, clamped to |φ| ≤ 27.6, while the shadows' φ are always from logits).
///
/// Scores and decisions:
/// - online: log Λ = log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²); a member iff log Λ > 0.
/// - offline: the one-sided test against OUT, in log-survival form −log(1 − Φ(z)), z = (φ − μ_out)/σ_out
///   (orders like Φ(z) without saturating); a member iff Φ(z) > ½, i.e. z > 0, i.e. score > log 2.
public struct LiRAAttack: MembershipAttack {
    public enum Variant: String, Sendable, Codable, CaseIterable {
        case online, offline, onlineFixedVariance, offlineFixedVariance

        public var isOnline: Bool { self == .online || self == .onlineFixedVariance }
        /// One pooled σ_in and one σ_out for all examples (`LiRA.pooledStandardDeviation`).
        public var fixedVariance: Bool { self == .onlineFixedVariance || self == .offlineFixedVariance }
    }

    public let variant: Variant
    public let classes: Int
    /// Population sample id → its position in `labels` and the fits.
    let positions: [Int: Int]
    let labels: [Int]
    /// Per population example; `inFits` is empty for the offline variants.
    public let inFits: [GaussianFit]
    public let outFits: [GaussianFit]

    /// The attack from per-example φ observations of shadow models (at least one IN and one OUT per
    /// example for the online variants, one OUT for the offline ones), with mean centres.
    public init(variant: Variant, population: [Int], labels: [Int], classes: Int, inObservations: [[Double]], outObservations: [[Double]]) {
        precondition(labels.count == population.count && inObservations.count == population.count
                     && outObservations.count == population.count, "one label and one IN and OUT list per population example")
        self.variant = variant
        self.classes = classes
        self.labels = labels
        positions = Dictionary(uniqueKeysWithValues: zip(population, population.indices))
        let options = LiRA.Options(fixedVariance: variant.fixedVariance)
        inFits = variant.isOnline ? LiRA.fits(inObservations, options) : []
        outFits = LiRA.fits(outObservations, options)
    }

    /// `lira_online`, `lira_offline`, `lira_online_fixed_variance`, `lira_offline_fixed_variance`.
    public var name: String {
        switch variant {
        case .online: "lira_online"
        case .offline: "lira_offline"
        case .onlineFixedVariance: "lira_online_fixed_variance"
        case .offlineFixedVariance: "lira_offline_fixed_variance"
        }
    }

    public func scores(_ query: AttackQuery) -> [Double] {
        precondition(query.classes == classes, "LiRA: the query has \(query.classes) classes, the shadows \(classes)")
        let k = classes
        return query.ids.indices.map { i in
            let id = query.ids[i], label = query.labels[i]
            guard let j = positions[id] else {
                preconditionFailure("LiRA: sample \(id) is not in the shadows' population, so there are no shadow fits to score it against")
            }
            precondition(label == labels[j], "LiRA: sample \(id) has label \(label) in the query but \(labels[j]) in the shadows")
            let phi = query.logits.map { LiRA.logitScaledConfidence(logits: $0[i * k..<(i + 1) * k], label: label) }
                ?? LiRA.logitScaledConfidence(probabilities: query.probabilities[i * k..<(i + 1) * k], label: label)
            return variant.isOnline
                ? LiRA.onlineScore(observed: phi, in: inFits[j], out: outFits[j])
                : LiRA.offlineLogSurvivalScore(observed: phi, out: outFits[j])
        }
    }

    /// Online: log Λ > 0. Offline: −log Q(z) > log 2, i.e. Φ(z) > ½.
    public func isMember(score: Double, label: Int) -> Bool? {
        variant.isOnline ? score > 0 : score > 0.693_147_180_559_945_3
    }
}
