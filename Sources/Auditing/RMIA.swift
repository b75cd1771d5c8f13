#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The score maths of the relative membership-inference attack, RMIA (Zarifzadeh, Liu & Shokri, "Low-Cost
/// High-Power Membership Inference Attacks", ICML 2024), on probabilities the caller has already collected:
/// no reference model is trained here.
///
/// A model θ's signal on a sample x with true label y is its probability of that label, Pr(x | θ) = p_y(x)
/// (`trueLabelProbability`). RMIA compares x with population samples z — samples from the same
/// distribution that the target did not train on — through the pairwise likelihood ratio
///
///     LR_θ(x, z) = (Pr(x | θ) / Pr(x)) / (Pr(z | θ) / Pr(z)) = r_x / r_z,
///
/// where Pr(x) is x's probability averaged over models trained on population data, estimated with
/// reference models θ₁…θ_k, and scores x by the share of population samples it dominates by a factor γ:
///
///     Score(x) = Pr_z[ LR_θ(x, z) ≥ γ ] = #{ z ∈ Z : r_x / r_z ≥ γ } / |Z|  ∈ [0, 1],
///
/// higher = member; γ = 1 by default. Pr(x) and Pr(z) are estimated the same way:
///
/// - **online** (reference models trained on random halves of the population, some with the sample IN and
///   some OUT): the mean of Pr(x | θᵢ) over all of them (`onlineMarginal`).
/// - **offline** (only reference models that did not train on the sample): Pr(x) = ½(Pr_IN(x) + Pr_OUT(x))
///   with the missing IN probability taken to be a linear function of the OUT mean,
///   Pr_IN(x) ≈ a·Pr_OUT(x) + (1 − a), so
///
///       Pr(x) ≈ ½((1 + a)·Pr_OUT(x) + (1 − a))   (`offlineMarginal`).
///
///   a ∈ [0, 1] says how little training on x moves p_y towards 1: a = 1, not at all (Pr(x) is the OUT
///   mean); a = 0, all the way (Pr_IN = 1). The paper picks a on reference models, by attacking one of them
///   with the others (`calibrateOfflineA`); 0.3 is the default here, as in the authors' code.
///
/// Conventions:
/// - A tie LR = γ counts (≥, the paper's definition; the authors' code counts LR > 1 only, which differs
///   on exact ties such as x compared with itself when x ∈ Z).
/// - Every probability and every Pr(x) is clamped to [`probabilityFloor`, 1] (NaN to the floor) before a
///   division, so every ratio lies in [10⁻³⁰, 10³⁰] and every LR is finite and positive: a zero probability
///   never gives NaN.
/// - The score moves in steps of 1/|Z|: with few population samples the strongest members all tie at 1,
///   and TPR at a low FPR suffers as soon as a non-member reaches 1 too. More z (outputs only, no
///   training) refine it.
/// - For one target and one Z the score is a non-decreasing function of r_x, so its ROC curve on that
///   target is r_x's up to the ties; Z gives the score its scale (a share of population samples, the same
///   for any target) and its decision threshold.
///
/// To query x under augmentations (flips, shifts), as LiRA does, the caller averages the p_y of the
/// queries before they reach these functions.
public enum RMIA {
    /// The score's parameters.
    public struct Options: Sendable, Codable, Equatable {
        /// a in Pr(x) ≈ ½((1 + a)·Pr_OUT(x) + (1 − a)), in [0, 1]; offline only.
        public var offlineA: Double
        /// γ > 0: z counts when LR(x, z) ≥ γ.
        public var gamma: Double
        /// The floor of every probability and Pr(x) before a division.
        public var probabilityFloor: Double

        public init(offlineA: Double = RMIA.defaultOfflineA, gamma: Double = 1, probabilityFloor: Double = 1e-30) {
            precondition((0...1).contains(offlineA), "RMIA's offline a must lie in [0, 1], got \(offlineA)")
            precondition(gamma > 0 && gamma.isFinite, "RMIA's γ must be positive and finite, got \(gamma)")
            precondition(probabilityFloor > 0 && probabilityFloor < 1, "the probability floor must lie in (0, 1)")
            self.offlineA = offlineA
            self.gamma = gamma
            self.probabilityFloor = probabilityFloor
        }
    }

    /// The default offline a, 0.3 (the authors' code's default).
    public static let defaultOfflineA = 0.3

    /// The a values `calibrateOfflineA` tries by default: 0, 0.1, …, 1.
    public static let calibrationCandidates: [Double] = (0...10).map { Double($0) / 10 }

