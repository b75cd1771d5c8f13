/// How far an unlearned model is from the retrained one, and whether what it forgot comes back
/// (METHODS §3.2 and §3.4), as free functions on outputs, weights and accuracy curves.
public enum ForgettingMetrics {
    /// The mean output KL divergence of the unlearned model from the retrained one over a sample set S,
    ///
    ///     KL(w_R ‖ w_U) = (1/|S|) Σ_{x∈S} Σ_c p_R(c|x) · log( p_R(c|x) / p_U(c|x) ),
    ///
    /// from row-major [N, K] probabilities (METHODS §3.2, on S = D_f and S = D_test). Both probabilities
    /// inside the logs are clamped to [1e-12, 1], so a class the unlearned model rules out costs at most
    /// p_R·27.63 instead of +∞; a class with p_R = 0 adds exactly 0 (the limit of p log p). In nats. Nil for
    /// no samples.
    public static func meanKLDivergence(retrained: [Float], unlearned: [Float], classes: Int) -> Double? {
        precondition(classes > 0 && retrained.count == unlearned.count && retrained.count % classes == 0,
                     "retrained and unlearned probabilities must both be [N, K] with K = \(classes)")
        let samples = retrained.count / classes
        guard samples > 0 else { return nil }
        var total = 0.0
        for i in retrained.indices {
            let pr = Double(retrained[i])
            guard pr > 0 else { continue }
            total += pr * (SafeMath.clampedLog(pr) - SafeMath.clampedLog(Double(unlearned[i])))
        }
        return total / Double(samples)
    }

    /// The weight distance ‖w_U − w_R‖₂ between two flat parameter vectors, summed in Double. A weak
    /// metric alone (METHODS §3.2, after Halimi et al.): permuting hidden units changes it without changing
    /// the function, and retraining itself depends on the seed.
    public static func weightDistance(_ unlearned: [Float], _ retrained: [Float]) -> Double {
        precondition(unlearned.count == retrained.count, "parameter vectors of different lengths")
        var sum = 0.0
        for i in unlearned.indices {
            let d = Double(unlearned[i]) - Double(retrained[i])
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// The resurfacing rate after H rounds of federated training without the target (METHODS §3.4,
    /// MedSilo's proposed definition):
    ///
    ///     RR_H = max(0, a_H − a_0) / max(ε, a_O − a_0)
    ///
    /// where a is the forget-set accuracy (or the backdoor's success rate), a_0 the unlearned model's
    /// right after unlearning, a_H after H rounds, and a_O the original model's. 0 = nothing came back,
    /// 1 = back to where the original model was. ε (default 0.01, one point of accuracy when a is a
    /// fraction) keeps the rate finite when unlearning hardly lowered a; then RR counts the rise in units
    /// of ε.
    public static func resurfacingRate(original: Double, start: Double, end: Double, epsilon: Double = 0.01)
        -> Double
    {
        precondition(epsilon > 0, "ε must be positive")
        return max(0, end - start) / max(epsilon, original - start)
    }

    /// The peak resurfacing over a curve a_0, a_1, …, a_H (`curve[0]` = a_0, right after unlearning), in
    /// the same normalisation as `resurfacingRate`:
    ///
    ///     peak = max_t max(0, a_t − a_0) / max(ε, a_O − a_0),
    ///
    /// which a mean or the end value would hide when knowledge comes back and fades again. Nil for an
    /// empty curve.
    public static func peakResurfacing(curve: [Double], original: Double, epsilon: Double = 0.01) -> Double? {
        guard let start = curve.first, let highest = curve.max() else { return nil }
        return resurfacingRate(original: original, start: start, end: highest, epsilon: epsilon)
    }

    /// The relearn time (Golatkar et al., CVPR 2020; Tarun et al.): the first index t with
    /// a_t ≥ fraction · a_O in `accuracies`, where `accuracies[t]` is the forget-set accuracy after t
    /// fine-tuning steps (or rounds with the target back), `accuracies[0]` the unlearned model before any,
    /// and a_O the original model's. `fraction` defaults to 1 (back to the original's level); 0.9 is the
    /// other common choice. Nil if the curve never gets there: report it as "more than count − 1 steps".
    public static func relearnTime(accuracies: [Double], original: Double, fraction: Double = 1) -> Int? {
        precondition(fraction > 0, "the relearn fraction must be positive")
        let target = fraction * original
        return accuracies.firstIndex { $0 >= target }
    }
}
