internal import CPNG

/// libpng through the CPNG shim. All calls into CPNG live in this file, one call site each.
enum PNGCodec {
    struct Info {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var interlaced: Bool
        var hasTransparency: Bool
        var channels: Int
        var bytesPerSample: Int
    }

    static func info(_ bytes: UnsafeRawBufferPointer, maxDimension: Int) -> Result<Info, CodecFailure> {
        var error = cpng_error()
        var info = cpng_info()
        let limit = UInt32(clamping: maxDimension)
        let status = cpng_read_info(base(bytes), bytes.count, limit, limit, &info, &error)
        guard status == 0 else { return .failure(CodecFailure(message(error))) }
        return .success(
            Info(
                width: Int(info.width), height: Int(info.height), bitDepth: Int(info.bit_depth),
                colorType: Int(info.color_type), interlaced: info.interlaced != 0, hasTransparency: info.has_trns != 0,
                channels: Int(info.channels), bytesPerSample: Int(info.bytes_per_sample)))
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, maxDimension: Int, into pixels: UnsafeMutableRawBufferPointer)
        -> String?
    {
        var error = cpng_error()
        let limit = UInt32(clamping: maxDimension)
        let status = cpng_decode(base(bytes), bytes.count, limit, limit, pixels.baseAddress, pixels.count, &error)
        return status == 0 ? nil : message(error)
    }

    /// Encodes 8- or 16-bit interleaved samples (16-bit in host order).
    static func encode(
        _ samples: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, bitDepth: Int, interlaced: Bool
    ) -> Result<[UInt8], CodecFailure> {
        var error = cpng_error()
        var buffer = cpng_buffer()
        defer { cpng_buffer_free(&buffer) }
        let status = cpng_encode(
            samples.baseAddress, UInt32(width), UInt32(height), UInt8(channels), UInt8(bitDepth), interlaced ? 1 : 0,
            -1, &buffer, &error)
        return finish(status, buffer, error)
    }

    static func encodePalette(
        indices: [UInt8], width: Int, height: Int, bitDepth: Int, palette: [UInt8], alpha: [UInt8]?, interlaced: Bool
    ) -> Result<[UInt8], CodecFailure> {
        var error = cpng_error()
        var buffer = cpng_buffer()
        defer { cpng_buffer_free(&buffer) }
        let alphaValues = alpha ?? []
        let status = cpng_encode_palette(
            indices, UInt32(width), UInt32(height), UInt8(bitDepth), palette, Int32(palette.count / 3),
            alpha == nil ? nil : alphaValues, Int32(alphaValues.count), interlaced ? 1 : 0, &buffer, &error)
        return finish(status, buffer, error)
    }

    static func encodeLowBitGray(samples: [UInt8], width: Int, height: Int, bitDepth: Int, interlaced: Bool)
        -> Result<[UInt8], CodecFailure>
    {
        var error = cpng_error()
        var buffer = cpng_buffer()
        defer { cpng_buffer_free(&buffer) }
        let status = cpng_encode_low_gray(
            samples, UInt32(width), UInt32(height), UInt8(bitDepth), interlaced ? 1 : 0, &buffer, &error)
        return finish(status, buffer, error)
    }

    private static func finish(_ status: Int32, _ buffer: cpng_buffer, _ error: cpng_error) -> Result<[UInt8], CodecFailure> {
        guard status == 0, let data = buffer.data else { return .failure(CodecFailure(message(error))) }
        return .success(Array(UnsafeBufferPointer(start: data, count: buffer.size)))
    }

