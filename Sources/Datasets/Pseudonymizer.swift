#if canImport(Glibc)
import Glibc
#endif

/// Replaces raw patient identifiers with keyed pseudonyms before anything is written.
///
/// pseudonym(id) = "p" + the first 20 hex digits (80 bits) of HMAC-SHA256(key, UTF-8(id)). Without the
/// key, a pseudonym cannot be linked back to an identifier even by someone who can guess candidate IDs
/// (a plain hash could be reversed by hashing every plausible ID). The key is 32 random bytes per store,
/// discarded when the store is complete unless the user supplies and keeps their own key file (to give
/// the same patient the same pseudonym across stores). 80 bits make an accidental collision among a
/// million patients about 4·10⁻¹³ likely.
public struct Pseudonymizer: Sendable {
    private let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// 32 bytes from the system's cryptographic generator.
    public static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    public func pseudonym(_ identifier: String) -> String {
        "p" + hexString(Digests.hmacSHA256(key: key, message: Array(identifier.utf8)).prefix(10))
    }

    /// Reads a key file: at least 16 bytes, used as they are.
    public static func loadKey(_ path: String) throws(DatasetError) -> [UInt8] {
        let bytes = try FileAccess.read(path)
        guard bytes.count >= 16 else {
            throw DatasetError(path: path, .invalidOptions("a pseudonym key file needs at least 16 bytes"))
        }
        guard bytes.count <= 1 << 20 else {
            throw DatasetError(path: path, .invalidOptions("a pseudonym key file of \(bytes.count) bytes; keys are 16 bytes to 1 MiB"))
        }
        return bytes
    }

    /// `path` with every component or name part equal to the raw identifier replaced by its pseudonym,
    /// so that source paths recorded in the store do not carry it (e.g. `patient00042/study1/view1.jpg`).
    /// Identifiers shorter than 3 characters are left alone: they would match unrelated text.
    public func redact(_ path: String, identifier: String, pseudonym: String) -> String {
        guard identifier.count >= 3, path.contains(identifier) else { return path }
        var result = ""
        var rest = Substring(path)
        while let range = rest.firstRange(of: identifier) {
            let before = rest[..<range.lowerBound].last
            let after = rest[range.upperBound...].first
            let bounded = before.map { !$0.isLetter && !$0.isNumber } ?? true
            let boundedAfter = after.map { !$0.isLetter && !$0.isNumber } ?? true
            result += rest[..<range.lowerBound]
            result += (bounded && boundedAfter) ? pseudonym : identifier
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

/// Bytes as lowercase hex, two digits each.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var text = ""
    for byte in bytes { text += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16) }
    return text
}

/// SHA-256 of file contents, as lowercase hex.
enum ContentHash {
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        hexString(Digests.sha256(bytes))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }
}

/// Replaces every known raw patient identifier in a written path or message by its pseudonym: whole
/// path components, and the parts of a component between `.`, `_` and spaces (so `ct-p0001_2.dcm`,
/// `00000042_000.png` and a PACS folder named by PatientID are all caught), whichever sample the text
/// belongs to. Built once per store from every identifier form in the manifest (3 characters or more).
struct PathRedactor {
    private var pseudonyms: [Substring: String] = [:]

    init(manifest: SourceManifest, pseudonymizer: Pseudonymizer) {
        func add(_ forms: [String], of raw: String) {
            let pseudonym = pseudonymizer.pseudonym(raw)
            for form in forms where form.count >= 3 && pseudonyms[Substring(form)] == nil {
                pseudonyms[Substring(form)] = pseudonym
            }
        }
        for sample in manifest.samples {
            if let raw = sample.patient { add([raw] + sample.patientAliases, of: raw) }
        }
        for failure in manifest.rejected {
            if let raw = failure.identifiers.first { add(failure.identifiers, of: raw) }
        }
    }

    func redact(_ text: String) -> String {
        guard !pseudonyms.isEmpty else { return text }
        var result = ""
        for (n, component) in text.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if n > 0 { result += "/" }
            if let pseudonym = pseudonyms[component] {
                result += pseudonym
                continue
            }
            var token = ""
            for character in component {
                if character == "." || character == "_" || character == " " {
                    result += pseudonyms[Substring(token)] ?? token
                    result.append(character)
                    token = ""
                } else {
                    token.append(character)
                }
            }
            result += pseudonyms[Substring(token)] ?? token
        }
        return result
    }
}
