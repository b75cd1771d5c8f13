import NeuralEngine

/// The shared maths of federated unlearning, as free functions over whole models.
///
/// Every model, update and step is one flat Float32 vector in a `ParameterLayout`'s order (see
/// `Parameters`), so erasing a hospital is vector arithmetic: w ∈ ℝᵈ is a global model, Δ = w_end − w_start
/// an update (MedSilo's sign: adding Δ applies it), and a *block* is a range of coordinates, usually one
/// parameter tensor (`blocks(of:)`). Norms and dot products are accumulated in Double and results rounded
/// to Float32 once.
///
/// This file holds Halimi et al.'s reference ball (arXiv 2207.05521, METHODS §2.4);
/// `UnlearningMath+FedEraser.swift` FedEraser's calibrated updates (Liu et al. 2021, METHODS §2.5);
/// `UnlearningMath+Merge.swift` the server-side pre-erasure and the guarded merge of AFU-IC's phase U
/// (METHODS §1.3); `ForgetBasis` the invariance calibration of phase C (METHODS §1.4).
public enum UnlearningMath {
    /// One block per parameter tensor of `layout`, in layout order: the default blocking of FedEraser's
    /// calibration and of the forget basis. (Batch norm's running statistics are state buffers, not
    /// parameters, so they are in no block.)
    public static func blocks(of layout: ParameterLayout) -> [Range<Int>] {
        layout.entries.map(\.range)
    }

    /// Halimi et al.'s reference model, the average of the other hospitals' models computed from the
    /// global model and the target's own last model:
    ///
    ///     w_ref = (N·w − w_target) / (N − 1)
    ///
    /// where w = (1/N) Σᵢ wᵢ is the global model (an unweighted FedAvg over N hospitals) and w_target the
    /// target's last local model. Requires N ≥ 2: with one hospital there is no one else to average.
    public static func referenceModel(global: [Float], target: [Float], hospitals: Int) -> [Float] {
        precondition(hospitals >= 2, "a reference model needs at least two hospitals, got \(hospitals)")
        precondition(global.count == target.count, "global and target models of different lengths")
        let n = Double(hospitals)
        return zip(global, target).map { w, t in Float((n * Double(w) - Double(t)) / (n - 1)) }
    }

    /// The Euclidean distance ‖a − b‖₂.
    public static func distance(_ a: [Float], _ b: [Float]) -> Double {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in VectorMath.distance(x, y) } }
    }

    /// Projects `w` onto the ball Ω = {v : ‖v − c‖₂ ≤ δ} (Halimi et al.'s P_Ω after each ascent step):
    ///
    ///     if ‖w − c‖ > δ:  w ← c + (w − c) · δ/‖w − c‖
    ///
    /// so a point outside lands on the sphere along the same ray from c, and a point inside (or on the
    /// sphere) is left exactly as it is. Returns whether it projected.
    @discardableResult
    public static func projectIntoBall(_ w: inout [Float], center: [Float], radius: Double) -> Bool {
        precondition(radius >= 0, "a ball's radius cannot be negative, got \(radius)")
        precondition(w.count == center.count, "point and center of different lengths")
        let d = distance(w, center)
        guard d > radius else { return false }
        let scale = radius / d
        for i in w.indices {
            let c = Double(center[i])
            w[i] = Float(c + (Double(w[i]) - c) * scale)
        }
        return true
    }

    /// Halimi et al.'s radius for the reference ball, from their code: a third of the mean distance from
    /// the reference model to randomly initialised models,
    ///
    ///     δ = (1/R) Σᵣ ‖w_ref − w_rand,r‖₂ / 3
    ///
    /// (10 initialisations in their code; the caller draws them, with its own seeded generator). METHODS
    /// §1.7 found this 5–8× larger than an erasure needs, so treat it as an upper bound.
    public static func halimiRadius(reference: [Float], randomModels: [[Float]]) -> Double {
        precondition(!randomModels.isEmpty, "the radius needs at least one random model")
        let total = randomModels.reduce(0.0) { $0 + distance(reference, $1) }
        return total / Double(randomModels.count) / 3
    }
}
