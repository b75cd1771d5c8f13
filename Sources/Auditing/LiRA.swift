/// The score maths of the likelihood-ratio attack, LiRA (Carlini et al., "Membership Inference Attacks
/// From First Principles", IEEE S&P 2022), on φ values the caller has already collected: no shadow model is
/// trained here.
///
/// For each audited example, M shadow models were trained on random halves of a population set, so the
/// example is IN some of them and OUT of the others. On each shadow model, and on the target, the example's
/// logit-scaled confidence
///
///     φ = log(p_y / (1 − p_y)) = z_y − log Σ_{c≠y} exp(z_c)
///
/// is measured (the second form needs no probability, so it neither saturates nor loses digits:
/// `logitScaledConfidence(logits:label:)`).
/// Per example, Gaussians are fitted to the IN and OUT observations (`GaussianFit`), and the target's
/// φ_obs is scored; every score here is oriented **higher = member**:
///
/// - **online** (IN and OUT shadows): the log-likelihood ratio
///
///       log Λ = log N(φ_obs; μ_in, σ_in²) − log N(φ_obs; μ_out, σ_out²).
///
///   With equal variances it is linear in φ_obs with slope (μ_in − μ_out)/σ², hence increasing when
///   μ_in > μ_out; with unequal variances it is a quadratic in φ_obs and not monotone over all φ_obs
///   (far beyond both means, the narrower distribution's density falls faster).
/// - **offline** (OUT shadows only): the one-sided test against the OUT distribution,
///
///       Φ((φ_obs − μ_out) / σ_out),
///
///   the probability that an OUT model gives φ below φ_obs: near 1 when the target is more confident on
///   the example than models that never saw it. Φ rounds to 1 for z ≳ 8.3, so strong members would tie;
///   the log-survival form −log(1 − Φ(z)) = −log Q(z) orders samples the same way without saturating and
///   is the default of `offlineScores`. (The paper's text describes the one-sided test used here; the
///   reference code scores −log N(φ_obs; μ_out, σ_out²) instead, which also flags examples far *below* the
///   OUT distribution.)
/// - **fixed variance**: instead of each example's own σ, one σ_in and one σ_out for all examples, the
///   pooled within-example standard deviation (`pooledStandardDeviation`). The paper recommends it when
///   shadow models are few, where per-example σ estimates are noisy. The reference code uses `np.std` of all
///   observations, which also counts the spread of the examples' means; the pooled within-example σ used
///   here measures only the model-to-model spread that the per-example σ estimates.
///
/// Carlini et al. also query each example under augmentations (flips, shifts) and average the per-query
/// scores; the caller does that by scoring each query against Gaussians fitted to that query's shadow φ's
/// and averaging the scores.
public enum LiRA {
    /// How `onlineScores` and `offlineScores` fit their Gaussians.
    public struct Options: Sendable, Codable, Equatable {
        public var centre: GaussianFit.Centre
        /// One pooled σ_in and one σ_out for all examples instead of each example's own.
        public var fixedVariance: Bool
        /// The floor on every σ.
        public var minimumStandardDeviation: Double

        public init(centre: GaussianFit.Centre = .mean, fixedVariance: Bool = false,
                    minimumStandardDeviation: Double = 1e-30) {
            self.centre = centre
            self.fixedVariance = fixedVariance
            self.minimumStandardDeviation = minimumStandardDeviation
        }
    }

    /// The two forms of the offline score; both are increasing in φ_obs.
    public enum OfflineForm: String, Sendable, Codable, CaseIterable {
        /// Φ(z), in [0, 1].
        case probability
        /// −log(1 − Φ(z)) = −log Q(z), in (0, ∞): no saturation. The default.
        case logSurvival
    }

    // MARK: φ

    /// φ = z_y − logsumexp_{c≠y} z_c from one row of K ≥ 2 logits, in Double with the largest other logit
    /// factored out, so it is finite for any finite logits (+∞ only if every other logit is −∞).
    public static func logitScaledConfidence<Row: Collection<Float>>(logits row: Row, label: Int) -> Double {
        precondition(row.count >= 2, "φ needs at least two classes")
        return Double(SafeMath.entry(row, label)) - SafeMath.logSumExp(row, skipping: label)
    }

    /// φ of N samples from row-major [N, K] logits.
    public static func logitScaledConfidences(logits: [Float], labels: [Int], classes: Int) -> [Double] {
        precondition(classes >= 2 && logits.count == labels.count * classes,
                     "logits must be [N, K] with N = \(labels.count) labels and K = \(classes) ≥ 2")
        return labels.indices.map { n in
            logitScaledConfidence(logits: logits[n * classes..<(n + 1) * classes], label: labels[n])
        }
    }

