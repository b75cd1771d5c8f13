/// AFU-IC's phase U on the server (METHODS §1.3): the optional pre-erasure from the target's stored
/// updates, and the merge of the target's erasure into a global model that has moved on meanwhile.
extension UnlearningMath {
    /// The target's stored contribution to the global model, for server-side pre-erasure (U0):
    ///
    ///     C = Σₜ sₜ · Δₜ
    ///
    /// with Δₜ the target's stored updates (w_end − w_start, MedSilo's sign) and sₜ the weight each carried
    /// into the model when it was applied (η_g · s(τₜ)/K under FedBuff, the sample share under FedAvg). The
    /// server then pre-erases with w ← w − β·C, β ∈ [0.5, 1] (METHODS §1.3; β = 1 collapsed a prototype's
    /// accuracy for a while, §1.7).
    public static func contribution(updates: [(delta: [Float], weight: Double)]) -> [Float] {
        precondition(!updates.isEmpty, "a contribution needs at least one stored update")
        let count = updates[0].delta.count
        var sum = [Double](repeating: 0, count: count)
        for (delta, weight) in updates {
            precondition(delta.count == count, "stored updates of different lengths")
            delta.withUnsafeBufferPointer { d in
                for i in 0..<count { sum[i] += weight * Double(d[i]) }
            }
        }
        return sum.map { Float($0) }
    }

    /// Merges the target's erasure Δ_unl = w_unl − w_orig into the current global model with a guarded
    /// line search (METHODS §1.3, default after §1.7):
    ///
    ///     w(γ) = w_cur + γ · Δ_unl,   γ ∈ gammas, tried in order
    ///
    /// and returns the first w(γ) that `accept` takes (typically: accuracy on a server probe set stays above
    /// a floor) with its γ. `accept` is called once per candidate, in order, and not after the first
    /// acceptance.
    ///
    /// When no γ is accepted it returns `current` unchanged with γ = nil: the guard exists to keep a
    /// damaging merge out, so applying the smallest rejected step anyway would defeat it; as with an
    /// aggregation that has no result, the previous model stands, and the caller decides what to do (retry
    /// with smaller steps, log, apply regardless).
    public static func lineSearchMerge(
        current: [Float], delta: [Float], gammas: [Double] = [1, 0.5, 0.25], accept: ([Float]) throws -> Bool
    ) rethrows -> (weights: [Float], gamma: Double?) {
        precondition(current.count == delta.count, "model and erasure of different lengths")
        for gamma in gammas {
            let candidate = zip(current, delta).map { w, d in Float(Double(w) + gamma * Double(d)) }
            if try accept(candidate) { return (candidate, gamma) }
        }
        return (current, nil)
    }
}
