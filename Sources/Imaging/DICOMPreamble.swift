/// Reads the transfer syntax UID from a Part 10 file meta header before handing the file to DCMTK,
/// so that a syntax MedSilo cannot decode is refused with its UID named, whatever DCMTK would say.
enum DICOMPreamble {
    /// The (0002,0010) value from the first bytes of a file, or nil when there is no meta header.
    /// The meta header is always explicit VR little endian (PS3.10 7.1).
    static func transferSyntaxUID(in bytes: [UInt8]) -> String? {
        var offset: Int
        if bytes.count >= 132, bytes[128..<132] == [0x44, 0x49, 0x43, 0x4D] {
            offset = 132
        } else {
            offset = 0
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        while offset + 8 <= bytes.count {
            let group = u16(offset)
            guard group == 0x0002 else { return nil }
            let element = u16(offset + 2)
            let vr = (bytes[offset + 4], bytes[offset + 5])
            let longForm = [(0x4F, 0x42), (0x4F, 0x57), (0x53, 0x51), (0x55, 0x4E), (0x55, 0x54), (0x4F, 0x46)]
                .contains { $0.0 == vr.0 && $0.1 == vr.1 }
            let length: Int
            let valueStart: Int
            if longForm {
                guard offset + 12 <= bytes.count else { return nil }
                length = u32(offset + 8)
                valueStart = offset + 12
            } else {
                length = u16(offset + 6)
                valueStart = offset + 8
            }
            guard length >= 0, valueStart + length <= bytes.count else { return nil }
            if element == 0x0010 {
                let value = bytes[valueStart..<valueStart + length].prefix { $0 != 0 && $0 != 0x20 }
                return String(decoding: value, as: UTF8.self)
            }
            offset = valueStart + length
        }
        return nil
    }
}
