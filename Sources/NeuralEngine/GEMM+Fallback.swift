import Dispatch

extension GEMM {
    /// The built-in kernel `sgemm` runs when no BLAS library can be loaded (or `MEDSILO_BLAS=fallback` asks
    /// for it): same contract as `sgemm`, in plain Swift.
    ///
    /// op(A) and op(B) are first copied into row-major order when transposed, so one kernel serves all four
    /// cases. The kernel computes a tile of 4 rows × 8 columns of C at a time, keeping the tile in registers
    /// while it runs over k: for each p, one row segment of op(B) (8 floats) is multiplied by the 4 scalars
    /// A[i…i+3, p] and added to the 4 accumulators. Column blocks are the outer loop so the k×8 panel of B
    /// stays in cache across the row blocks. Sums are in Float, in p order 0…k−1, with separate multiply and
    /// add (no FMA: the baseline x86-64 target has none, and a software fma per lane would be slow).
    ///
    /// With `threads` > 1 and enough work, the row blocks are split into `threads` contiguous ranges run
    /// concurrently. Every element of C is still computed by one thread in the same order, so the result
    /// does not depend on `threads`.
    public static func fallback(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1
    ) {
        guard m > 0, n > 0 else { return }
        let packedA = transA ? transposed(a, rows: k, columns: m, stride: lda) : nil
        let packedB = transB ? transposed(b, rows: n, columns: k, stride: ldb) : nil
        defer {
            packedA?.deallocate()
            packedB?.deallocate()
        }
        let operands = Operands(
            a: packedA.map { UnsafePointer($0) } ?? a, aStride: transA ? k : lda,
            b: packedB.map { UnsafePointer($0) } ?? b, bStride: transB ? n : ldb,
            c: c, ldc: ldc, n: n, k: k, alpha: alpha, beta: beta)
        let blocks = (m + rowsPerTile - 1) / rowsPerTile
        // Below about a million flops, starting threads costs more than it saves.
        let parts = 2 * m * n * k < 1 << 20 ? 1 : max(1, min(threads, blocks))
        if parts == 1 {
            operands.run(rows: 0..<m)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = blocks * part / parts * rowsPerTile
            let last = min(m, blocks * (part + 1) / parts * rowsPerTile)
            operands.run(rows: first..<last)
        }
    }

    private static let rowsPerTile = 4
    private static let columnsPerTile = 8

    /// A copy of the `rows`×`columns` matrix at `source` (row stride `stride`), transposed into a dense
    /// `columns`×`rows` row-major buffer the caller deallocates.
    private static func transposed(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int
    ) -> UnsafeMutablePointer<Float> {
        let out = UnsafeMutablePointer<Float>.allocate(capacity: rows * columns)
        for r in 0..<rows {
            for col in 0..<columns { out[col * rows + r] = source[r * stride + col] }
        }
        return out
    }

    /// Row-major op(A) (m×k) and op(B) (k×n), and C: what one thread needs to fill a range of rows of C.
    /// Pointers are only read, or written at disjoint rows by each thread.
    private struct Operands: @unchecked Sendable {
        let a: UnsafePointer<Float>, aStride: Int
        let b: UnsafePointer<Float>, bStride: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let n: Int, k: Int, alpha: Float, beta: Float

        /// C[rows, 0..<n] = α · op(A)[rows, :] · op(B) + β · C[rows, :].
        func run(rows: Range<Int>) {
            let width = GEMM.columnsPerTile
            let vectorColumns = n / width * width
            var j = 0
            while j < vectorColumns {
                var i = rows.lowerBound
                while i < rows.upperBound {
                    tile(row: i, count: min(GEMM.rowsPerTile, rows.upperBound - i), column: j)
                    i += GEMM.rowsPerTile
                }
                j += width
            }
            for i in rows {
                for col in vectorColumns..<n { scalar(row: i, column: col) }
            }
        }

        /// Up to 4 rows × 8 columns starting at (`row`, `column`). Rows past `count` reuse row `row`'s data
        /// (no branch in the loop) and are not stored.
        @inline(__always)
        private func tile(row: Int, count: Int, column: Int) {
            let a0 = a + row * aStride
            let a1 = count > 1 ? a0 + aStride : a0
            let a2 = count > 2 ? a0 + 2 * aStride : a0
            let a3 = count > 3 ? a0 + 3 * aStride : a0
            var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
            var bp = UnsafeRawPointer(b + column)
            let bStep = bStride * MemoryLayout<Float>.stride
            for p in 0..<k {
                let v = bp.loadUnaligned(as: SIMD8<Float>.self)
                s0 += v * a0[p]
                s1 += v * a1[p]
                s2 += v * a2[p]
                s3 += v * a3[p]
                bp += bStep
            }
            store(s0, row: row, column: column)
            if count > 1 { store(s1, row: row + 1, column: column) }
            if count > 2 { store(s2, row: row + 2, column: column) }
            if count > 3 { store(s3, row: row + 3, column: column) }
        }

        /// C[row, column…column+7] = α · sum + β · C (C not read when β = 0, so NaN there does not leak).
        @inline(__always)
        private func store(_ sum: SIMD8<Float>, row: Int, column: Int) {
            let target = UnsafeMutableRawPointer(c + row * ldc + column)
            var value = sum * alpha
            if beta != 0 { value += target.loadUnaligned(as: SIMD8<Float>.self) * beta }
            target.storeBytes(of: value, as: SIMD8<Float>.self)
        }

        /// One element, same arithmetic as a lane of `tile`.
        private func scalar(row: Int, column: Int) {
            var sum: Float = 0
            let ar = a + row * aStride
            for p in 0..<k { sum += b[p * bStride + column] * ar[p] }
            let target = c + row * ldc + column
            target.pointee = beta == 0 ? sum * alpha : sum * alpha + target.pointee * beta
        }
    }
}
