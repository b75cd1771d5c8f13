internal import COpenBLAS

/// OpenBLAS through the COpenBLAS shim, which loads the library with `dlopen` on demand. Every call into
/// COpenBLAS is in this file, one call site per C function.
///
/// A value exists only once the library has loaded and all its entry points were found; it carries no
/// pointer of its own (the shim keeps the resolved entry points), so it is freely `Sendable`.
struct OpenBLAS: Sendable {
    /// The file the dynamic loader resolved the library to (e.g. …/openblas-pthread/libopenblas.so.0).
    let path: String
    /// Whether `open` put OPENBLAS_CORETYPE in the environment for the load (false when the user had set
    /// it, or when no core type was asked for).
    let coreTypeApplied: Bool

    /// Loads `library` (`copenblas_open`), with OPENBLAS_CORETYPE set to `coreType` during the load unless the
    /// environment already has it. Call once per process: the shim keeps a single set of entry points.
    static func open(_ library: String, coreType: String?) -> Result<OpenBLAS, LoadFailure> {
        var applied: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = message.withUnsafeMutableBufferPointer { buffer in
            copenblas_open(library, coreType, &applied, buffer.baseAddress, buffer.count)
        }
        guard status == 0 else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return .failure(LoadFailure(library: library, message: text))
        }
        let resolved = copenblas_library_path().map { String(cString: $0) } ?? library
        return .success(OpenBLAS(path: resolved, coreTypeApplied: applied != 0))
    }

    /// Why a library could not be used: the name tried and the loader's message.
    struct LoadFailure: Error, Sendable {
        var library: String
        var message: String
    }

    /// Row-major `cblas_sgemm`. Dimensions must fit in Int32 (OpenBLAS's LP64 build takes 32-bit integers);
    /// the caller checks that.
    func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        copenblas_sgemm(
            transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
            Int32(ldc))
    }

    /// `openblas_get_num_threads` / `openblas_set_num_threads`.
    var threads: Int {
        get { Int(copenblas_get_num_threads()) }
        nonmutating set { copenblas_set_num_threads(Int32(clamping: newValue)) }
    }

    /// `openblas_get_corename`: the kernel set in use, e.g. "Haswell", "SkylakeX", "Prescott".
    var coreName: String {
        copenblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// `openblas_get_config`: version and build options, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …".
    var config: String {
        copenblas_get_config().map { String(cString: $0) } ?? "OpenBLAS (no config string)"
    }
}
