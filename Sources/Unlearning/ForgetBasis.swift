/// The forget subspace of AFU-IC's invariance calibration (METHODS §1.4): an orthonormal basis, block by
/// block, of the directions along which the model would relearn what was erased, each column oriented so
/// that +u_j points toward relearning.
///
/// **Generators.** g₁ = r = −Δ_unl = w_orig − w_unl, the direction the erasure undid (it points back toward
/// the model before erasure); then, optionally, the target's last stored updates Δ_u^t, which point toward
/// the target's knowledge (`init(erasure:storedUpdates:blocks:maxColumnsPerBlock:tolerance:)` builds this
/// list). Each generator is cut into the same blocks: one per parameter tensor (`UnlearningMath.blocks(of:)`,
/// the default of §1.4) or the single block `0..<d` for the whole vector. Coordinates in no block (tensors
/// left out on purpose) are never calibrated.
///
/// **Oriented Gram–Schmidt.** In each block b, for j = 1, 2, … in generator order:
///
///     v_j = g_j,b − Σ_{i<j} ⟨g_j,b, u_i⟩ u_i        (two passes, for numerical safety)
///     u_j = v_j / ‖v_j‖
///
/// skipping a generator whose residual is zero or ‖v_j‖ < tolerance·‖g₁,b‖ (tolerance 1e-3, as the
/// σ_j ≥ 1e-3·σ₁ cut of §1.4; if g₁,b is zero in a block, the first generator that gives the block a
/// column takes its place as the reference), and stopping at `maxColumnsPerBlock` columns (k ≤ 8).
/// Then ⟨u_j, g_j⟩ = ‖v_j‖ > 0: the relearning sign σ_j of §1.4 is +1 for every column by construction.
/// It must not be taken as sign⟨u_j, r⟩ instead, which is 0 for every column after the first, since they
/// are orthogonal to r (§1.7).
public struct ForgetBasis: Sendable, Equatable {
    /// The length d of the vectors the basis applies to.
    public let count: Int
    /// The blocks, in increasing order and disjoint.
    public let blocks: [Range<Int>]
    /// `columns[b][j]` is u_j of block b, `blocks[b].count` entries; orthonormal within the block. A block
    /// may have no column (every generator was zero or dependent there).
    public let columns: [[[Float]]]
    /// `sources[b][j]` is the index of the generator g that made `columns[b][j]`; ⟨u_j, g_b⟩ > 0.
    public let sources: [[Int]]

    /// The basis spanned by `generators` (g₁ first), block by block; see the type's documentation.
    public init(generators: [[Float]], blocks: [Range<Int>], maxColumnsPerBlock: Int = 8, tolerance: Double = 1e-3) {
        precondition(!generators.isEmpty, "a forget basis needs at least one generator")
        precondition(maxColumnsPerBlock >= 1, "at least one column per block, got \(maxColumnsPerBlock)")
        precondition(tolerance >= 0, "the tolerance cannot be negative, got \(tolerance)")
        let count = generators[0].count
        precondition(generators.allSatisfy { $0.count == count }, "generators of different lengths")
        VectorMath.checkBlocks(blocks, count: count)
        var columns: [[[Float]]] = []
        var sources: [[Int]] = []
        for block in blocks {
            let (blockColumns, blockSources) = Self.orthonormalise(
                generators, block: block, maxColumns: maxColumnsPerBlock, tolerance: tolerance)
            columns.append(blockColumns)
            sources.append(blockSources)
        }
        self.count = count
        self.blocks = blocks
        self.columns = columns
        self.sources = sources
    }

    /// The basis of AFU-IC after the merge of the erasure Δ_unl = w_unl − w_orig: generators r = −Δ_unl,
    /// then `storedUpdates`, the target's last m stored updates (m = 5 in §1.6) in the order they should
    /// claim columns.
    public init(
        erasure: [Float], storedUpdates: [[Float]] = [], blocks: [Range<Int>], maxColumnsPerBlock: Int = 8,
        tolerance: Double = 1e-3
    ) {
        let r = erasure.map { -$0 }
        self.init(
            generators: [r] + storedUpdates, blocks: blocks, maxColumnsPerBlock: maxColumnsPerBlock,
            tolerance: tolerance)
    }

