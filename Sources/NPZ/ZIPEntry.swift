/// One member as the ZIP central directory describes it, with ZIP64 sizes and offsets resolved.
///
/// Format: PKWARE APPNOTE.TXT 6.3.10 §4.3.12 (central directory header), §4.5.3 (ZIP64 extended
/// information extra field, id 0x0001), §4.3.7 (local file header).
struct ZIPEntry: Sendable {
    var name: String
    /// General-purpose bit flags (bit 0: encrypted, bit 3: sizes in a data descriptor, bit 11: UTF-8).
    var flags: UInt16
    /// 0 stored, 8 deflated; others are refused when the member is read.
    var method: UInt16
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localHeaderOffset: UInt64

    static let centralSignature: UInt32 = 0x0201_4b50
    static let localSignature: UInt32 = 0x0403_4b50
    static let centralHeaderLength = 46
    static let localHeaderLength = 30

    var isEncrypted: Bool { flags & 0x0001 != 0 || flags & 0x0040 != 0 }

    /// Parses the central directory header at `offset` of `directory`; returns it and the offset of the next.
    static func parse(_ directory: LittleEndianReader, at offset: Int) throws(Failure) -> (ZIPEntry, next: Int) {
        guard try directory.u32(offset) == centralSignature else {
            throw Failure(.corruptDirectory("no central directory header at directory byte \(offset)"))
        }
        let nameLength = Int(try directory.u16(offset + 28))
        let extraLength = Int(try directory.u16(offset + 30))
        let commentLength = Int(try directory.u16(offset + 32))
        let nameStart = offset + centralHeaderLength
        let next = nameStart + nameLength + extraLength + commentLength
        guard next <= directory.bytes.count else {
            throw Failure(.corruptDirectory("central directory header at byte \(offset) overruns the directory"))
        }
        var entry = ZIPEntry(
            name: String(decoding: directory.bytes[nameStart..<nameStart + nameLength], as: UTF8.self),
            flags: try directory.u16(offset + 8),
            method: try directory.u16(offset + 10),
            crc32: try directory.u32(offset + 16),
            compressedSize: UInt64(try directory.u32(offset + 20)),
            uncompressedSize: UInt64(try directory.u32(offset + 24)),
            localHeaderOffset: UInt64(try directory.u32(offset + 42)))
        var diskStart = UInt32(try directory.u16(offset + 34))
        let extra = LittleEndianReader(
            Array(directory.bytes[nameStart + nameLength..<nameStart + nameLength + extraLength]),
            record: "extra field of '\(entry.name)'")
        try entry.applyZIP64(extra, diskStart: &diskStart)
        guard diskStart == 0 else { throw Failure(.multiDisk) }
        return (entry, next)
    }

    /// Replaces the 32-bit fields saturated at 0xFFFFFFFF (and a disk number at 0xFFFF) with the
    /// 64-bit values of the ZIP64 extra field, which holds only those, in this order.
    private mutating func applyZIP64(_ extra: LittleEndianReader, diskStart: inout UInt32) throws(Failure) {
        var position = 0
        while position + 4 <= extra.bytes.count {
            let id = try extra.u16(position)
            let size = Int(try extra.u16(position + 2))
            let end = position + 4 + size
            guard end <= extra.bytes.count else { throw Failure(.corruptDirectory("\(extra.record) overruns")) }
            if id == 0x0001 {
                var field = position + 4
                func next(_ width: Int) throws(Failure) -> UInt64 {
                    guard field + width <= end else {
                        throw Failure(.corruptDirectory("ZIP64 extra field of '\(name)' is too short"))
                    }
                    defer { field += width }
                    return try extra.uint(at: field, size: width)
                }
                if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next(8) }
                if compressedSize == 0xFFFF_FFFF { compressedSize = try next(8) }
                if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try next(8) }
                if diskStart == 0xFFFF { diskStart = UInt32(try next(4)) }
                return
            }
            position = end
        }
    }
}
