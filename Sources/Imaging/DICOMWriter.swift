/// An image to write as DICOM: stored samples plus the attributes that describe them.
public struct DICOMImage: Sendable {
    public var rows: Int
    public var columns: Int
    public var frames: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var isSigned: Bool
    public var photometricInterpretation: String
    public var planarConfiguration: Int
    /// Native stored samples of all frames, little-endian, in the layout the attributes describe.
    public var pixelData: [UInt8]
    /// Identifies the instance; derive it from stable inputs (see `DICOMUID`) for byte-identical output.
    public var sopInstanceUID: String
    /// SOP class; Secondary Capture by default.
    public var sopClassUID: String
    /// Further attributes in DICOM string form (numbers as decimal text, values separated by `\`).
    public var attributes: [DICOMTag: String]
    /// Further attributes holding 16-bit values (lookup-table descriptors and data).
    public var wordAttributes: [DICOMTag: [UInt16]]

    public init(
        rows: Int, columns: Int, frames: Int = 1, samplesPerPixel: Int = 1, bitsAllocated: Int, bitsStored: Int,
        isSigned: Bool = false, photometricInterpretation: String = "MONOCHROME2", planarConfiguration: Int = 0,
        pixelData: [UInt8], sopInstanceUID: String, sopClassUID: String = DICOMUID.secondaryCapture,
        attributes: [DICOMTag: String] = [:], wordAttributes: [DICOMTag: [UInt16]] = [:]
    ) {
        self.rows = rows
        self.columns = columns
        self.frames = frames
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.isSigned = isSigned
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.pixelData = pixelData
        self.sopInstanceUID = sopInstanceUID
        self.sopClassUID = sopClassUID
        self.attributes = attributes
        self.wordAttributes = wordAttributes
    }

    /// 16-bit samples as little-endian bytes.
    public static func bytes(_ samples: [UInt16]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(samples.count * 2)
        for s in samples { out.append(UInt8(s & 0xFF)); out.append(UInt8(s >> 8)) }
        return out
    }

    /// Signed 16-bit samples as little-endian bytes.
    public static func bytes(_ samples: [Int16]) -> [UInt8] {
        bytes(samples.map { UInt16(bitPattern: $0) })
    }
}

/// The value of an attribute to write.
enum DICOMAttributeValue {
    case text(String)
    case words([UInt16])
}

/// How a DICOM file's pixel data is encoded.
public enum DICOMEncoding: Sendable, Equatable, CaseIterable {
    case implicitLittleEndian
    case explicitLittleEndian
    case explicitBigEndian
    case deflated
    /// JPEG Process 14 SV1 (first-order prediction).
    case jpegLosslessSV1
    /// JPEG Process 14 with predictor 1–7.
    case jpegLossless(predictor: Int)
    /// 8-bit lossy JPEG (Process 1), quality 1–100; colour is written as YBR_FULL_422.
    case jpegBaseline(quality: Int)
    /// 12-bit lossy JPEG (Process 4).
    case jpegExtended(quality: Int)
    case jpegLSLossless
    /// JPEG-LS with maximum deviation `deviation`.
    case jpegLSNearLossless(deviation: Int)
    case rle
    case jpeg2000Lossless
    /// Irreversible JPEG 2000 at a compression ratio.
    case jpeg2000(ratio: Float)

    public static let allCases: [DICOMEncoding] = [
        .implicitLittleEndian, .explicitLittleEndian, .explicitBigEndian, .deflated, .jpegLosslessSV1,
        .jpegLossless(predictor: 6), .jpegBaseline(quality: 90), .jpegExtended(quality: 90), .jpegLSLossless,
        .jpegLSNearLossless(deviation: 2), .rle, .jpeg2000Lossless, .jpeg2000(ratio: 10),
    ]

    public var transferSyntax: TransferSyntax {
        switch self {
        case .implicitLittleEndian: return .implicitVRLittleEndian
        case .explicitLittleEndian: return .explicitVRLittleEndian
        case .explicitBigEndian: return .explicitVRBigEndian
        case .deflated: return .deflatedExplicitVRLittleEndian
        case .jpegLosslessSV1: return .jpegLosslessSV1
        case .jpegLossless: return .jpegLossless
        case .jpegBaseline: return .jpegBaseline
        case .jpegExtended: return .jpegExtended
        case .jpegLSLossless: return .jpegLSLossless
        case .jpegLSNearLossless: return .jpegLSNearLossless
        case .rle: return .rleLossless
        case .jpeg2000Lossless: return .jpeg2000Lossless
        case .jpeg2000: return .jpeg2000
        }
    }

    /// True when decoding gives back the stored samples exactly.
    public var isLossless: Bool {
        switch self {
        case .jpegBaseline, .jpegExtended, .jpegLSNearLossless, .jpeg2000: return false
        default: return true
        }
    }

    var compression: DCMTKWriter.Compression {
        switch self {
        case .jpegLosslessSV1: return .init(kind: 1, parameter: 1)
        case .jpegLossless(let predictor): return .init(kind: 1, parameter: Int32(predictor))
        case .jpegBaseline(let quality), .jpegExtended(let quality): return .init(kind: 2, parameter: Int32(quality))
        case .jpegLSLossless: return .init(kind: 3, parameter: 0)
        case .jpegLSNearLossless(let deviation): return .init(kind: 3, parameter: Int32(deviation))
        case .rle: return .init(kind: 4, parameter: 0)
        default: return .init(kind: 0, parameter: 0)
        }
    }
}

