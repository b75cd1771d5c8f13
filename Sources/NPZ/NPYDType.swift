/// The element type of a NumPy array: a scalar kind and a byte order, as spelled by `descr`.
///
/// Covers the dtypes MedSilo reads from `.npy` files: `b1` (bool), `u1 i1 u2 i2 u4 i4 u8 i8` and
/// `f2 f4 f8`, each with a byte-order character: `<` little-endian, `>` big-endian, `|` not applicable
/// (single bytes; NumPy writes `|u1`, `|i1`, `|b1`), `=` native. Structured (list) descriptors, the
/// object dtype `O` and every other descr are refused by `init(descr:)`.
///
/// Format: https://numpy.org/doc/stable/reference/arrays.interface.html (the `typestr` protocol).
public struct NPYDType: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, CaseIterable {
        case bool, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float16, float32, float64

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .uint8, .int8: return 1
            case .uint16, .int16, .float16: return 2
            case .uint32, .int32, .float32: return 4
            case .uint64, .int64, .float64: return 8
            }
        }

        /// NumPy's type code without byte order (`u1`, `f4`…).
        public var code: String {
            switch self {
            case .bool: return "b1"
            case .uint8: return "u1"
            case .int8: return "i1"
            case .uint16: return "u2"
            case .int16: return "i2"
            case .uint32: return "u4"
            case .int32: return "i4"
            case .uint64: return "u8"
            case .int64: return "i8"
            case .float16: return "f2"
            case .float32: return "f4"
            case .float64: return "f8"
            }
        }
    }

    public enum ByteOrder: Sendable, Hashable {
        case little, big
        /// Single-byte elements, whose order does not matter.
        case notApplicable
    }

    public let kind: Kind
    public let byteOrder: ByteOrder

    /// A dtype; single-byte kinds always get `.notApplicable`, multi-byte kinds must not.
    public init(_ kind: Kind, byteOrder: ByteOrder) {
        precondition(kind.size == 1 || byteOrder != .notApplicable, "multi-byte dtypes need a byte order")
        self.kind = kind
        self.byteOrder = kind.size == 1 ? .notApplicable : byteOrder
    }

    /// Parses a `descr` string such as `<f4`, `|u1` or `>i8`; nil for anything else.
    ///
    /// `=` (native order) is read as the host's order. `|` is accepted only for single-byte kinds,
    /// and `<`/`>` on a single-byte kind are accepted and ignored.
    public init?(descr: String) {
        let characters = Array(descr.utf8)
        guard characters.count == 3 else { return nil }
        let order: ByteOrder
        switch characters[0] {
        case UInt8(ascii: "<"): order = .little
        case UInt8(ascii: ">"): order = .big
        case UInt8(ascii: "|"): order = .notApplicable
        case UInt8(ascii: "="): order = 1.littleEndian == 1 ? .little : .big
        default: return nil
        }
        let code = String(decoding: characters[1...], as: UTF8.self)
        guard let kind = Kind.allCases.first(where: { $0.code == code }) else { return nil }
        if kind.size > 1 && order == .notApplicable { return nil }
        self.init(kind, byteOrder: order)
    }

    /// Bytes per element.
    public var size: Int { kind.size }

    /// The `descr` NumPy writes for this dtype (`|u1`, `<f4`, `>i8`).
    public var descr: String {
        switch byteOrder {
        case .little: return "<" + kind.code
        case .big: return ">" + kind.code
        case .notApplicable: return "|" + kind.code
        }
    }

    public var description: String { descr }
}