    /// The number of columns over all blocks.
    public var columnCount: Int { columns.reduce(0) { $0 + $1.count } }

    /// c(w) = U_fᵀ(w − anchor) block by block: `coordinates(...)[b][j]` = ⟨u_j, w_b − anchor_b⟩, how far
    /// the model has moved toward relearning along u_j since `anchor` (w_unl).
    public func coordinates(of w: [Float], anchor: [Float]) -> [[Double]] {
        precondition(w.count == count && anchor.count == count, "vectors of another length than the basis's \(count)")
        return w.withUnsafeBufferPointer { w in
            anchor.withUnsafeBufferPointer { anchor in
                zip(blocks, columns).map { block, blockColumns in
                    blockColumns.map { Self.drift($0, block, w, anchor) }
                }
            }
        }
    }

    /// Calibrates an aggregated step δ (the change about to be applied, w ← w + δ) against relearning,
    /// block by block (METHODS §1.4 steps 1–4):
    ///
    ///     a_j = ⟨u_j, δ_b⟩
    ///     one-sided:  δ_b ← δ_b − Σ_{j : a_j > 0} a_j u_j     (only the part moving toward relearning)
    ///     two-sided:  δ_b ← δ_b − Σ_j a_j u_j                 (all of span U_f, FedOSD's rule; ablation a)
    ///     restoreNorm: δ ← δ · ‖δ_before‖ / ‖δ‖               (whole step, when the calibrated δ ≠ 0)
    ///
    /// Coordinates in no block, and everything orthogonal to the columns, are untouched (before the norm
    /// restore). A calibrated step shorter than 1e-6·‖δ_before‖ counts as zero and is not rescaled: it is
    /// the rounding left of a step that lay wholly in removed directions. Defaults follow §1.6: one-sided,
    /// norm restore on.
    @discardableResult
    public func calibrate(_ step: inout [Float], twoSided: Bool = false, restoreNorm: Bool = true)
        -> CalibrationReport
    {
        precondition(step.count == count, "a step of \(step.count) entries, basis of \(count)")
        let normBefore = step.withUnsafeBufferPointer { VectorMath.norm($0) }
        var removedSquared = 0.0
        var removed = 0
        for (block, blockColumns) in zip(blocks, columns) where !blockColumns.isEmpty {
            let coefficients = blockColumns.map { u in
                u.withUnsafeBufferPointer { u in step.withBlock(block) { VectorMath.dot(u, $0) } }
            }
            var work: [Double]? = nil
            for (u, a) in zip(blockColumns, coefficients) where twoSided ? a != 0 : a > 0 {
                if work == nil { work = step[block].map(Double.init) }
                for k in u.indices { work![k] -= a * Double(u[k]) }
                removedSquared += a * a
                removed += 1
            }
            if let work {
                for (k, i) in block.enumerated() { step[i] = Float(work[k]) }
            }
        }
        if restoreNorm, removed > 0 {
            let normAfter = step.withUnsafeBufferPointer { VectorMath.norm($0) }
            if normAfter > Self.restoreFloor * normBefore {
                let scale = normBefore / normAfter
                for i in step.indices { step[i] = Float(Double(step[i]) * scale) }
            }
        }
        return CalibrationReport(
            normBefore: normBefore, removedNorm: removedSquared.squareRoot(), componentsRemoved: removed)
    }

