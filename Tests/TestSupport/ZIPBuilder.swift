/// Writes ZIP archives byte by byte for the NPZ tests: stored members and members deflated by the
/// tests' own `DeflateEncoder`, optionally with ZIP64 extra fields, a ZIP64 end record and locator,
/// data descriptors, and fields overridden to lie (method, flags, CRC, declared size).
///
/// Format: PKWARE APPNOTE.TXT 6.3.10 §4.3 (local header, data descriptor, central directory header,
/// ZIP64 end record and locator, end record) and §4.5.3 (ZIP64 extra field). Times are 1980-01-01.
public struct ZIPBuilder {
    public enum Compression: Sendable {
        case stored
        case deflated(DeflateEncoder.Style)
    }

    public struct Member {
        public var name: String
        public var data: [UInt8]
        public var compression: Compression
        /// ZIP64 extra fields in both headers with the 32-bit size (and central offset) fields at 0xFFFFFFFF.
        public var zip64 = false
        /// Flag bit 3: the local header holds zero CRC and sizes, a descriptor follows the data.
        public var dataDescriptor = false
        /// Bits OR'ed into the general-purpose flags (1: encrypted).
        public var extraFlags: UInt16 = 0
        /// A method number written instead of the real one.
        public var methodOverride: UInt16?
        /// A CRC-32 written instead of the real one.
        public var crcOverride: UInt32?
        /// An uncompressed size written instead of the real one.
        public var declaredSizeOverride: UInt64?
        /// Bytes of an extra field that only the local header carries (its lengths then differ from the central ones).
        public var localOnlyExtra: [UInt8] = []

        public init(_ name: String, _ data: [UInt8], _ compression: Compression = .stored) {
            self.name = name
            self.data = data
            self.compression = compression
        }
    }

    public var members: [Member] = []
    /// Writes a ZIP64 end record and locator, with the classic end record's fields saturated.
    public var zip64End = false
    public var comment: [UInt8] = []

    public init() {}

    public mutating func add(_ member: Member) { members.append(member) }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for member in members {
            let offset = UInt64(out.count)
            let payload: [UInt8]
            let method: UInt16
            switch member.compression {
            case .stored:
                payload = member.data
                method = 0
            case .deflated(let style):
                payload = DeflateEncoder.encode(member.data, style: style)
                method = 8
            }
            let crc = member.crcOverride ?? TestCRC32.checksum(member.data)
            let size = member.declaredSizeOverride ?? UInt64(member.data.count)
            let compressed = UInt64(payload.count)
            let flags = member.extraFlags | (member.dataDescriptor ? 0x0008 : 0)
            let writtenMethod = member.methodOverride ?? method
            let name = Array(member.name.utf8)
            let version: UInt16 = member.zip64 ? 45 : 20

            // Local header.
            var localExtra: [UInt8] = []
            if member.zip64 {
                localExtra.le(UInt16(1))
                localExtra.le(UInt16(16))
                localExtra.le(member.dataDescriptor ? 0 : size)
                localExtra.le(member.dataDescriptor ? 0 : compressed)
            }
            localExtra += member.localOnlyExtra
            out.le(UInt32(0x0403_4b50))
            out.le(version)
            out.le(flags)
            out.le(writtenMethod)
            out.le(UInt16(0))
            out.le(UInt16(0x21))
            out.le(member.dataDescriptor ? 0 : crc)
            out.le(member.zip64 ? 0xFFFF_FFFF : (member.dataDescriptor ? 0 : UInt32(truncatingIfNeeded: compressed)))
            out.le(member.zip64 ? 0xFFFF_FFFF : (member.dataDescriptor ? 0 : UInt32(truncatingIfNeeded: size)))
            out.le(UInt16(name.count))
            out.le(UInt16(localExtra.count))
            out += name + localExtra + payload
            if member.dataDescriptor {
                out.le(UInt32(0x0807_4b50))
                out.le(crc)
                if member.zip64 {
                    out.le(compressed)
                    out.le(size)
                } else {
                    out.le(UInt32(truncatingIfNeeded: compressed))
                    out.le(UInt32(truncatingIfNeeded: size))
                }
            }

            // Central directory header.
            var centralExtra: [UInt8] = []
            if member.zip64 {
                centralExtra.le(UInt16(1))
                centralExtra.le(UInt16(24))
                centralExtra.le(size)
                centralExtra.le(compressed)
                centralExtra.le(offset)
            }
            central.le(UInt32(0x0201_4b50))
            central.le(UInt16(0x031E))
            central.le(version)
            central.le(flags)
            central.le(writtenMethod)
            central.le(UInt16(0))
            central.le(UInt16(0x21))
            central.le(crc)
            central.le(member.zip64 ? 0xFFFF_FFFF : UInt32(truncatingIfNeeded: compressed))
            central.le(member.zip64 ? 0xFFFF_FFFF : UInt32(truncatingIfNeeded: size))
            central.le(UInt16(name.count))
            central.le(UInt16(centralExtra.count))
            central.le(UInt16(0))
            central.le(UInt16(0))
            central.le(UInt16(0))
            central.le(UInt32(0))
            central.le(member.zip64 ? 0xFFFF_FFFF : UInt32(truncatingIfNeeded: offset))
            central += name + centralExtra
        }
        let directoryOffset = UInt64(out.count)
        out += central
        let count = UInt64(members.count)
        if zip64End {
            let recordOffset = UInt64(out.count)
            out.le(UInt32(0x0606_4b50))
            out.le(UInt64(44))
            out.le(UInt16(45))
            out.le(UInt16(45))
            out.le(UInt32(0))
            out.le(UInt32(0))
            out.le(count)
            out.le(count)
            out.le(UInt64(central.count))
            out.le(directoryOffset)
            out.le(UInt32(0x0706_4b50))
            out.le(UInt32(0))
            out.le(recordOffset)
            out.le(UInt32(1))
        }
        out.le(UInt32(0x0605_4b50))
        out.le(UInt16(0))
        out.le(UInt16(0))
        out.le(zip64End ? 0xFFFF : UInt16(count))
        out.le(zip64End ? 0xFFFF : UInt16(count))
        out.le(zip64End ? 0xFFFF_FFFF : UInt32(central.count))
        out.le(zip64End ? 0xFFFF_FFFF : UInt32(directoryOffset))
        out.le(UInt16(comment.count))
        out += comment
        return out
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` little-endian.
    public mutating func le<T: FixedWidthInteger>(_ value: T) {
        for index in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    /// Overwrites the bytes at `offset` with `value` little-endian.
    public mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<(T.bitWidth / 8) { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

/// CRC-32 as ZIP defines it (reflected polynomial 0xEDB88320), computed bit by bit from a table
/// built here, independently of zlib.
public enum TestCRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }
}
