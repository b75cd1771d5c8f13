/// PNG files through libpng.
public enum PNGWriter {
    /// Encodes 8-bit interleaved samples; `channels` 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public static func encode(
        _ samples: [UInt8], width: Int, height: Int, channels: Int, interlaced: Bool = false
    ) throws(ImagingError) -> [UInt8] {
        precondition(samples.count == width * height * channels, "sample count must match the image size")
        let result = samples.withUnsafeBytes {
            PNGCodec.encode($0, width: width, height: height, channels: channels, bitDepth: 8, interlaced: interlaced)
        }
        return try unwrap(result)
    }

    /// Encodes 16-bit interleaved samples.
    public static func encode(
        _ samples: [UInt16], width: Int, height: Int, channels: Int, interlaced: Bool = false
    ) throws(ImagingError) -> [UInt8] {
        precondition(samples.count == width * height * channels, "sample count must match the image size")
        let result = samples.withUnsafeBytes {
            PNGCodec.encode($0, width: width, height: height, channels: channels, bitDepth: 16, interlaced: interlaced)
        }
        return try unwrap(result)
    }

    /// Encodes a palette image: one index per pixel, packed to `bitDepth` (1, 2, 4 or 8) bits;
    /// `palette` holds RGB triplets, `alpha` optional tRNS entries.
    public static func encodePalette(
        indices: [UInt8], width: Int, height: Int, bitDepth: Int, palette: [UInt8], alpha: [UInt8]? = nil,
        interlaced: Bool = false
    ) throws(ImagingError) -> [UInt8] {
        precondition(indices.count == width * height, "one index per pixel")
        return try unwrap(
            PNGCodec.encodePalette(
                indices: indices, width: width, height: height, bitDepth: bitDepth, palette: palette, alpha: alpha,
                interlaced: interlaced))
    }

    /// Encodes gray samples of 1, 2 or 4 bits (one sample per byte, each below 2^bitDepth).
    public static func encodeLowBitGray(
        _ samples: [UInt8], width: Int, height: Int, bitDepth: Int, interlaced: Bool = false
    ) throws(ImagingError) -> [UInt8] {
        precondition(samples.count == width * height, "one sample per pixel")
        return try unwrap(
            PNGCodec.encodeLowBitGray(
                samples: samples, width: width, height: height, bitDepth: bitDepth, interlaced: interlaced))
    }

    private static func unwrap(_ result: Result<[UInt8], CodecFailure>) throws(ImagingError) -> [UInt8] {
        switch result {
        case .success(let bytes): return bytes
        case .failure(let failure): throw ImagingError(path: "<png>", .invalidRequest("PNG encoding failed: \(failure)"))
        }
    }
}

/// JPEG files through libjpeg-turbo.
public enum JPEGWriter {
    public enum Subsampling: Int, Sendable { case s444 = 444, s422 = 422, s420 = 420 }

    /// Encodes 8-bit gray (1 channel) or RGB (3 channels) samples.
    public static func encode(
        _ samples: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 90,
        subsampling: Subsampling = .s420, progressive: Bool = false
    ) throws(ImagingError) -> [UInt8] {
        precondition(channels == 1 || channels == 3, "JPEG holds gray or RGB")
        precondition(samples.count == width * height * channels, "sample count must match the image size")
        let codec = TurboJPEGCodec()
        let result = samples.withUnsafeBytes {
            codec.encode(
                $0, width: width, height: height, channels: channels, quality: quality,
                subsampling: subsampling.rawValue, progressive: progressive)
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let failure): throw ImagingError(path: "<jpeg>", .invalidRequest("JPEG encoding failed: \(failure)"))
        }
    }
}