    /// The hard clamp after a step has been applied (METHODS §1.4 step 5), column by column:
    ///
    ///     c_j = ⟨u_j, w_b − anchor_b⟩;   if c_j > ε:  w_b ← w_b − (c_j − ε) u_j
    ///
    /// which brings the drift toward relearning since `anchor` (w_unl) back down to ε along u_j and leaves
    /// everything orthogonal to u_j alone. Returns how many clamps fired. After an exact one-sided
    /// calibration with ε = 0 it only catches what rounding lets through (§1.7).
    @discardableResult
    public func clampDrift(_ w: inout [Float], anchor: [Float], epsilon: Double = 0) -> Int {
        precondition(w.count == count && anchor.count == count, "vectors of another length than the basis's \(count)")
        var fired = 0
        w.withUnsafeMutableBufferPointer { w in
            anchor.withUnsafeBufferPointer { anchor in
                for (block, blockColumns) in zip(blocks, columns) {
                    for u in blockColumns {
                        let c = Self.drift(u, block, UnsafeBufferPointer(w), anchor)
                        guard c > epsilon else { continue }
                        let excess = c - epsilon
                        for (k, i) in block.enumerated() { w[i] = Float(Double(w[i]) - excess * Double(u[k])) }
                        fired += 1
                    }
                }
            }
        }
        return fired
    }

    /// Oriented Gram–Schmidt of the generators' entries in `block`, two modified passes per generator;
    /// returns the columns and the index of the generator behind each.
    private static func orthonormalise(
        _ generators: [[Float]], block: Range<Int>, maxColumns: Int, tolerance: Double
    ) -> (columns: [[Float]], sources: [Int]) {
        var columns: [[Float]] = []
        var sources: [Int] = []
        var reference: Double? = nil  // ‖g₁,b‖, or the first generator's to give a column if g₁,b = 0
        for (j, generator) in generators.enumerated() where columns.count < maxColumns {
            var v = generator[block].map(Double.init)
            let generatorNorm = norm(v)
            if j == 0, generatorNorm > 0 { reference = generatorNorm }
            for _ in 0..<2 {
                for u in columns {
                    var c = 0.0
                    for i in v.indices { c += Double(u[i]) * v[i] }
                    for i in v.indices { v[i] -= c * Double(u[i]) }
                }
            }
            let residual = norm(v)
            guard residual > 0, residual >= tolerance * (reference ?? generatorNorm) else { continue }
            if reference == nil { reference = generatorNorm }
            columns.append(v.map { Float($0 / residual) })
            sources.append(j)
        }
        return (columns, sources)
    }

    /// ⟨u, w_b − anchor_b⟩ for one column u of block b.
    private static func drift(
        _ u: [Float], _ block: Range<Int>, _ w: UnsafeBufferPointer<Float>, _ anchor: UnsafeBufferPointer<Float>
    ) -> Double {
        var c = 0.0
        for (k, i) in block.enumerated() { c += Double(u[k]) * (Double(w[i]) - Double(anchor[i])) }
        return c
    }

    /// Below restoreFloor·‖δ‖ a calibrated step counts as zero for the norm restore: what is left when a step
    /// lay entirely in the removed directions is rounding noise (about 1e-7·‖δ‖), which rescaling would blow
    /// up into a full-length step in an arbitrary direction.
    static let restoreFloor = 1e-6

    private static func norm(_ v: [Double]) -> Double {
        v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}

/// What one calibration did to a step.
public struct CalibrationReport: Sendable, Equatable {
    /// ‖δ‖ before calibration.
    public var normBefore: Double
    /// ‖δ − δ′‖ before any norm restore, √(Σ removed a_j²): the size of the part taken out.
    public var removedNorm: Double
    /// How many components a_j u_j were taken out, over all blocks.
    public var componentsRemoved: Int

    public init(normBefore: Double, removedNorm: Double, componentsRemoved: Int) {
        self.normBefore = normBefore
        self.removedNorm = removedNorm
        self.componentsRemoved = componentsRemoved
    }

    /// removedNorm / normBefore (0 for a zero step); §1.7 saw 1–5 % per step.
    public var removedFraction: Double { normBefore > 0 ? removedNorm / normBefore : 0 }
}
