/// FedEraser (Liu et al., IWQoS 2021; METHODS §2.5): rebuild the global model from the stored rounds
/// without the target, taking each retained hospital's step size from its stored update and its
/// direction from a short calibration training on the model being rebuilt.
extension UnlearningMath {
    /// FedEraser's calibrated update Ũ of one hospital at one stored round, block by block:
    ///
    ///     Ũ_b = ‖U_b‖ · Û_b / ‖Û_b‖      (Ũ_b = 0 when Û_b = 0)
    ///
    /// with U the update the server stored in the original training (`stored`, the magnitude) and Û the
    /// update from calibration training (`fresh`, the direction). `blocks` must tile the vector: one range
    /// per parameter tensor (`blocks(of:)`, as FedEraser's code calibrates layer by layer) or the single
    /// range `0..<count` for the whole vector.
    public static func fedEraserUpdate(stored: [Float], fresh: [Float], blocks: [Range<Int>]) -> [Float] {
        precondition(stored.count == fresh.count, "stored and fresh updates of different lengths")
        var end = 0
        for block in blocks {
            precondition(block.lowerBound == end, "blocks must tile the vector in order; a gap or overlap at \(end)")
            end = block.upperBound
        }
        precondition(end == stored.count, "blocks cover \(end) of \(stored.count) entries")
        var calibrated = [Float](repeating: 0, count: stored.count)
        for block in blocks {
            let magnitude = stored.withBlock(block) { VectorMath.norm($0) }
            let freshNorm = fresh.withBlock(block) { VectorMath.norm($0) }
            guard freshNorm > 0 else { continue }
            let scale = magnitude / freshNorm
            for i in block { calibrated[i] = Float(Double(fresh[i]) * scale) }
        }
        return calibrated
    }

    /// FedEraser's aggregation of the calibrated updates, a weighted mean:
    ///
    ///     Ũ = Σₖ wₖ Ũₖ / Σₖ wₖ
    ///
    /// with wₖ the hospitals' sample counts nₖ. (The FedEraser notebook divides by (K − 1)·Σw instead; this
    /// is the normalised mean the paper states.) The rebuilt model is then M̃ ← M̃ + Ũ.
    public static func weightedMean(updates: [[Float]], weights: [Double]) -> [Float] {
        precondition(!updates.isEmpty && updates.count == weights.count, "one weight per update")
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights must sum to more than 0")
        let count = updates[0].count
        var sum = [Double](repeating: 0, count: count)
        for (update, weight) in zip(updates, weights) {
            precondition(update.count == count, "updates of different lengths")
            update.withUnsafeBufferPointer { u in
                for i in 0..<count { sum[i] += weight * Double(u[i]) }
            }
        }
        return sum.map { Float($0 / total) }
    }
}