    // MARK: Probabilities

    /// p_y = 1/(1 + e^(−φ)) with φ = z_y − log Σ_{c≠y} exp(z_c) (`LiRA.logitScaledConfidence`): the softmax
    /// probability of the label from one row of K ≥ 2 logits, in Double without forming the softmax, so it
    /// neither rounds to 1 in Float nor overflows (it is 0 only if p_y is below Double's range).
    public static func trueLabelProbability<Row: Collection<Float>>(logits row: Row, label: Int) -> Double {
        1 / (1 + exp(-LiRA.logitScaledConfidence(logits: row, label: label)))
    }

    /// p_y read from a row of probabilities.
    public static func trueLabelProbability<Row: Collection<Float>>(probabilities row: Row, label: Int) -> Double {
        Double(SafeMath.entry(row, label))
    }

    /// min(1, max(floor, p)), and the floor for NaN.
    static func clamp(_ p: Double, floor: Double) -> Double {
        p.isNaN ? floor : min(1, max(floor, p))
    }

    // MARK: Pr(x)

    /// The online Pr(x): the mean of the reference models' probabilities (at least one), each clamped to
    /// [floor, 1] first.
    public static func onlineMarginal(_ references: [Double], floor: Double = 1e-30) -> Double {
        precondition(!references.isEmpty, "Pr(x) needs at least one reference model")
        return references.reduce(0) { $0 + clamp($1, floor: floor) } / Double(references.count)
    }

    /// The offline Pr(x) = ½((1 + a)·Pr_OUT(x) + (1 − a)), Pr_OUT(x) the mean of the OUT reference models'
    /// probabilities (at least one; `onlineMarginal` of them).
    public static func offlineMarginal(out references: [Double], a: Double, floor: Double = 1e-30) -> Double {
        precondition((0...1).contains(a), "RMIA's offline a must lie in [0, 1], got \(a)")
        return 0.5 * ((1 + a) * onlineMarginal(references, floor: floor) + (1 - a))
    }

    /// r = Pr(x | θ) / Pr(x), both clamped to [floor, 1]: finite and positive.
    public static func probabilityRatio(_ probability: Double, marginal: Double, floor: Double = 1e-30) -> Double {
        clamp(probability, floor: floor) / clamp(marginal, floor: floor)
    }

    // MARK: Scores from ratios

    /// Score(x) = #{z : r_x / r_z ≥ γ} / |Z| by the definition, one z at a time. `populationRatios` must be
    /// non-empty, finite and positive (as `probabilityRatio` gives).
    public static func score(ratio: Double, populationRatios: [Double], gamma: Double = 1) -> Double {
        precondition(!populationRatios.isEmpty, "RMIA needs at least one population sample z")
        return Double(populationRatios.count(where: { ratio / $0 >= gamma })) / Double(populationRatios.count)
    }

    /// The scores of many x against one Z, equal to `score(ratio:populationRatios:gamma:)` for each: Z's
    /// ratios are sorted once, and since the rounded quotient r_x / r_z is non-increasing in r_z > 0
    /// (division is correctly rounded, hence monotone), the z that pass the same test form a prefix of them,
    /// found by bisection: O((N + |Z|) log |Z|) instead of O(N·|Z|).
    public static func scores(ratios: [Double], populationRatios: [Double], gamma: Double = 1) -> [Double] {
        precondition(!populationRatios.isEmpty, "RMIA needs at least one population sample z")
        precondition(populationRatios.allSatisfy { $0 > 0 && $0.isFinite }, "population ratios must be finite and positive")
        let sorted = populationRatios.sorted()
        let count = Double(sorted.count)
        return ratios.map { ratio in
            var low = 0, high = sorted.count  // the prefix [0, low) passes; [high, end) fails
            while low < high {
                let middle = (low + high) / 2
                if ratio / sorted[middle] >= gamma { low = middle + 1 } else { high = middle }
            }
            return Double(low) / count
        }
    }

    // MARK: Scores from probabilities

