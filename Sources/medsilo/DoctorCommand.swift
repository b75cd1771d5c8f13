import ArgumentParser
import NeuralEngine

/// `medsilo doctor`: what the engine runs on here — the BLAS backend and its kernel, the CPU — and whether
/// it computes correctly and fast.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report the BLAS backend, its kernel and threads, the CPU, a correctness check and a speed figure.",
        discussion: """
            The self-check multiplies 257×129×65 matrices in all four transpose combinations and compares \
            with the reference triple loop; the speed figure is GFLOP/s of 512×512×512 multiplies for about a \
            second (--seconds, --size). Exits 1 when the self-check fails. Override the backend with MEDSILO_BLAS \
            (fallback, or a library path) and OpenBLAS's kernel with OPENBLAS_CORETYPE; see docs/engine.md.
            """
    )

    @Option(help: "Threads for the multiplies (default: the backend's own default).")
    var threads: Int?

    @Option(help: "Seconds for the speed figure.")
    var seconds: Double = 1

    @Option(help: "Side of the square matrices of the speed figure.")
    var size: Int = 512

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive") }
        if size < 1 { throw ValidationError("--size must be at least 1") }
    }

    struct Report: Encodable {
        struct CPU: Encodable {
            var modelName: String
            var vendor: String
            var family: Int
            var model: Int
            var logicalCPUs: Int
            var simdFlags: [String]
        }

        /// "ok"; "fallback" when no BLAS library is in use (correct but about ten times slower); "failed"
        /// when the self-check fails.
        var status: String
        var backend: GEMM.Backend
        var cpu: CPU?
        var selfCheck: GEMM.SelfCheck
        var selfCheckPassed: Bool
        var speedShape: [Int]
        var gflops: Double
    }

    func run() throws {
        if let threads { GEMM.setThreads(threads) }
        let backend = GEMM.backend
        let check = GEMM.selfCheck()
        let gflops = GEMM.throughput(m: size, n: size, k: size, seconds: seconds) { a, b, c in
            GEMM.sgemm(
                transA: false, transB: false, m: size, n: size, k: size, alpha: 1, a: a, lda: size, b: b, ldb: size,
                beta: 0, c: c, ldc: size)
        }
        let status = !check.passed ? "failed" : backend.kind == .fallback ? "fallback" : "ok"
        let cpu = CPUInfo.current().map {
            Report.CPU(
                modelName: $0.modelName, vendor: $0.vendor, family: $0.family, model: $0.model,
                logicalCPUs: $0.logicalCPUs, simdFlags: $0.simdFlags)
        }
        if json {
            print(
                Output.jsonLine(
                    Report(
                        status: status, backend: backend, cpu: cpu, selfCheck: check, selfCheckPassed: check.passed,
                        speedShape: [size, size, size], gflops: gflops)))
        } else {
            if backend.kind == .fallback {
                print("backend    \(backend.name) fallback kernel: NO BLAS LIBRARY IN USE")
                print("why        \(backend.selection)")
                print("fix        install libopenblas0-pthread (scripts/install-deps.sh), or unset MEDSILO_BLAS")
            } else {
                print("backend    \(backend.name) \(backend.version) (\(backend.library ?? "?"))")
                print("config     \(backend.config)")
                print("kernel     \(backend.kernel)")
                print("chosen by  \(backend.selection)")
            }
            print("threads    \(backend.threads)")
            if let cpu {
                print("cpu        \(cpu.modelName) (\(cpu.vendor), family \(cpu.family), model \(cpu.model)), \(cpu.logicalCPUs) logical CPUs")
                print("simd       \(cpu.simdFlags.joined(separator: " "))")
            } else {
                print("cpu        unknown (/proc/cpuinfo unreadable)")
            }
            print(
                "self-check \(check.m)×\(check.n)×\(check.k), 4 transpose cases vs reference: max error "
                    + "\(formatted(check.maxError / Self.unit, digits: 2)) u of Σ|a·b| (tolerance \(formatted(check.tolerance / Self.unit, digits: 0)) u, "
                    + "u = 2⁻²⁴) " + (check.passed ? "ok" : "FAILED"))
            print("speed      \(formatted(gflops, digits: 1)) GFLOP/s at \(size)×\(size)×\(size) (\(backend.threads) threads)")
        }
        if !check.passed { throw ExitCode(1) }
    }

    /// Float32's unit roundoff, 2⁻²⁴: the self-check's errors are printed in this unit.
    private static let unit = 0x1p-24
}
