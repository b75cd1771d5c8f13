// Placeholder until the BLAS backend lands: the reference kernel runs on one thread.
extension GEMM {
    public static func setThreads(_ count: Int) {}
    public static var threads: Int { 1 }
}

extension GEMM {
    public static var backendSummary: String { "reference (no BLAS yet)" }
}
