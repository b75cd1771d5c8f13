/// The container formats MedSilo decodes, recognised by content, never by file name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case dicom
    case png
    case jpeg

    /// How many leading bytes `detect` needs to decide.
    public static let sniffLength = 132

    /// Recognises a format from the first bytes of a file: the PNG signature, the JPEG SOI marker
    /// followed by a marker, the DICOM preamble (`DICM` at offset 128), or a DICOM dataset written
    /// without preamble (a group 0002 or 0008 element, explicit or implicit VR, at offset 0).
    public static func detect(_ prefix: some Collection<UInt8>) -> ImageFormat? {
        let bytes = Array(prefix.prefix(sniffLength))
        if bytes.count >= 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 132, bytes[128..<132] == [0x44, 0x49, 0x43, 0x4D] { return .dicom }
        if looksLikeBareDataset(bytes) { return .dicom }
        return nil
    }

    /// A dataset without preamble starts with a low group (0002 meta or 0008 identifying) whose element
    /// is followed either by a two-letter VR (explicit) or by a plausible 32-bit length (implicit).
    private static func looksLikeBareDataset(_ b: [UInt8]) -> Bool {
        guard b.count >= 8 else { return false }
        let group = UInt16(b[0]) | UInt16(b[1]) << 8
        guard group == 0x0002 || group == 0x0008 else { return false }
        let isUpper = { (c: UInt8) in c >= 0x41 && c <= 0x5A }
        if isUpper(b[4]) && isUpper(b[5]) { return true }
        let length = UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24
        return length < 0x10000 || length == 0xFFFF_FFFF
    }
}
