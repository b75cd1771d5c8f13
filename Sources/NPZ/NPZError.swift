/// Why a NumPy array or archive could not be read, and which file and member it concerns.
///
/// Every failure of the NPZ module is an `NPZError`: operating-system and zlib codes are mapped to a
/// `Reason` in one place each, and the path (and the member, inside an archive) is attached where known.
/// Damaged or hostile input never crashes and never makes the reader allocate what the file claims;
/// it ends in one of these reasons.
public struct NPZError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file could not be opened or read (the operating system's message).
        case io(String)
        /// No end-of-central-directory record in the last 64 KiB + 22 bytes: not a ZIP archive.
        case notZIP
        /// The archive spans several disks (split or spanned ZIP), which NumPy never writes.
        case multiDisk
        /// The central directory, a local header or a ZIP64 record is inconsistent or out of bounds.
        case corruptDirectory(String)
        /// Two members have the same name, so a lookup by name would be ambiguous.
        case duplicateMember
        /// No member of that name (with or without `.npy`).
        case noSuchMember
        /// The member is encrypted (general-purpose flag bit 0).
        case encrypted
        /// A compression method other than stored (0) and deflated (8).
        case unsupportedCompression(method: Int)
        /// The file or member ends before the data its headers promise.
        case truncated(String)
        /// The deflate stream is damaged (zlib's message).
        case corruptDeflate(String)
        /// The deflate stream ends before the uncompressed size the central directory declares.
        case inflatedTooShort(declared: UInt64, inflated: UInt64)
        /// The deflate stream goes on past the declared uncompressed size (inflating stops there).
        case inflatedTooLong(declared: UInt64)
        /// The CRC-32 of the member's bytes differs from the one the archive records.
        case checksumMismatch(recorded: UInt32, computed: UInt32)
        /// The bytes do not begin with the `.npy` magic `\x93NUMPY`.
        case notNPY
        /// An `.npy` format version other than 1.0, 2.0 and 3.0.
        case unsupportedVersion(major: Int, minor: Int)
        /// The header dictionary cannot be parsed or lacks a key.
        case invalidHeader(String)
        /// A dtype with fields (a list `descr`); only plain numeric and boolean dtypes are read.
        case structuredDType
        /// The object dtype (`O`), whose data is a Python pickle.
        case objectDType
        /// A `descr` outside bool, integers and floats (strings, complex, dates…).
        case unsupportedDType(String)
        /// A shape with negative or unparsable dimensions.
        case invalidShape(String)
        /// The element or byte count overflows, or a size exceeds a stated limit.
        case tooLarge(String)
        /// The data after the header is not exactly the size the header's shape and dtype imply.
        case dataSizeMismatch(expected: Int, actual: Int)
        /// Row streaming of an array stored in Fortran order, whose rows are not contiguous.
        case fortranOrder
    }

    /// The archive or `.npy` file concerned.
    public var path: String
    /// The member inside an archive, when the failure concerns one.
    public var member: String?
    public var reason: Reason

    public init(path: String, member: String? = nil, _ reason: Reason) {
        self.path = path
        self.member = member
        self.reason = reason
    }

    public var description: String {
        if let member { return "\(path) [\(member)]: \(reason)" }
        return "\(path): \(reason)"
    }
}

extension NPZError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let message): return message
        case .notZIP: return "not a ZIP archive (no end-of-central-directory record)"
        case .multiDisk: return "multi-disk ZIP archives are not supported"
        case .corruptDirectory(let message): return "corrupt ZIP directory: \(message)"
        case .duplicateMember: return "the archive holds two members with this name"
        case .noSuchMember: return "no such member"
        case .encrypted: return "encrypted members are not supported"
        case .unsupportedCompression(let method):
            return "compression method \(method) is not supported (only stored and deflated)"
        case .truncated(let message): return "truncated: \(message)"
        case .corruptDeflate(let message): return "corrupt deflate stream: \(message)"
        case .inflatedTooShort(let declared, let inflated):
            return "inflates to \(inflated) bytes, the directory declares \(declared)"
        case .inflatedTooLong(let declared):
            return "inflates to more than the \(declared) bytes the directory declares"
        case .checksumMismatch(let recorded, let computed):
            return "CRC-32 mismatch: recorded \(hex(recorded)), computed \(hex(computed))"
        case .notNPY: return "not a NumPy .npy array (bad magic)"
        case .unsupportedVersion(let major, let minor): return ".npy format version \(major).\(minor) is not supported"
        case .invalidHeader(let message): return "invalid .npy header: \(message)"
        case .structuredDType: return "structured dtypes are not supported"
        case .objectDType: return "object arrays (pickled data) are not supported"
        case .unsupportedDType(let descr): return "unsupported dtype '\(descr)'"
        case .invalidShape(let message): return "invalid shape: \(message)"
        case .tooLarge(let message): return "too large: \(message)"
        case .dataSizeMismatch(let expected, let actual):
            return "array data holds \(actual) bytes, the header implies \(expected)"
        case .fortranOrder: return "the array is in Fortran order; rows can only be streamed from C-order arrays"
        }
    }
}

/// A failure while streaming an array through a caller's closure: either reading failed, or the
/// closure threw.
public enum NPZStreamError<BodyError: Error>: Error {
    /// Reading or checking the array failed.
    case read(NPZError)
    /// The caller's closure threw; reading stopped there.
    case body(BodyError)
}

extension NPZStreamError: Sendable where BodyError: Sendable {}

extension NPZStreamError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .read(let error): return error.description
        case .body(let error): return "\(error)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
