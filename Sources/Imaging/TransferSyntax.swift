/// A DICOM transfer syntax and how MedSilo decodes it.
public struct TransferSyntax: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which machinery decodes the pixel data.
    public enum Decoding: String, Sendable, Codable {
        /// Uncompressed pixel data read by DCMTK (little or big endian, or deflated dataset).
        case native
        /// Encapsulated pixel data decompressed by a DCMTK codec (JPEG, JPEG-LS, RLE).
        case dcmtkCodec
        /// Encapsulated JPEG 2000 codestreams decoded by OpenJPEG.
        case jpeg2000
        /// Known but not decodable by MedSilo.
        case unsupported
    }

    public var uid: String
    public var name: String
    public var decoding: Decoding

    public var description: String { "\(uid) (\(name))" }

    public init(uid: String, name: String, decoding: Decoding) {
        self.uid = uid
        self.name = name
        self.decoding = decoding
    }

    /// The syntax for `uid`; unknown UIDs are `.unsupported` with no name.
    public static func lookup(_ uid: String) -> TransferSyntax {
        known[uid] ?? TransferSyntax(uid: uid, name: "unknown", decoding: .unsupported)
    }

    public var isSupported: Bool { decoding != .unsupported }

    public static let implicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian", decoding: .native)
    public static let explicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian", decoding: .native)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian", decoding: .native)
    public static let explicitVRBigEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian", decoding: .native)
    public static let jpegBaseline = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.50", name: "JPEG Baseline (Process 1)", decoding: .dcmtkCodec)
    public static let jpegExtended = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.51", name: "JPEG Extended (Process 2 & 4)", decoding: .dcmtkCodec)
    public static let jpegLossless = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.57", name: "JPEG Lossless, Non-Hierarchical (Process 14)", decoding: .dcmtkCodec)
    public static let jpegLosslessSV1 = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.70", name: "JPEG Lossless, First-Order Prediction (Process 14 SV1)",
        decoding: .dcmtkCodec)
    public static let jpegLSLossless = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.80", name: "JPEG-LS Lossless", decoding: .dcmtkCodec)
    public static let jpegLSNearLossless = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.81", name: "JPEG-LS Near-Lossless", decoding: .dcmtkCodec)
    public static let jpeg2000Lossless = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.90", name: "JPEG 2000 Lossless", decoding: .jpeg2000)
    public static let jpeg2000 = TransferSyntax(
        uid: "1.2.840.10008.1.2.4.91", name: "JPEG 2000", decoding: .jpeg2000)
    public static let rleLossless = TransferSyntax(
        uid: "1.2.840.10008.1.2.5", name: "RLE Lossless", decoding: .dcmtkCodec)

    private static let known: [String: TransferSyntax] = {
        let decodable = [
            implicitVRLittleEndian, explicitVRLittleEndian, deflatedExplicitVRLittleEndian, explicitVRBigEndian,
            jpegBaseline, jpegExtended, jpegLossless, jpegLosslessSV1, jpegLSLossless, jpegLSNearLossless,
            jpeg2000Lossless, jpeg2000, rleLossless,
        ]
        let refused: [(String, String)] = [
            ("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5, retired)"),
            ("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection (retired)"),
            ("1.2.840.10008.1.2.4.55", "JPEG Full Progression (retired)"),
            ("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15, retired)"),
            ("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Lossless"),
            ("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
            ("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
            ("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
            ("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
            ("1.2.840.10008.1.2.4.100.1", "Fragmentable MPEG2 Main Profile / Main Level"),
            ("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
            ("1.2.840.10008.1.2.4.101.1", "Fragmentable MPEG2 Main Profile / High Level"),
            ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
            ("1.2.840.10008.1.2.4.102.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1"),
            ("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
            ("1.2.840.10008.1.2.4.103.1", "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
            ("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
            ("1.2.840.10008.1.2.4.104.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
            ("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
            ("1.2.840.10008.1.2.4.105.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
            ("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
            ("1.2.840.10008.1.2.4.106.1", "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
            ("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
            ("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1"),
            ("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
            ("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression"),
            ("1.2.840.10008.1.2.4.112", "JPEG XL"),
            ("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless"),
            ("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Lossless"),
            ("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
            ("1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced"),
            ("1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate"),
            ("1.2.840.10008.1.2.6.1", "RFC 2557 MIME Encapsulation (retired)"),
            ("1.2.840.10008.1.2.6.2", "XML Encoding (retired)"),
            ("1.2.840.10008.1.2.7.1", "SMPTE ST 2110-20 Uncompressed Progressive Active Video"),
            ("1.2.840.10008.1.2.7.2", "SMPTE ST 2110-20 Uncompressed Interlaced Active Video"),
            ("1.2.840.10008.1.2.7.3", "SMPTE ST 2110-30 PCM Digital Audio"),
            ("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression"),
        ]
        var table = Dictionary(uniqueKeysWithValues: decodable.map { ($0.uid, $0) })
        for (uid, name) in refused { table[uid] = TransferSyntax(uid: uid, name: name, decoding: .unsupported) }
        return table
    }()
}
