import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension GEMM {
    /// What `sgemm` runs on: a value for reports (`medsilo doctor`, `medsilo --version`, benchmarks).
    public struct Backend: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable {
            /// OpenBLAS, loaded at run time with a kernel set chosen for the CPU.
            case openBLAS = "openblas"
            /// The built-in Swift kernel (`GEMM.fallback`): no BLAS library could be loaded, or it was asked for.
            case fallback
        }

        public var kind: Kind
        /// "OpenBLAS" or "MedSilo built-in".
        public var name: String
        /// The library's version ("0.3.21"), or "built-in".
        public var version: String
        /// The library's build description (`openblas_get_config`), or the built-in kernel's.
        public var config: String
        /// The kernel set in use: OpenBLAS's core name ("Haswell", "SkylakeX", …), or the built-in tile.
        public var kernel: String
        /// Threads a multiply may use.
        public var threads: Int
        /// The library file loaded, resolved by the dynamic loader; nil for the built-in kernel.
        public var library: String?
        /// How the backend and kernel were chosen, or why no library is in use.
        public var selection: String

        /// One line, e.g. "OpenBLAS 0.3.21, kernel Haswell, 2 threads".
        public var summary: String {
            switch kind {
            case .openBLAS: "\(name) \(version), kernel \(kernel), \(threads) thread\(threads == 1 ? "" : "s")"
            case .fallback:
                "\(name) fallback (\(kernel)), \(threads) thread\(threads == 1 ? "" : "s"): no BLAS library in use"
            }
        }
    }

    /// The backend `sgemm` uses, with the current thread count. The first use of `GEMM` picks it (see
    /// `backendVariable`); it does not change afterwards.
    public static var backend: Backend {
        var value = active.description
        value.threads = threads
        return value
    }

    /// Threads a multiply may use. OpenBLAS starts with its own default (the online CPUs, or
    /// OPENBLAS_NUM_THREADS); the built-in kernel with the online CPUs.
    public static var threads: Int {
        switch active.engine {
        case .openBLAS(let library): library.threads
        case .fallback: fallbackThreads.load(ordering: .relaxed)
        }
    }

    /// Sets the threads later multiplies may use (`openblas_set_num_threads` for OpenBLAS). For a fixed
    /// count, results are bit-identical from run to run. Call it between multiplies, not while another
    /// thread is inside one: OpenBLAS resizes its thread pool in place.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "GEMM.setThreads: count must be at least 1, got \(count)")
        switch active.engine {
        case .openBLAS(let library): library.threads = count
        case .fallback: fallbackThreads.store(count, ordering: .relaxed)
        }
    }

    /// The environment variable that overrides the choice: unset or "auto" loads OpenBLAS (libopenblas.so.0),
    /// "fallback" uses the built-in kernel, anything else is a library name or path to load instead
    /// (e.g. /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0). OPENBLAS_CORETYPE, when set, is
    /// passed through to OpenBLAS untouched.
    public static let backendVariable = "MEDSILO_BLAS"

    // MARK: Selection, once per process.

    enum Engine: Sendable {
        case openBLAS(OpenBLAS)
        case fallback
    }

    struct Active: Sendable {
        var engine: Engine
        var description: Backend
    }

    /// Chosen on first use; Swift runs this initialiser once, even with concurrent first callers.
    static let active: Active = select(request: environment(backendVariable), cpu: CPUInfo.current())

    private static let fallbackThreads = Atomic<Int>(onlineCPUs())

    /// The OpenBLAS kernel set to ask for on `cpu`, and why; nil leaves the choice to OpenBLAS's own detection.
    ///
    /// Measured on an AMD EPYC (Zen 4, family 0x19, AVX-512 with BF16) at the GEMM shapes of a training step
    /// of MedSilo's CNNs (docs/engine.md): OpenBLAS's own detection picks Cooperlake there, but its AVX2
    /// "Haswell" kernels take less time (a cnn-large step's GEMMs about 25 % less on one thread and 22 % on
    /// two, cnn-small's 6–9 % and 8–11 %), Zen 4 executing each 512-bit operation as two 256-bit halves. On CPUs with full-width AVX-512 the
    /// AVX-512 kernels are the ones to want, and OpenBLAS 0.3.21 does not recognise every such CPU: unknown
    /// Intel models get its slowest generic kernels (Prescott). So the choice follows the instruction-set
    /// flags, not the model tables.
    static func openBLASCoreType(for cpu: CPUInfo) -> (name: String, reason: String)? {
        let avx2 = cpu.has("avx2") && cpu.has("fma")
        if cpu.vendor == "AuthenticAMD", cpu.family == 0x19, avx2 {
            return ("Haswell", "AMD family 0x19 (Zen 3, Zen 4): AVX2 kernels, measured faster than the AVX-512 ones on Zen 4 at the model shapes")
        }
        if cpu.hasAVX512ForSkylakeXKernels {
            if cpu.has("avx512_bf16") { return ("Cooperlake", "AVX-512 (F, CD, BW, DQ, VL) with BF16") }
            return ("SkylakeX", "AVX-512 (F, CD, BW, DQ, VL)")
        }
        if avx2 { return ("Haswell", "AVX2 and FMA") }
        return nil
    }

    /// Applies `request` (the value of `backendVariable`, nil when unset): loads OpenBLAS with the kernel set
    /// `openBLASCoreType(for:)` asks for, or falls back to the built-in kernel, saying why.
    static func select(request: String?, cpu: CPUInfo?) -> Active {
        let wanted = request ?? ""
        let candidates: [String]
        switch wanted.lowercased() {
        case "fallback":
            return fallback("\(backendVariable)=\(wanted) asks for the built-in kernel")
        case "", "auto":
            candidates = defaultLibraries
        default:
            candidates = [wanted]
        }
        let userCoreType = environment("OPENBLAS_CORETYPE")
        let choice = userCoreType == nil ? cpu.flatMap(openBLASCoreType) : nil
        var failures: [String] = []
        for candidate in candidates {
            switch OpenBLAS.open(candidate, coreType: choice?.name) {
            case .success(let library):
                let core = library.coreName
                var how: String
                if let userCoreType {
                    how = "OPENBLAS_CORETYPE=\(userCoreType) from the environment"
                } else if let choice, library.coreTypeApplied {
                    how = "OPENBLAS_CORETYPE=\(choice.name) set by MedSilo before loading: \(choice.reason)"
                    if core.lowercased() != choice.name.lowercased() {
                        how += " (but the library runs \(core): it was already loaded, or refused the setting)"
                    }
                } else {
                    how = "OpenBLAS's own CPU detection (no rule for this CPU)"
                }
                let config = library.config
                let words = config.split(separator: " ")
                let version = words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : "unknown"
                let description = Backend(
                    kind: .openBLAS, name: "OpenBLAS", version: version, config: config, kernel: core,
                    threads: library.threads, library: library.path, selection: how)
                return Active(engine: .openBLAS(library), description: description)
            case .failure(let failure):
                failures.append("\(failure.library): \(failure.message)")
            }
        }
        return fallback("no OpenBLAS could be loaded (\(failures.joined(separator: "; ")))")
    }

    /// File names tried in order by default: the runtime library (Debian's libopenblas0-pthread provides it
    /// through the alternatives system), then the development link.
    private static var defaultLibraries: [String] {
        #if os(macOS)
        ["libopenblas.0.dylib", "libopenblas.dylib"]
        #else
        ["libopenblas.so.0", "libopenblas.so"]
        #endif
    }

    private static func fallback(_ reason: String) -> Active {
        let description = Backend(
            kind: .fallback, name: "MedSilo built-in", version: "built-in",
            config: "Swift SIMD8, 4×8 register tiles (GEMM.fallback)", kernel: "Swift SIMD8 4×8",
            threads: onlineCPUs(), library: nil, selection: reason)
        return Active(engine: .fallback, description: description)
    }

    /// The variable's value; nil when unset or empty (an empty value means "not set" to OpenBLAS too).
    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return value
    }

    private static func onlineCPUs() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

extension GEMM {
    /// `backend.summary`: one line for reports, e.g. "OpenBLAS 0.3.21, kernel Haswell, 2 threads".
    public static var backendSummary: String { backend.summary }
}
