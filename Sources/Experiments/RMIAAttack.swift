import Auditing

/// RMIA (Zarifzadeh, Liu & Shokri, ICML 2024) as a `MembershipAttack`: a queried model's probability of
/// the true label on a population example, over the example's Pr(x) from reference models, against the
/// same ratio on population samples z (`RMIA`'s score maths, higher = member):
///
///     Score(x) = #{ z ∈ Z : (p_y(x)/Pr(x)) / (p_y(z)/Pr(z)) ≥ γ } / |Z|  ∈ [0, 1].
///
/// Unlike LiRA, the score needs the target's outputs on Z as well as on x, so an attack is built for one
/// target model: from the reference models' probabilities (`ShadowPool.rmia`, with the shadow models as
/// reference models) and that target's probabilities on Z. Z should be samples the target did not train
/// on (the paper draws them from the population the reference models are trained on); the more of them,
/// the finer the score.
///
/// A query is matched to Pr(x) by its sample ids, so it may hold any subset of the population in any order;
/// an id outside the population is a programmer error. The target's p_y is exact from the query's logits
/// when it has them (`RMIA.trueLabelProbability(logits:label:)`), else read from its probabilities.
///
/// Variants: **online**, Pr(x) the mean over all reference models (IN and OUT); **offline**, over the OUT
/// ones, Pr(x) = ½((1 + a)·Pr_OUT(x) + (1 − a)) with a = `options.offlineA` (default 0.3). Decision: a
/// member iff Score > ½, i.e. x's ratio beats more than half of the population samples' — the
/// counterpart of LiRA offline's Φ(z) > ½ (x above the middle of what a non-member would give).
public struct RMIAAttack: MembershipAttack {
    public enum Variant: String, Sendable, Codable, CaseIterable {
        case online, offline
    }

    public let variant: Variant
    public let classes: Int
    public let options: RMIA.Options
    /// Population sample id → its position in `labels` and `marginals`.
    let positions: [Int: Int]
    let labels: [Int]
    /// Pr(x) per population example, as the variant estimates it.
    public let marginals: [Double]
    /// The target's r_z = p_y(z)/Pr(z) on the population samples z.
    public let populationRatios: [Double]

    /// The attack from the reference models' p_y per population example (`references[e]`: all of them for
    /// the online variant, the OUT ones for the offline, at least one each), and for the target model's
    /// p_y on population samples z (`zTarget`) with the reference models' p_y on each z (`zReferences`,
    /// chosen in the same way).
    public init(
        variant: Variant, population: [Int], labels: [Int], classes: Int, references: [[Double]], zTarget: [Double],
        zReferences: [[Double]], options: RMIA.Options = RMIA.Options()
    ) {
        precondition(labels.count == population.count && references.count == population.count,
                     "one label and one reference list per population example")
        precondition(!zTarget.isEmpty && zTarget.count == zReferences.count,
                     "RMIA needs population samples z, each with its references")
        self.variant = variant
        self.classes = classes
        self.options = options
        self.labels = labels
        positions = Dictionary(uniqueKeysWithValues: zip(population, population.indices))
        let floor = options.probabilityFloor
        let marginal: ([Double]) -> Double = switch variant {
        case .online: { RMIA.onlineMarginal($0, floor: floor) }
        case .offline: { RMIA.offlineMarginal(out: $0, a: options.offlineA, floor: floor) }
        }
        marginals = references.map(marginal)
        populationRatios = zip(zTarget, zReferences).map { RMIA.probabilityRatio($0, marginal: marginal($1), floor: floor) }
    }

    /// `rmia_online`, `rmia_offline`.
    public var name: String { "rmia_" + variant.rawValue }

    public func scores(_ query: AttackQuery) -> [Double] {
        precondition(query.classes == classes, "RMIA: the query has \(query.classes) classes, the references \(classes)")
        let probabilities = Self.trueLabelProbabilities(query)
        let ratios = query.ids.indices.map { i in
            let id = query.ids[i], label = query.labels[i]
            guard let j = positions[id] else {
                preconditionFailure("RMIA: sample \(id) is not in the references' population, so it has no Pr(x)")
            }
            precondition(label == labels[j],
                         "RMIA: sample \(id) has label \(label) in the query but \(labels[j]) in the references")
            return RMIA.probabilityRatio(probabilities[i], marginal: marginals[j], floor: options.probabilityFloor)
        }
        return RMIA.scores(ratios: ratios, populationRatios: populationRatios, gamma: options.gamma)
    }

    /// A query's p_y per sample: exact from its logits when it has them, else read from its probabilities.
    static func trueLabelProbabilities(_ query: AttackQuery) -> [Double] {
        let k = query.classes
        return query.labels.indices.map { i in
            query.logits.map { RMIA.trueLabelProbability(logits: $0[i * k..<(i + 1) * k], label: query.labels[i]) }
                ?? RMIA.trueLabelProbability(probabilities: query.probabilities[i * k..<(i + 1) * k], label: query.labels[i])
        }
    }

    /// Score > ½.
    public func isMember(score: Double, label: Int) -> Bool? {
        score > 0.5
    }
}