    private static func base(_ bytes: UnsafeRawBufferPointer) -> UnsafePointer<UInt8>? {
        bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    private static func message(_ error: cpng_error) -> String {
        withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

/// PNG files: one frame of 1–4 channels; values as stored (sub-8-bit gray scaled to 0–255, palette
/// expanded to RGB or RGBA, 16-bit kept 0–65535).
final class PNGDecoder: ImageDecoder {
    let info: ImageInfo
    private let bytes: [UInt8]
    private let path: String
    private let png: PNGCodec.Info
    private let options: DecodeOptions
    private var scratch: [UInt8] = []

    init(bytes: [UInt8], path: String, options: DecodeOptions) throws(ImagingError) {
        self.bytes = bytes
        self.path = path
        self.options = options
        let result = bytes.withUnsafeBytes { PNGCodec.info($0, maxDimension: options.maxDimension) }
        switch result {
        case .success(let value): png = value
        case .failure(let failure): throw ImagingError(path: path, Self.reason(failure.message))
        }
        let stored: (String, Int)
        switch png.colorType {
        case 0: stored = ("MONOCHROME2", 1)
        case 2: stored = ("RGB", 3)
        case 3: stored = ("PALETTE COLOR", 1)
        case 4: stored = ("MONOCHROME2_ALPHA", 2)
        case 6: stored = ("RGBA", 4)
        default: throw ImagingError(path: path, .invalidHeader("PNG colour type \(png.colorType)"))
        }
        let decoded = ["MONOCHROME2", "MONOCHROME2_ALPHA", "RGB", "RGBA"][png.channels - 1]
        info = ImageInfo(
            format: .png, rows: png.height, columns: png.width, frames: 1, samplesPerPixel: stored.1,
            bitsAllocated: png.bytesPerSample * 8, bitsStored: png.bitDepth, isSigned: false,
            photometricInterpretation: stored.0, planarConfiguration: 0, decodedSamplesPerPixel: png.channels,
            decodedPhotometricInterpretation: decoded, transferSyntax: nil, dicom: nil)
        try options.check(info, path: path)
    }

    func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError) {
        guard index == 0 else { throw ImagingError(path: path, .frameOutOfRange(index: index, frames: 1)) }
        precondition(output.count == info.decodedFrameCount, "output must hold one decoded frame")
        let count = info.decodedFrameCount * png.bytesPerSample
        if scratch.count != count { scratch = [UInt8](repeating: 0, count: count) }
        let decoded: Result<Void, ImagingError> = scratch.withUnsafeMutableBytes { destination in
            do throws(ImagingError) { try decode(into: destination) } catch { return .failure(error) }
            return .success(())
        }
        try decoded.get()
        scratch.withUnsafeBytes { raw in
            widenToFloat(raw, bytesPerSample: png.bytesPerSample, into: output)
        }
    }

    /// 8-bit PNGs (8 bits per sample as stored, or palette expanded to 8-bit RGB) decode straight into
    /// bytes; 16-bit and low-bit gray (which is rescaled to 0–255) do not.
    func decodeFrame(_ index: Int, intoBytes output: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) -> Bool {
        guard index == 0 else { throw ImagingError(path: path, .frameOutOfRange(index: index, frames: 1)) }
        guard png.bytesPerSample == 1, png.bitDepth == 8 else { return false }
        try decode(into: UnsafeMutableRawBufferPointer(output))
        return true
    }

    /// The one call of the libpng decode for this file.
    private func decode(into destination: UnsafeMutableRawBufferPointer) throws(ImagingError) {
        let failure = bytes.withUnsafeBytes { source in
            PNGCodec.decode(source, maxDimension: options.maxDimension, into: destination)
        }
        if let failure { throw ImagingError(path: path, Self.reason(failure)) }
    }

    func windows(forFrame index: Int) -> [VOIWindow] { [] }

    private static func reason(_ message: String) -> ImagingError.Reason {
        if message.contains("exceeds user limits") || message.contains("width too large")
            || message.contains("height too large")
        {
            return .tooLarge(message)
        }
        if message.contains("IHDR") || message.contains("signature") || message.contains("Invalid") {
            return .invalidHeader(message)
        }
        return .corruptData(message)
    }
}

/// Converts 8-bit or host-order 16-bit samples to Float32.
func widenToFloat(_ raw: UnsafeRawBufferPointer, bytesPerSample: Int, into output: UnsafeMutableBufferPointer<Float>) {
    guard let dst = output.baseAddress else { return }
    let n = output.count
    if bytesPerSample == 1 {
        let src = raw.bindMemory(to: UInt8.self).baseAddress!
        for i in 0..<n { dst[i] = Float(src[i]) }
    } else {
        let src = raw.bindMemory(to: UInt16.self).baseAddress!
        for i in 0..<n { dst[i] = Float(src[i]) }
    }
}
