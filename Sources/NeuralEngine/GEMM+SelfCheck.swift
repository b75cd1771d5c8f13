import Seeding

extension GEMM {
    /// The outcome of `selfCheck`: the worst scaled error of `sgemm` against `reference` and the bound.
    public struct SelfCheck: Sendable, Equatable, Codable {
        public var m: Int, n: Int, k: Int
        /// max over C and over the four transpose combinations of |C − C_ref| / (|α|·Σ_p|a_ip·b_pj| + |β·C₀|).
        public var maxError: Double
        /// (k + 8)·2⁻²³: about twice the worst-case rounding of a length-k Float32 dot product (k·2⁻²⁴ of
        /// Σ|a·b|, whatever the summation order) plus the few roundings of α, β and the reference's own.
        public var tolerance: Double
        public var passed: Bool { maxError <= tolerance }
    }

    /// Multiplies random m×k and k×n matrices (uniform in [−1, 1), α = 1.5, β = 0.5 over a random C) with
    /// `sgemm` and with `reference`, for all four transpose combinations, and compares them.
    public static func selfCheck(m: Int = 257, n: Int = 129, k: Int = 65, seed: UInt64 = 1) -> SelfCheck {
        precondition(m > 0 && n > 0 && k > 0, "GEMM.selfCheck: empty shape")
        var generator = SeededGenerator(seed: seed)
        let random = { (count: Int) in (0..<count).map { _ in Float(generator.nextUnit() * 2 - 1) } }
        let a = random(m * k), b = random(k * n), c0 = random(m * n)
        let alpha: Float = 1.5, beta: Float = 0.5
        var worst = 0.0
        for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
            let lda = transA ? m : k, ldb = transB ? k : n
            var actual = c0, expected = c0
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    actual.withUnsafeMutableBufferPointer { c in
                        sgemm(
                            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress!, lda: lda,
                            b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: n)
                    }
                    expected.withUnsafeMutableBufferPointer { c in
                        reference(
                            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.baseAddress!, lda: lda,
                            b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: n)
                    }
                }
            }
            for i in 0..<m {
                for j in 0..<n {
                    var magnitude = 0.0
                    for p in 0..<k {
                        let x = transA ? a[p * lda + i] : a[i * lda + p]
                        let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                        magnitude += abs(Double(x) * Double(y))
                    }
                    let scale = Double(abs(alpha)) * magnitude + abs(Double(beta) * Double(c0[i * n + j]))
                    let difference = abs(Double(actual[i * n + j]) - Double(expected[i * n + j]))
                    worst = difference.isFinite ? max(worst, difference / max(scale, .leastNormalMagnitude)) : .infinity
                }
            }
        }
        return SelfCheck(m: m, n: n, k: k, maxError: worst, tolerance: Double(k + 8) * 0x1p-23)
    }

    /// GFLOP/s (2·m·n·k per multiply) of `multiply` run back to back on fixed random operands for about
    /// `seconds`, after one untimed call. `multiply` receives A, B and C stored without padding.
    public static func throughput(
        m: Int, n: Int, k: Int, seconds: Double,
        _ multiply: (_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) -> Void
    ) -> Double {
        var generator = SeededGenerator(seed: 3)
        let a = (0..<(m * k)).map { _ in Float(generator.nextUnit()) }
        let b = (0..<(k * n)).map { _ in Float(generator.nextUnit()) }
        var c = [Float](repeating: 0, count: m * n)
        let clock = ContinuousClock()
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    multiply(a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    let budget = Duration.nanoseconds(Int64(seconds * 1e9))
                    var calls = 0
                    let start = clock.now
                    var elapsed = Duration.zero
                    repeat {
                        multiply(a.baseAddress!, b.baseAddress!, c.baseAddress!)
                        calls += 1
                        elapsed = clock.now - start
                    } while elapsed < budget
                    let (whole, attoseconds) = elapsed.components
                    let time = Double(whole) + Double(attoseconds) * 1e-18
                    return 2 * Double(m) * Double(n) * Double(k) * Double(calls) / time / 1e9
                }
            }
        }
    }
}