/// Writes DICOM Part 10 files (meta header included) through DCMTK; JPEG 2000 frames are encoded with
/// OpenJPEG and encapsulated one fragment per frame. Writes are atomic.
public enum DICOMWriter {
    public static func write(_ image: DICOMImage, to path: String, encoding: DICOMEncoding) throws(ImagingError) {
        let bytesPerSample = max(image.bitsAllocated / 8, 1)
        let expected: Int
        if image.bitsAllocated == 1 {
            expected = (image.rows * image.columns * image.samplesPerPixel * image.frames + 7) / 8
        } else if image.photometricInterpretation == "YBR_FULL_422" {
            expected = image.rows * image.columns * 2 * bytesPerSample * image.frames
        } else {
            expected = image.rows * image.columns * image.samplesPerPixel * bytesPerSample * image.frames
        }
        guard image.pixelData.count == expected else {
            throw ImagingError(
                path: path, .invalidRequest("pixel data has \(image.pixelData.count) bytes, the layout needs \(expected)"))
        }
        var attributes: [(DICOMTag, DICOMAttributeValue)] = [
            (.sopClassUID, .text(image.sopClassUID)),
            (.sopInstanceUID, .text(image.sopInstanceUID)),
            (.samplesPerPixel, .text(String(image.samplesPerPixel))),
            (.photometricInterpretation, .text(image.photometricInterpretation)),
            (.rows, .text(String(image.rows))),
            (.columns, .text(String(image.columns))),
            (.bitsAllocated, .text(String(image.bitsAllocated))),
            (.bitsStored, .text(String(image.bitsStored))),
            (.highBit, .text(String(image.bitsStored - 1))),
            (.pixelRepresentation, .text(image.isSigned ? "1" : "0")),
        ]
        if image.samplesPerPixel > 1 {
            attributes.append((.planarConfiguration, .text(String(image.planarConfiguration))))
        }
        if image.frames > 1 { attributes.append((.numberOfFrames, .text(String(image.frames)))) }
        let extra = image.attributes.map { ($0.key, DICOMAttributeValue.text($0.value)) }
            + image.wordAttributes.map { ($0.key, DICOMAttributeValue.words($0.value)) }
        for (tag, value) in extra.sorted(by: { $0.0.rawValue < $1.0.rawValue }) {
            attributes.removeAll { $0.0 == tag }
            attributes.append((tag, value))
        }

        let temporary = FileIO.temporaryPath(for: path)
        // DCMTK opens its output following links: whatever sits at the temporary name goes first.
        FileIO.discard(temporary)
        do throws(ImagingError) {
            switch encoding {
            case .jpeg2000Lossless, .jpeg2000:
                let ratio: Float? = if case .jpeg2000(let r) = encoding { r } else { nil }
                if case .jpeg2000 = encoding { attributes.append((.lossyImageCompression, .text("01"))) }
                let frames = try encodeJPEG2000(image, ratio: ratio, path: path)
                try DCMTKWriter.writeEncapsulated(
                    path: temporary, attributes: attributes, frames: frames,
                    transferSyntaxUID: encoding.transferSyntax.uid)
            default:
                try DCMTKWriter.write(
                    path: temporary, attributes: attributes, pixels: image.pixelData, bitsAllocated: image.bitsAllocated,
                    transferSyntaxUID: encoding.transferSyntax.uid, compression: encoding.compression)
            }
        } catch {
            FileIO.discard(temporary)
            throw ImagingError(path: path, error.reason)
        }
        try FileIO.commit(temporary, to: path)
    }

    private static func encodeJPEG2000(_ image: DICOMImage, ratio: Float?, path: String) throws(ImagingError) -> [[UInt8]] {
        guard image.bitsAllocated >= 8, image.planarConfiguration == 0,
            image.photometricInterpretation != "YBR_FULL_422"
        else {
            throw ImagingError(path: path, .invalidRequest("JPEG 2000 needs 8/16/32-bit pixel-interleaved samples"))
        }
        let frameBytes = image.rows * image.columns * image.samplesPerPixel * (image.bitsAllocated / 8)
        let mct = image.photometricInterpretation == "YBR_RCT" || image.photometricInterpretation == "YBR_ICT"
        var frames: [[UInt8]] = []
        for index in 0..<image.frames {
            let slice = Array(image.pixelData[index * frameBytes..<(index + 1) * frameBytes])
            let result = slice.withUnsafeBytes {
                OpenJPEGCodec.encode(
                    $0, width: image.columns, height: image.rows, components: image.samplesPerPixel,
                    precision: image.bitsStored, isSigned: image.isSigned, bytesPerSample: image.bitsAllocated / 8,
                    ratio: ratio, multiComponentTransform: mct)
            }
            switch result {
            case .success(let codestream): frames.append(codestream)
            case .failure(let failure): throw ImagingError(path: path, .invalidRequest("JPEG 2000 encoding: \(failure)"))
            }
        }
        return frames
    }
}

/// DICOM unique identifiers.
public enum DICOMUID {
    public static let secondaryCapture = "1.2.840.10008.5.1.4.1.1.7"
    public static let ctImage = "1.2.840.10008.5.1.4.1.1.2"

    /// A UID under the `2.25` root (ISO/IEC 9834-8 UUID form) derived from `name`: the same name
    /// always gives the same UID, so generated files are reproducible byte for byte.
    public static func derived(from name: String) -> String {
        // Two independent 64-bit FNV-1a hashes make the 128-bit integer.
        var high: UInt64 = 0xCBF2_9CE4_8422_2325
        var low: UInt64 = 0x6C62_272E_07BB_0142
        for byte in name.utf8 {
            high = (high ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (low >> 29)
        }
        let value = UInt128(high) << 64 | UInt128(low)
        return "2.25.\(value)"
    }
}
