/// Reads one image file (DICOM, PNG or JPEG, recognised by content) and decodes its frames to Float32.
///
/// ```swift
/// let reader = try ImageReader(path: "ct.dcm")
/// let slice = try reader.decodeFrame(0)      // rows × columns × samples, after the modality LUT
/// ```
///
/// Output: monochrome DICOM values after the modality transform (Rescale Slope/Intercept, Modality
/// LUT, or per-frame functional groups), MONOCHROME1 not inverted; colour DICOM as RGB (YBR converted,
/// palette expanded in the palette's range); PNG and JPEG as stored sample values. A reader holds
/// C handles and scratch buffers: use one per thread.
public final class ImageReader {
    public let path: String
    private let decoder: any ImageDecoder

    public var info: ImageInfo { decoder.info }

    /// Opens the file at `path`. DICOM pixel data is read frame by frame later; PNG and JPEG files are
    /// read whole.
    public init(path: String, options: DecodeOptions = .default) throws(ImagingError) {
        self.path = path
        // PNG and JPEG are read whole in the same pass; DICOM stays on disk for DCMTK to read lazily, and
        // files of no known format are not read past their first bytes.
        var format: ImageFormat?
        let bytes = try FileIO.read(path, prefix: 4096) { prefix in
            format = ImageFormat.detect(prefix)
            return format == .png || format == .jpeg
        }
        switch format {
        case .dicom:
            let named = try Self.refuseUndecodable(bytes, path: path)
            let file = try DCMTKFile(path: path)
            let syntax: TransferSyntax
            if let named { syntax = named } else { syntax = try Self.syntax(of: file) }
            decoder = try DICOMDecoder(file: file, syntax: syntax, options: options)
        case .png:
            decoder = try PNGDecoder(bytes: bytes, path: path, options: options)
        case .jpeg:
            decoder = try JPEGDecoder(bytes: bytes, path: path, options: options)
        case nil:
            throw ImagingError(path: path, bytes.isEmpty ? .io("empty file") : .unknownFormat)
        }
    }

    /// Decodes a file held in memory; `name` stands for the path in errors.
    public init(bytes: [UInt8], name: String = "<memory>", options: DecodeOptions = .default) throws(ImagingError) {
        self.path = name
        switch ImageFormat.detect(bytes) {
        case .dicom:
            let named = try Self.refuseUndecodable(Array(bytes.prefix(4096)), path: name)
            let file = try DCMTKFile(bytes: bytes, name: name)
            let syntax: TransferSyntax
            if let named { syntax = named } else { syntax = try Self.syntax(of: file) }
            decoder = try DICOMDecoder(file: file, syntax: syntax, options: options)
        case .png:
            decoder = try PNGDecoder(bytes: bytes, path: name, options: options)
        case .jpeg:
            decoder = try JPEGDecoder(bytes: bytes, path: name, options: options)
        case nil:
            throw ImagingError(path: name, bytes.isEmpty ? .io("empty file") : .unknownFormat)
        }
    }

    /// Decodes frame `index` into `output`, which must hold `info.decodedFrameCount` values.
    public func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError) {
        try decoder.decodeFrame(index, into: output)
    }

    /// Decodes frame `index` as the 8-bit samples it holds, skipping the conversion to Float32, when
    /// the image's decoded values are 8-bit unsigned integers (JPEG, 8-bit PNG): the same values
    /// `decodeFrame(_:into:)` gives, as bytes. Returns false, writing nothing, for other images
    /// (DICOM, 16-bit and low-bit PNG), which decode through the Float32 path only.
    /// `output` holds exactly `info.decodedFrameCount` bytes.
    public func decodeFrame(_ index: Int, intoBytes output: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) -> Bool {
        precondition(output.count == info.decodedFrameCount, "output must hold one decoded frame")
        return try decoder.decodeFrame(index, intoBytes: output)
    }

    /// Decodes frame `index`: rows × columns × `info.decodedSamplesPerPixel` values, samples interleaved.
    public func decodeFrame(_ index: Int) throws(ImagingError) -> [Float] {
        var values = [Float](repeating: 0, count: info.decodedFrameCount)
        try values.withUnsafeMutableBufferPointer { buffer throws(ImagingError) in
            try decoder.decodeFrame(index, into: buffer)
        }
        return values
    }

    /// Decodes every frame, in order.
    public func decodeAll() throws(ImagingError) -> DecodedImage {
        let frameCount = info.decodedFrameCount
        var values = [Float](repeating: 0, count: frameCount * info.frames)
        try values.withUnsafeMutableBufferPointer { buffer throws(ImagingError) in
            for frame in 0..<info.frames {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[frame * frameCount..<(frame + 1) * frameCount])
                try decoder.decodeFrame(frame, into: slice)
            }
        }
        return DecodedImage(info: info, pixels: values)
    }

    /// VOI windows stored in the file for frame `index` (functional groups first), possibly none.
    public func windows(forFrame index: Int) throws(ImagingError) -> [VOIWindow] {
        try decoder.windows(forFrame: index)
    }

    /// The transfer syntax named in the meta header, refused here when MedSilo cannot decode it.
    private static func refuseUndecodable(_ prefix: [UInt8], path: String) throws(ImagingError) -> TransferSyntax? {
        guard let uid = DICOMPreamble.transferSyntaxUID(in: prefix) else { return nil }
        let syntax = TransferSyntax.lookup(uid)
        guard syntax.isSupported else {
            throw ImagingError(
                path: path, .unsupportedTransferSyntax(uid: uid, name: syntax.name == "unknown" ? nil : syntax.name))
        }
        return syntax
    }

    private static func syntax(of file: DCMTKFile) throws(ImagingError) -> TransferSyntax {
        let uid = file.transferSyntaxUID
        let syntax = TransferSyntax.lookup(uid)
        guard syntax.isSupported else {
            throw ImagingError(path: file.path, .unsupportedTransferSyntax(uid: uid, name: nil))
        }
        return syntax
    }
}

/// All frames of an image: `frames × rows × columns × samples` Float32 values in that order.
public struct DecodedImage: Sendable {
    public var info: ImageInfo
    public var pixels: [Float]

    public init(info: ImageInfo, pixels: [Float]) {
        precondition(pixels.count == info.decodedFrameCount * info.frames, "pixel count must match the image size")
        self.info = info
        self.pixels = pixels
    }

    /// The values of frame `index`.
    public func frame(_ index: Int) -> ArraySlice<Float> {
        let n = info.decodedFrameCount
        return pixels[index * n..<(index + 1) * n]
    }
}
