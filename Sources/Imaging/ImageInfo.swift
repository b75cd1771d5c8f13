/// What a file holds, read from its header without decoding pixels.
///
/// Sizes and bit depths are as stored in the file. The decoded layout that `ImageReader` produces is
/// `decodedSamplesPerPixel` samples per pixel, interleaved, described by
/// `decodedPhotometricInterpretation`: monochrome stays one sample (after the modality transform),
/// palette colour and YBR become RGB, PNG and JPEG keep their channels (alpha included).
public struct ImageInfo: Sendable, Equatable, Codable {
    public var format: ImageFormat
    public var rows: Int
    public var columns: Int
    public var frames: Int
    /// Samples per pixel as stored (1 for palette colour, whose pixels are indices).
    public var samplesPerPixel: Int
    /// Bits per stored sample container (DICOM BitsAllocated; 8 or 16 for PNG/JPEG output).
    public var bitsAllocated: Int
    /// Significant bits per stored sample (DICOM BitsStored, PNG bit depth, JPEG precision).
    public var bitsStored: Int
    /// True when stored samples are two's-complement signed (DICOM PixelRepresentation 1).
    public var isSigned: Bool
    /// As stored: DICOM PhotometricInterpretation; for PNG and JPEG the nearest DICOM term
    /// (`MONOCHROME2`, `RGB`, `YBR_FULL`, `PALETTE COLOR`) or `MONOCHROME2_ALPHA` / `RGBA`.
    public var photometricInterpretation: String
    /// DICOM PlanarConfiguration (0 interleaved, 1 by plane); 0 for PNG and JPEG.
    public var planarConfiguration: Int
    /// Samples per pixel of decoded frames.
    public var decodedSamplesPerPixel: Int
    /// Colour model of decoded frames: `MONOCHROME1`, `MONOCHROME2`, `RGB`, `RGBA` or `MONOCHROME2_ALPHA`.
    public var decodedPhotometricInterpretation: String
    /// DICOM only.
    public var transferSyntax: TransferSyntax?
    /// DICOM only.
    public var dicom: DICOMMetadata?

    /// Number of Float32 values in one decoded frame.
    public var decodedFrameCount: Int { rows * columns * decodedSamplesPerPixel }
}

/// How decoding behaves: upper bounds checked before any pixel memory is allocated (so that a header
/// claiming 65535×65535×10000 is refused instead of exhausting memory), and strictness.
public struct DecodeOptions: Sendable, Equatable {
    /// Largest decoded frame, in bytes of Float32 output.
    public var maxFrameBytes: Int
    /// Largest whole decoded image (all frames), in bytes of Float32 output.
    public var maxImageBytes: Int
    /// Largest width or height.
    public var maxDimension: Int
    /// Accept JPEG data that libjpeg-turbo decodes with a warning (e.g. a truncated file, whose missing
    /// part comes out grey). Off by default: such a decode is an error.
    public var acceptWarnings: Bool

    public init(
        maxFrameBytes: Int = 1 << 30, maxImageBytes: Int = 4 << 30, maxDimension: Int = 65_535,
        acceptWarnings: Bool = false
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxImageBytes = maxImageBytes
        self.maxDimension = maxDimension
        self.acceptWarnings = acceptWarnings
    }

    public static let `default` = DecodeOptions()

    func check(_ info: ImageInfo, path: String) throws(ImagingError) {
        guard info.rows > 0, info.columns > 0, info.frames > 0 else {
            throw ImagingError(path: path, .invalidHeader("\(info.rows)×\(info.columns) with \(info.frames) frames"))
        }
        guard info.rows <= maxDimension, info.columns <= maxDimension else {
            throw ImagingError(
                path: path, .tooLarge("\(info.columns)×\(info.rows) exceeds the \(maxDimension)-pixel side limit"))
        }
        let (frameValues, o1) = info.rows.multipliedReportingOverflow(by: info.columns)
        let (frameSamples, o2) = frameValues.multipliedReportingOverflow(by: max(info.decodedSamplesPerPixel, 1))
        let (frameBytes, o3) = frameSamples.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        guard !o1, !o2, !o3, frameBytes <= maxFrameBytes else {
            throw ImagingError(path: path, .tooLarge("a decoded frame would exceed \(maxFrameBytes) bytes"))
        }
        let (imageBytes, o4) = frameBytes.multipliedReportingOverflow(by: info.frames)
        guard !o4, imageBytes <= maxImageBytes else {
            throw ImagingError(
                path: path, .tooLarge("\(info.frames) frames would exceed \(maxImageBytes) bytes decoded"))
        }
    }
}
