import FoundationEssentials
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// Printing shared by the subcommands: JSON values on one line, errors on standard error.
enum Output {
    static func jsonLine(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func error(_ message: String) {
        var line = "medsilo: \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
