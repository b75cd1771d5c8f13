#if canImport(Glibc)
import Glibc
#endif

/// The processor as Linux describes it in `/proc/cpuinfo` (its first logical CPU): what the BLAS kernel
/// choice is based on, and what `medsilo doctor` prints.
///
/// The kernel lists an instruction-set flag only when the CPU has it *and* the kernel saves the registers it
/// needs (for AVX-512, the opmask and ZMM state in XCR0), so a listed flag is safe to use.
public struct CPUInfo: Sendable, Equatable, Codable {
    /// `vendor_id`, e.g. "GenuineIntel" or "AuthenticAMD".
    public var vendor: String
    /// `cpu family` (decimal; 25 = 0x19 is AMD Zen 3 and Zen 4, 6 is every recent Intel core).
    public var family: Int
    /// `model` (decimal).
    public var model: Int
    /// `model name`, e.g. "AMD EPYC 9454 48-Core Processor".
    public var modelName: String
    /// Every flag of the `flags` line, sorted.
    public var flags: [String]
    /// Logical CPUs listed (`processor` entries).
    public var logicalCPUs: Int

    /// Parses the text of `/proc/cpuinfo`. Fields missing from `text` are empty or 0.
    public init(parsing text: String) {
        vendor = ""
        family = 0
        model = 0
        modelName = ""
        flags = []
        logicalCPUs = 0
        var inFirstEntry = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else {
                // A blank line ends one processor's entry; the rest repeat the same fields.
                if logicalCPUs > 0 { inFirstEntry = false }
                continue
            }
            let key = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if key == "processor" { logicalCPUs += 1 }
            guard inFirstEntry else { continue }
            switch key {
            case "vendor_id": vendor = value
            case "cpu family": family = Int(value) ?? 0
            case "model": model = Int(value) ?? 0
            case "model name": modelName = value
            case "flags": flags = value.split(separator: " ").map(String.init).sorted()
            default: break
            }
        }
    }

    /// The machine's processor, or nil where `/proc/cpuinfo` cannot be read (not Linux).
    public static func current() -> CPUInfo? {
        guard let text = readWholeFile("/proc/cpuinfo") else { return nil }
        return CPUInfo(parsing: text)
    }

    /// Whether the `flags` line lists `flag` (e.g. "avx512f").
    public func has(_ flag: String) -> Bool {
        flags.contains(flag)
    }

    /// The vector instruction-set flags among `flags` (SSE, AVX, AVX2, FMA, AVX-512 subsets, AMX), in order.
    public var simdFlags: [String] {
        let prefixes = ["sse", "ssse3", "avx", "fma", "f16c", "amx"]
        return flags.filter { flag in prefixes.contains { flag.hasPrefix($0) } || flag == "pni" }
    }

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use (F, CD, BW, DQ, VL) are all present.
    public var hasAVX512ForSkylakeXKernels: Bool {
        ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(has)
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// The whole content of a small file (such as one in /proc, whose size `stat` reports as 0), or nil.
func readWholeFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { return nil }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