    /// φ from probabilities when the logits are gone: log p_y − log Σ_{c≠y} p_c (the sum of the others
    /// instead of 1 − p_y, which cancels when p_y ≈ 1), both clamped to [1e-12, 1], so |φ| ≤ 27.64.
    public static func logitScaledConfidence<Row: Collection<Float>>(probabilities row: Row, label: Int) -> Double {
        let py = Double(SafeMath.entry(row, label))
        var others = 0.0
        for (c, p) in row.enumerated() where c != label { others += Double(p) }
        return SafeMath.clampedLog(py) - SafeMath.clampedLog(others)
    }

    // MARK: Scores of one example

    /// The online score log Λ = log N(φ_obs; μ_in, σ_in²) − log N(φ_obs; μ_out, σ_out²); higher = member.
    public static func onlineScore(observed: Double, in inside: GaussianFit, out outside: GaussianFit) -> Double {
        inside.logDensity(observed) - outside.logDensity(observed)
    }

    /// The offline score Φ((φ_obs − μ_out)/σ_out) ∈ [0, 1]; higher = member.
    public static func offlineScore(observed: Double, out outside: GaussianFit) -> Double {
        SafeMath.normalCDF(outside.standardScore(observed))
    }

    /// The offline score in log-survival form, −log(1 − Φ(z)) with z = (φ_obs − μ_out)/σ_out: increasing in
    /// φ_obs like Φ(z), finite and still increasing where Φ(z) has rounded to 1; higher = member.
    public static func offlineLogSurvivalScore(observed: Double, out outside: GaussianFit) -> Double {
        -SafeMath.logSurvival(outside.standardScore(observed))
    }

    // MARK: Scores of many examples

    /// The pooled within-example standard deviation of per-example observations,
    ///
    ///     σ = √( Σ_e Σ_i (φ_{e,i} − φ̄_e)² / Σ_e n_e ),
    ///
    /// the fixed-variance σ (examples without observations add nothing). Nil if there are no observations.
    public static func pooledStandardDeviation(_ observations: [[Double]]) -> Double? {
        let count = observations.reduce(0) { $0 + $1.count }
        guard count > 0 else { return nil }
        let squares = observations.reduce(0) { $0 + GaussianFit.sumOfSquaredDeviations($1) }
        return (squares / Double(count)).squareRoot()
    }

    /// Online scores of N examples: `observed[e]` is the target's φ on example e, `inObservations[e]` and
    /// `outObservations[e]` the shadow models' (at least one each).
    public static func onlineScores(
        observed: [Double], inObservations: [[Double]], outObservations: [[Double]], options: Options = Options()
    ) -> [Double] {
        precondition(observed.count == inObservations.count && observed.count == outObservations.count,
                     "one IN and one OUT list per observed example")
        let inFits = fits(inObservations, options)
        let outFits = fits(outObservations, options)
        return observed.indices.map { onlineScore(observed: observed[$0], in: inFits[$0], out: outFits[$0]) }
    }

    /// Offline scores of N examples from OUT observations only, in the given form (log-survival by default).
    public static func offlineScores(
        observed: [Double], outObservations: [[Double]], options: Options = Options(),
        form: OfflineForm = .logSurvival
    ) -> [Double] {
        precondition(observed.count == outObservations.count, "one OUT list per observed example")
        let outFits = fits(outObservations, options)
        return observed.indices.map {
            switch form {
            case .probability: offlineScore(observed: observed[$0], out: outFits[$0])
            case .logSurvival: offlineLogSurvivalScore(observed: observed[$0], out: outFits[$0])
            }
        }
    }

    /// Per-example Gaussian fits of per-example observations (at least one each), with each example's σ
    /// or, with `options.fixedVariance`, the σ pooled over all of them: what `onlineScores` and
    /// `offlineScores` score against, for callers that fit once and score many queries.
    public static func fits(_ observations: [[Double]], _ options: Options) -> [GaussianFit] {
        precondition(observations.allSatisfy { !$0.isEmpty }, "every example needs at least one shadow observation")
        guard options.fixedVariance else {
            let minimum = options.minimumStandardDeviation
            return observations.map {
                GaussianFit(fitting: $0, centre: options.centre, minimumStandardDeviation: minimum)
            }
        }
        let sigma = max(options.minimumStandardDeviation, pooledStandardDeviation(observations) ?? 0)
        return observations.map { GaussianFit(fitting: $0, centre: options.centre, standardDeviation: sigma) }
    }
}
