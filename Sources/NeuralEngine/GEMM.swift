/// Single-precision matrix multiply, the engine's one hot kernel: convolutions (as im2col × weights)
/// and dense layers all go through `GEMM.sgemm`.
///
/// Row-major: C (m×n) = α · op(A) · op(B) + β · C, where op(A) is m×k (A stored m×k with leading
/// dimension lda, or k×m transposed), op(B) is k×n (B stored k×n, or n×k transposed).
public enum GEMM {
    /// Runs the multiply on the selected backend (`backend`): OpenBLAS's `cblas_sgemm`, or `fallback`.
    ///
    /// Contract, as in CBLAS: leading dimensions are at least the stored row length (lda ≥ k, or m when
    /// transposed; ldb ≥ n, or k when transposed; ldc ≥ n); when β = 0, C is written without being read, so
    /// whatever it held (NaN included) does not reach the result. With k = 0, C becomes β·C. Dimensions
    /// must fit in Int32. Violations are programmer errors and trap.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM.sgemm: negative dimension in \(m)×\(n)×\(k)")
        guard m > 0, n > 0 else { return }
        precondition(ldc >= n, "GEMM.sgemm: ldc \(ldc) < n \(n)")
        guard k > 0 else {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        precondition(lda >= (transA ? m : k), "GEMM.sgemm: lda \(lda) < \(transA ? "m" : "k") \(transA ? m : k)")
        precondition(ldb >= (transB ? k : n), "GEMM.sgemm: ldb \(ldb) < \(transB ? "k" : "n") \(transB ? k : n)")
        let limit = Int(Int32.max)
        precondition(
            max(m, n, k, lda, ldb, ldc) <= limit, "GEMM.sgemm: a dimension exceeds Int32 (\(m)×\(n)×\(k))")
        switch active.engine {
        case .openBLAS(let library):
            library.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc)
        case .fallback:
            fallback(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, threads: threads)
        }
    }

    /// C = β·C over m×n (zero when β = 0, without reading C).
    private static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
        }
    }

    /// The triple loop, in Double accumulation: the reference every backend is checked against.
    public static func reference(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let previous = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * Float(sum) + previous
            }
        }
    }
}
