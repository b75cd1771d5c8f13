internal import CTurboJPEG

/// libjpeg-turbo through its TurboJPEG API. All TurboJPEG calls live in this file. A handle belongs to
/// one thread; each `TurboJPEGCodec` owns one.
final class TurboJPEGCodec {
    private let decompressor: tjhandle?
    private var compressor: tjhandle?

    init() {
        decompressor = tjInitDecompress()
    }

    deinit {
        if let decompressor { tjDestroy(decompressor) }
        if let compressor { tjDestroy(compressor) }
    }

    enum ColorSpace { case gray, ycbcr, rgb, cmyk, ycck }

    struct Header {
        var width: Int
        var height: Int
        var colorSpace: ColorSpace
    }

    func header(_ bytes: UnsafeRawBufferPointer) -> Result<Header, CodecFailure> {
        guard let decompressor else { return .failure(CodecFailure("libjpeg-turbo could not create a decompressor")) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(
            decompressor, base(bytes), UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        guard status == 0 else { return .failure(CodecFailure(lastError())) }
        let space: ColorSpace
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): space = .gray
        case Int32(TJCS_YCbCr.rawValue): space = .ycbcr
        case Int32(TJCS_RGB.rawValue): space = .rgb
        case Int32(TJCS_CMYK.rawValue): space = .cmyk
        default: space = .ycck
        }
        return .success(Header(width: Int(width), height: Int(height), colorSpace: space))
    }

    /// Decodes to 8-bit gray (1 channel) or RGB (3 channels). Warnings (a truncated or damaged stream
    /// that libjpeg-turbo still renders) are errors unless `acceptWarnings`.
    func decode(
        _ bytes: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, acceptWarnings: Bool,
        into pixels: UnsafeMutableRawBufferPointer
    ) -> String? {
        guard let decompressor else { return "libjpeg-turbo could not create a decompressor" }
        let format = channels == 1 ? TJPF_GRAY : TJPF_RGB
        let flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS | (acceptWarnings ? 0 : TJFLAG_STOPONWARNING)
        let status = tjDecompress2(
            decompressor, base(bytes), UInt(bytes.count), pixels.baseAddress?.assumingMemoryBound(to: UInt8.self),
            Int32(width), Int32(width * channels), Int32(height), Int32(format.rawValue), Int32(flags))
        if status == 0 { return nil }
        let message = lastError()
        if acceptWarnings && tjGetErrorCode(decompressor) == Int32(TJERR_WARNING.rawValue) { return nil }
        return message
    }

    /// Encodes 8-bit gray, RGB or (for tests of the refusal path) CMYK samples, which libjpeg-turbo
    /// writes as YCCK. `subsampling` is 444, 422 or 420 for colour.
    func encode(
        _ samples: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, quality: Int, subsampling: Int,
        progressive: Bool
    ) -> Result<[UInt8], CodecFailure> {
        if compressor == nil { compressor = tjInitCompress() }
        guard let compressor else { return .failure(CodecFailure("libjpeg-turbo could not create a compressor")) }
        let format = channels == 1 ? TJPF_GRAY : channels == 4 ? TJPF_CMYK : TJPF_RGB
        let sampling: TJSAMP =
            channels == 1 ? TJSAMP_GRAY : (subsampling == 444 ? TJSAMP_444 : subsampling == 422 ? TJSAMP_422 : TJSAMP_420)
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let flags = TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0)
        let status = tjCompress2(
            compressor, samples.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(width), Int32(width * channels),
            Int32(height), Int32(format.rawValue), &output, &size, Int32(sampling.rawValue), Int32(quality), Int32(flags))
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            return .failure(CodecFailure(String(cString: tjGetErrorStr2(compressor))))
        }
        return .success(Array(UnsafeBufferPointer(start: output, count: Int(size))))
    }

    private func lastError() -> String {
        String(cString: tjGetErrorStr2(decompressor))
    }

    private func base(_ bytes: UnsafeRawBufferPointer) -> UnsafePointer<UInt8>? {
        bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }
}

/// JPEG files (libjpeg-turbo): one frame, 8-bit gray or RGB. CMYK and YCCK are refused.
final class JPEGDecoder: ImageDecoder {
    let info: ImageInfo
    private let bytes: [UInt8]
    private let path: String
    private let codec: TurboJPEGCodec
    private let options: DecodeOptions
    private var scratch: [UInt8] = []

    init(bytes: [UInt8], path: String, options: DecodeOptions) throws(ImagingError) {
        self.bytes = bytes
        self.path = path
        self.options = options
        let codec = TurboJPEGCodec()
        self.codec = codec
        let header: TurboJPEGCodec.Header
        switch bytes.withUnsafeBytes({ codec.header($0) }) {
        case .success(let value): header = value
        case .failure(let failure): throw ImagingError(path: path, .invalidHeader(failure.message))
        }
        let stored: String
        switch header.colorSpace {
        case .gray: stored = "MONOCHROME2"
        case .ycbcr: stored = "YBR_FULL"
        case .rgb: stored = "RGB"
        case .cmyk: throw ImagingError(path: path, .unsupported("CMYK JPEG (convert it to RGB first)"))
        case .ycck: throw ImagingError(path: path, .unsupported("YCCK JPEG (convert it to RGB first)"))
        }
        let channels = header.colorSpace == .gray ? 1 : 3
        info = ImageInfo(
            format: .jpeg, rows: header.height, columns: header.width, frames: 1, samplesPerPixel: channels,
            bitsAllocated: 8, bitsStored: 8, isSigned: false, photometricInterpretation: stored,
            planarConfiguration: 0, decodedSamplesPerPixel: channels,
            decodedPhotometricInterpretation: channels == 1 ? "MONOCHROME2" : "RGB", transferSyntax: nil, dicom: nil)
        try options.check(info, path: path)
    }

    func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError) {
        guard index == 0 else { throw ImagingError(path: path, .frameOutOfRange(index: index, frames: 1)) }
        precondition(output.count == info.decodedFrameCount, "output must hold one decoded frame")
        if scratch.count != info.decodedFrameCount { scratch = [UInt8](repeating: 0, count: info.decodedFrameCount) }
        let decoded: Result<Void, ImagingError> = scratch.withUnsafeMutableBufferPointer { destination in
            do throws(ImagingError) { try decode(into: destination) } catch { return .failure(error) }
            return .success(())
        }
        try decoded.get()
        scratch.withUnsafeBytes { raw in widenToFloat(raw, bytesPerSample: 1, into: output) }
    }

    func decodeFrame(_ index: Int, intoBytes output: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) -> Bool {
        guard index == 0 else { throw ImagingError(path: path, .frameOutOfRange(index: index, frames: 1)) }
        try decode(into: output)
        return true
    }

    /// The one call of the TurboJPEG decode for this file.
    private func decode(into destination: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) {
        let failure = bytes.withUnsafeBytes { source in
            codec.decode(
                source, width: info.columns, height: info.rows, channels: info.decodedSamplesPerPixel,
                acceptWarnings: options.acceptWarnings, into: UnsafeMutableRawBufferPointer(destination))
        }
        if let failure { throw ImagingError(path: path, .corruptData(failure)) }
    }

    func windows(forFrame index: Int) -> [VOIWindow] { [] }
}