    /// Online scores of N samples: `target[e]` is the target's p_y on sample e and `references[e]` the
    /// reference models' (at least one each, IN and OUT alike); `populationTarget` and
    /// `populationReferences` the same for the population samples z (at least one).
    public static func onlineScores(
        target: [Double], references: [[Double]], populationTarget: [Double], populationReferences: [[Double]],
        options: Options = Options()
    ) -> [Double] {
        precondition(target.count == references.count && populationTarget.count == populationReferences.count,
                     "one list of reference probabilities per sample and per population sample")
        let floor = options.probabilityFloor
        let ratios = zip(target, references).map {
            probabilityRatio($0, marginal: onlineMarginal($1, floor: floor), floor: floor)
        }
        let zRatios = zip(populationTarget, populationReferences).map {
            probabilityRatio($0, marginal: onlineMarginal($1, floor: floor), floor: floor)
        }
        return scores(ratios: ratios, populationRatios: zRatios, gamma: options.gamma)
    }

    /// Offline scores of N samples: as `onlineScores`, with each sample's and each z's OUT reference models
    /// only (at least one each) and Pr(x) = ½((1 + a)·Pr_OUT(x) + (1 − a)), a = `options.offlineA`.
    public static func offlineScores(
        target: [Double], outReferences: [[Double]], populationTarget: [Double], populationOutReferences: [[Double]],
        options: Options = Options()
    ) -> [Double] {
        precondition(target.count == outReferences.count && populationTarget.count == populationOutReferences.count,
                     "one list of OUT reference probabilities per sample and per population sample")
        let floor = options.probabilityFloor, a = options.offlineA
        let ratios = zip(target, outReferences).map {
            probabilityRatio($0, marginal: offlineMarginal(out: $1, a: a, floor: floor), floor: floor)
        }
        let zRatios = zip(populationTarget, populationOutReferences).map {
            probabilityRatio($0, marginal: offlineMarginal(out: $1, a: a, floor: floor), floor: floor)
        }
        return scores(ratios: ratios, populationRatios: zRatios, gamma: options.gamma)
    }

    // MARK: Calibrating a

    /// A model whose members are known — in practice one reference model posing as the target — with the
    /// OUT probabilities of the other reference models: what `calibrateOfflineA` attacks.
    public struct CalibrationSplit: Sendable {
        /// The model's p_y on N samples, and which of them it trained on.
        public var target: [Double]
        public var isMember: [Bool]
        /// Per sample, the p_y of the other reference models that did not train on it (at least one).
        public var outReferences: [[Double]]
        /// The model's p_y on population samples z it did not train on, and per z the OUT references' p_y.
        public var populationTarget: [Double]
        public var populationOutReferences: [[Double]]

        public init(target: [Double], isMember: [Bool], outReferences: [[Double]], populationTarget: [Double],
                    populationOutReferences: [[Double]]) {
            precondition(target.count == isMember.count && target.count == outReferences.count,
                         "one membership and one OUT list per sample")
            precondition(populationTarget.count == populationOutReferences.count, "one OUT list per population sample")
            self.target = target
            self.isMember = isMember
            self.outReferences = outReferences
            self.populationTarget = populationTarget
            self.populationOutReferences = populationOutReferences
        }
    }

    /// The offline a among `candidates` whose scores (`offlineScores` with γ = `gamma`) separate the splits'
    /// members from their non-members best: the highest AUC (`ROC.auc`, ties ½) averaged over the splits
    /// that have both and population samples; among equal AUCs, the a closest to `defaultOfflineA`, then
    /// the smaller. The authors tune a this way: attack a reference model with the others and keep the a
    /// that works best. Nil if no split has members, non-members and population samples, or there are no
    /// candidates.
    public static func calibrateOfflineA(
        _ splits: [CalibrationSplit], gamma: Double = 1, candidates: [Double] = calibrationCandidates
    ) -> (a: Double, auc: Double)? {
        let usable = splits.filter { $0.isMember.contains(true) && $0.isMember.contains(false) && !$0.populationTarget.isEmpty }
        guard !usable.isEmpty else { return nil }
        var best: (a: Double, auc: Double)?
        for a in candidates {
            let options = Options(offlineA: a, gamma: gamma)
            var total = 0.0
            for split in usable {
                let scores = offlineScores(
                    target: split.target, outReferences: split.outReferences, populationTarget: split.populationTarget,
                    populationOutReferences: split.populationOutReferences, options: options)
                total += ROC(scores: scores, isMember: split.isMember)!.auc
            }
            let auc = total / Double(usable.count)
            if let current = best {
                let closer = abs(a - defaultOfflineA) < abs(current.a - defaultOfflineA)
                    || (abs(a - defaultOfflineA) == abs(current.a - defaultOfflineA) && a < current.a)
                guard auc > current.auc || (auc == current.auc && closer) else { continue }
            }
            best = (a, auc)
        }
        return best
    }
}
