import Seeding
import Testing
import TestSupport

@testable import NeuralEngine

#if canImport(Glibc)
import Glibc
#endif

/// The selected backend (and the built-in fallback kernel) against `GEMM.reference` at odd shapes.
///
/// Tolerance: a dot product of length k summed in Float32 in any order (blocked, FMA or not) is within
/// γ_k·S of the exact value, γ_k ≈ k·u, u = 2⁻²⁴, S = Σ|a·b| (Higham, Accuracy and Stability of Numerical
/// Algorithms, §3.1); scaling by α, adding β·C and the reference's own final rounding add a few u. The test
/// allows |C − C_ref| ≤ (k + 8)·2⁻²³·(|α|·S + |β·C₀|), about twice that bound; a wrong transpose, a
/// skipped β or a reduced-precision kernel misses it by orders of magnitude.
@Suite struct BLASBackendTests {
    enum Kernel: String, CaseIterable, Sendable {
        case selected, fallbackOneThread, fallbackTwoThreads
    }

    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 13, 5), (65, 33, 17), (257, 129, 65)]

    @Test(arguments: [0, 1, 2, 3], [(false, false), (false, true), (true, false), (true, true)])
    func matchesReference(shapeIndex: Int, transpose: (Bool, Bool)) {
        let (m, n, k) = Self.shapes[shapeIndex]
        let (transA, transB) = transpose
        // Tight leading dimensions with NaN in C and β = 0; padded ones with β ≠ 0; padded with NaN in C.
        let variants: [(pad: Int, alpha: Float, beta: Float, nanC: Bool)] = [
            (0, 1, 0, true), (3, 0.5, 0.75, false), (5, -1.5, 0, true),
        ]
        for kernel in Kernel.allCases {
            for (index, variant) in variants.enumerated() {
                let problem = Problem(
                    m: m, n: n, k: k, transA: transA, transB: transB, pad: variant.pad, alpha: variant.alpha,
                    beta: variant.beta, nanC: variant.nanC, seed: UInt64(1000 * shapeIndex + 10 * index + 1))
                let expected = problem.run(GEMM.reference)
                let actual = problem.run { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                    switch kernel {
                    case .selected:
                        GEMM.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                    case .fallbackOneThread, .fallbackTwoThreads:
                        GEMM.fallback(
                            transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c,
                            ldc: ldc, threads: kernel == .fallbackOneThread ? 1 : 2)
                    }
                }
                let context = "\(kernel) \(m)×\(n)×\(k) transA \(transA) transB \(transB) variant \(index)"
                #expect(problem.worstScaledError(actual, expected) <= problem.tolerance, "\(context)")
                #expect(problem.paddingUntouched(actual), "\(context): C's padding columns were written")
            }
        }
    }

    @Test func zeroInnerDimensionScalesCAndEmptyShapesDoNothing() {
        var c: [Float] = [1, 2, 3, .nan, 4, 5, 6, .nan]  // 2×3 with ldc 4
        let a: [Float] = [0], b: [Float] = [0]
        c.withUnsafeMutableBufferPointer { c in
            GEMM.sgemm(transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1, a: a, lda: 1, b: b, ldb: 3, beta: 2, c: c.baseAddress!, ldc: 4)
        }
        #expect(Array(c[0..<3]) == [2, 4, 6] && Array(c[4..<7]) == [8, 10, 12] && c[3].isNaN && c[7].isNaN)
        c.withUnsafeMutableBufferPointer { c in
            GEMM.sgemm(transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1, a: a, lda: 1, b: b, ldb: 3, beta: 0, c: c.baseAddress!, ldc: 4)
            GEMM.sgemm(transA: false, transB: false, m: 0, n: 3, k: 5, alpha: 1, a: a, lda: 5, b: b, ldb: 3, beta: 0, c: c.baseAddress!, ldc: 4)
        }
        #expect(Array(c[0..<3]) == [0, 0, 0] && Array(c[4..<7]) == [0, 0, 0])
    }

    // MARK: Kernel choice.

    static let cpu = CPUInfo.current()
    static let requestsFallback = getenv(GEMM.backendVariable).map { String(cString: $0).lowercased() } == "fallback"

    @Test(
        .enabled(
            if: BLASBackendTests.cpu?.hasAVX512ForSkylakeXKernels == true,
            "this CPU lacks AVX-512 (F, CD, BW, DQ, VL), so there is no AVX-512 kernel to expect"),
        .enabled(if: !BLASBackendTests.requestsFallback, "MEDSILO_BLAS=fallback asks for the built-in kernel"))
    func openBLASRunsTheKernelChosenForThisCPU() throws {
        let backend = GEMM.backend
        try #require(
            backend.kind == .openBLAS,
            "no OpenBLAS in use (\(backend.selection)); scripts/install-deps.sh installs libopenblas0-pthread")
        #expect(backend.kernel.lowercased() != "prescott", "\(backend.selection)")
        if getenv("OPENBLAS_CORETYPE") == nil, let cpu = Self.cpu {
            let chosen = try #require(GEMM.openBLASCoreType(for: cpu))
            #expect(backend.kernel.lowercased() == chosen.name.lowercased(), "\(backend.selection)")
        }
        #expect(backend.version.hasPrefix("0."), "version parsed from \(backend.config)")
        #expect(backend.library?.contains("openblas") == true)
    }

    @Test func explicitFallbackAndMissingLibraryFallBackAndSayWhy() {
        let asked = GEMM.select(request: "fallback", cpu: nil)
        #expect(asked.description.kind == .fallback)
        #expect(asked.description.selection.contains("MEDSILO_BLAS=fallback"))
        let missing = GEMM.select(request: "/nonexistent/libopenblas.so.0", cpu: nil)
        #expect(missing.description.kind == .fallback)
        #expect(missing.description.selection.contains("/nonexistent/libopenblas.so.0"))
        #expect(missing.description.summary.contains("no BLAS library in use"))
    }

    static func cpu(vendor: String, family: Int, flags: String) -> CPUInfo {
        CPUInfo(parsing: "processor\t: 0\nvendor_id\t: \(vendor)\ncpu family\t: \(family)\nmodel\t\t: 1\nflags\t\t: \(flags)\n")
    }

    static let avx2 = "sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma"
    static let avx512 = avx2 + " avx512f avx512cd avx512bw avx512dq avx512vl"

    @Test(arguments: [
        ("AuthenticAMD", 25, avx512 + " avx512_bf16", "Haswell"),  // Zen 4: AVX2 kernels measured faster
        ("AuthenticAMD", 25, avx2, "Haswell"),  // Zen 3
        ("AuthenticAMD", 26, avx512 + " avx512_bf16", "Cooperlake"),  // Zen 5: full-width AVX-512
        ("GenuineIntel", 6, avx512 + " avx512_bf16 amx_tile", "Cooperlake"),  // Sapphire/Emerald Rapids
        ("GenuineIntel", 6, avx512, "SkylakeX"),  // Skylake-SP, Ice Lake-SP
        ("GenuineIntel", 6, avx2 + " avx512f", "Haswell"),  // AVX-512 F alone is not enough for SkylakeX
        ("GenuineIntel", 6, "sse sse2 ssse3 sse4_1 sse4_2 avx", "-"),  // left to OpenBLAS
    ])
    func coreTypeFollowsInstructionSets(vendor: String, family: Int, flags: String, expected: String) {
        let choice = GEMM.openBLASCoreType(for: Self.cpu(vendor: vendor, family: family, flags: flags))
        #expect((choice?.name ?? "-") == expected)
    }

    @Test func cpuInfoReadsTheFirstEntryAndCountsProcessors() {
        let text = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 17
            model name\t: AMD EPYC 9454 48-Core Processor
            flags\t\t: fpu avx2 avx512f sse

            processor\t: 1
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 17
            model name\t: something else
            flags\t\t: fpu

            """
        let info = CPUInfo(parsing: text)
        #expect(info.vendor == "AuthenticAMD" && info.family == 25 && info.model == 17)
        #expect(info.modelName == "AMD EPYC 9454 48-Core Processor")
        #expect(info.flags == ["avx2", "avx512f", "fpu", "sse"])
        #expect(info.simdFlags == ["avx2", "avx512f", "sse"])
        #expect(info.logicalCPUs == 2)
    }
}

/// Tests that change the thread count: one at a time, each restoring the count it found.
@Suite(.serialized) struct BLASThreadTests {
    /// cnn-large's conv3 forward over a batch of 64 (m = 64 channels, n = 64·16·16, k = 32·9): large enough
    /// for OpenBLAS to split it across threads.
    @Test(arguments: [1, 2])
    func sameThreadCountGivesIdenticalBits(threads: Int) {
        withEngineThreadsLocked { sameThreadCountGivesIdenticalBitsLocked(threads: threads) }
    }

    func sameThreadCountGivesIdenticalBitsLocked(threads: Int) {
        let previous = GEMM.threads
        defer { GEMM.setThreads(previous) }
        GEMM.setThreads(threads)
        #expect(GEMM.threads == threads && GEMM.backend.threads == threads)
        let problem = Problem(
            m: 64, n: 16384, k: 288, transA: false, transB: false, pad: 0, alpha: 1, beta: 0, nanC: true, seed: 42)
        let first = problem.run(GEMM.sgemm)
        let second = problem.run(GEMM.sgemm)
        #expect(first.map(\.bitPattern) == second.map(\.bitPattern))
        #expect(first.allSatisfy { $0.isFinite })
    }

    @Test func fallbackResultDoesNotDependOnThreads() {
        let problem = Problem(
            m: 257, n: 129, k: 65, transA: true, transB: false, pad: 2, alpha: 1, beta: 0.5, nanC: false, seed: 7)
        let one = problem.run { GEMM.fallback(transA: $0, transB: $1, m: $2, n: $3, k: $4, alpha: $5, a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12, threads: 1) }
        let two = problem.run { GEMM.fallback(transA: $0, transB: $1, m: $2, n: $3, k: $4, alpha: $5, a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12, threads: 2) }
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern))
    }
}

/// One multiply's operands: random A and B (uniform in [−1, 1)) in storage with `pad` extra columns per row
/// filled with NaN (a kernel reading them would poison its result), and C with `pad` extra columns of a
/// sentinel that must survive.
struct Problem {
    typealias Multiply = (
        Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int
    ) -> Void

    let m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float
    let lda: Int, ldb: Int, ldc: Int
    let a: [Float], b: [Float], c: [Float]
    static let sentinel: Float = -12345

    init(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, pad: Int, alpha: Float, beta: Float, nanC: Bool, seed: UInt64) {
        self.m = m
        self.n = n
        self.k = k
        self.transA = transA
        self.transB = transB
        self.alpha = alpha
        self.beta = beta
        var generator = SeededGenerator(seed: seed)
        func matrix(rows: Int, columns: Int, stride: Int, fill: () -> Float, padding: Float) -> [Float] {
            var values = [Float](repeating: padding, count: rows * stride)
            for r in 0..<rows { for col in 0..<columns { values[r * stride + col] = fill() } }
            return values
        }
        let random = { Float(generator.nextUnit() * 2 - 1) }
        let (aRows, aColumns) = transA ? (k, m) : (m, k)
        let (bRows, bColumns) = transB ? (n, k) : (k, n)
        lda = aColumns + pad
        ldb = bColumns + pad
        ldc = n + pad
        a = matrix(rows: aRows, columns: aColumns, stride: lda, fill: random, padding: .nan)
        b = matrix(rows: bRows, columns: bColumns, stride: ldb, fill: random, padding: .nan)
        c = matrix(rows: m, columns: n, stride: ldc, fill: nanC ? { .nan } : random, padding: Self.sentinel)
    }

    func run(_ multiply: Multiply) -> [Float] {
        var out = c
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    multiply(transA, transB, m, n, k, alpha, a.baseAddress!, lda, b.baseAddress!, ldb, beta, c.baseAddress!, ldc)
                }
            }
        }
        return out
    }

    var tolerance: Double { Double(k + 8) * 0x1p-23 }

    /// max over C of |actual − expected| / (|α|·Σ_p |op(A)_ip·op(B)_pj| + |β·C₀_ij|); infinite for NaN.
    func worstScaledError(_ actual: [Float], _ expected: [Float]) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var magnitude = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    magnitude += abs(Double(x) * Double(y))
                }
                let old = beta == 0 ? 0 : abs(Double(beta) * Double(c[i * ldc + j]))
                let scale = abs(Double(alpha)) * magnitude + old
                let difference = abs(Double(actual[i * ldc + j]) - Double(expected[i * ldc + j]))
                guard difference.isFinite else { return .infinity }
                worst = max(worst, scale == 0 ? difference : difference / scale)
            }
        }
        return worst
    }

    func paddingUntouched(_ actual: [Float]) -> Bool {
        (0..<m).allSatisfy { i in (n..<ldc).allSatisfy { actual[i * ldc + $0] == Self.sentinel } }
    }
}
