/// Bounds-checked little-endian integers from a byte buffer, for ZIP records.
///
/// Contract: a read outside the buffer throws `.corruptDirectory` naming `record`; it never traps.
struct LittleEndianReader {
    let bytes: [UInt8]
    let record: String

    init(_ bytes: [UInt8], record: String) {
        self.bytes = bytes
        self.record = record
    }

    func uint(at offset: Int, size: Int) throws(Failure) -> UInt64 {
        guard offset >= 0, size <= 8, offset <= bytes.count - size else {
            throw Failure(.corruptDirectory("\(record) ends before byte \(offset + size)"))
        }
        var value: UInt64 = 0
        for index in stride(from: offset + size - 1, through: offset, by: -1) {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }

    func u16(_ offset: Int) throws(Failure) -> UInt16 { UInt16(try uint(at: offset, size: 2)) }
    func u32(_ offset: Int) throws(Failure) -> UInt32 { UInt32(try uint(at: offset, size: 4)) }
    func u64(_ offset: Int) throws(Failure) -> UInt64 { try uint(at: offset, size: 8) }
}
