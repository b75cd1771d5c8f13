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
        // A diverged training run has NaN or infinite losses; they are written as strings rather than
        // losing the whole record.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            return "{\"error\": \"cannot encode the output as JSON: \(String(describing: error).replacingOccurrences(of: "\"", with: "'"))\"}"
        }
    }

    static func error(_ message: String) {
        var line = "medsilo: \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
