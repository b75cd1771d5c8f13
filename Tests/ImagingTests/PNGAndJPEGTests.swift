import Imaging
import Testing
import TestSupport

@testable import Imaging

@Suite struct PNGTests {
    static let width = 37, height = 23  // odd sizes exercise row padding and Adam7 passes

    private func decode(_ bytes: [UInt8]) throws -> (ImageInfo, [Float]) {
        let reader = try ImageReader(bytes: bytes, name: "test.png")
        return (reader.info, try reader.decodeFrame(0))
    }

    @Test(arguments: [1, 2, 3, 4], [false, true])
    func eightBitChannelsRoundTrip(_ channels: Int, _ interlaced: Bool) throws {
        var generator = SplitMix(seed: UInt64(channels * 10 + (interlaced ? 1 : 0)))
        let samples = (0..<Self.width * Self.height * channels).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let png = try PNGWriter.encode(samples, width: Self.width, height: Self.height, channels: channels, interlaced: interlaced)
        let (info, values) = try decode(png)
        #expect(info.format == .png && info.rows == Self.height && info.columns == Self.width)
        #expect(info.decodedSamplesPerPixel == channels && info.bitsStored == 8)
        #expect(info.photometricInterpretation == ["MONOCHROME2", "MONOCHROME2_ALPHA", "RGB", "RGBA"][channels - 1])
        #expect(values == samples.map(Float.init))
    }

    @Test(arguments: [1, 3, 4])
    func sixteenBitKeepsFullRange(_ channels: Int) throws {
        var generator = SplitMix(seed: 99)
        var samples = (0..<Self.width * Self.height * channels).map { _ in UInt16.random(in: 0...65535, using: &generator) }
        samples[0] = 0
        samples[1] = 65535
        samples[2] = 256  // distinguishes byte orders
        let png = try PNGWriter.encode(samples, width: Self.width, height: Self.height, channels: channels, interlaced: true)
        let (info, values) = try decode(png)
        #expect(info.bitsStored == 16 && info.bitsAllocated == 16)
        #expect(values == samples.map(Float.init))
    }

    @Test(arguments: [1, 2, 4])
    func lowBitGrayIsScaledToEightBits(_ depth: Int) throws {
        // libpng and Pillow replicate bits: a b-bit value v becomes v · 255 / (2^b − 1).
        let top = (1 << depth) - 1
        let samples = (0..<Self.width * Self.height).map { UInt8($0 % (top + 1)) }
        let png = try PNGWriter.encodeLowBitGray(samples, width: Self.width, height: Self.height, bitDepth: depth)
        let (info, values) = try decode(png)
        #expect(info.bitsStored == depth && info.decodedSamplesPerPixel == 1)
        #expect(values == samples.map { Float(Int($0) * 255 / top) })
    }

    @Test func paletteExpandsToRGBAndTransparencyToRGBA() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]
        let indices = (0..<Self.width * Self.height).map { UInt8($0 % 4) }
        let expected = indices.flatMap { Array(palette[3 * Int($0)..<3 * Int($0) + 3]).map(Float.init) }
        for depth in [2, 4, 8] {
            let png = try PNGWriter.encodePalette(indices: indices, width: Self.width, height: Self.height, bitDepth: depth, palette: palette)
            let (info, values) = try decode(png)
            #expect(info.photometricInterpretation == "PALETTE COLOR" && info.samplesPerPixel == 1)
            #expect(info.decodedSamplesPerPixel == 3)
            #expect(values == expected)
        }
        // tRNS with two entries: indices 2 and 3 become opaque (255).
        let withAlpha = try PNGWriter.encodePalette(
            indices: indices, width: Self.width, height: Self.height, bitDepth: 8, palette: palette, alpha: [0, 128], interlaced: true)
        let (info, values) = try decode(withAlpha)
        #expect(info.decodedSamplesPerPixel == 4 && info.decodedPhotometricInterpretation == "RGBA")
        let alpha: [Float] = [0, 128, 255, 255]
        for p in 0..<indices.count {
            #expect(values[4 * p + 3] == alpha[Int(indices[p])])
            #expect(Array(values[4 * p..<4 * p + 3]) == Array(expected[3 * p..<3 * p + 3]))
        }
    }
}

@Suite struct JPEGTests {
    static let size = 40

    @Test func grayAndColourDecodeCloseToTheSource() throws {
        let rgb = SampleImages.colorPhantom(size: Self.size)
        let gray = (0..<Self.size * Self.size).map { rgb[3 * $0] }
        for (samples, channels) in [(gray, 1), (rgb, 3)] {
            for progressive in [false, true] {
                let jpeg = try JPEGWriter.encode(samples, width: Self.size, height: Self.size, channels: channels,
                                                 quality: 100, subsampling: .s444, progressive: progressive)
                let reader = try ImageReader(bytes: jpeg, name: "t.jpg")
                #expect(reader.info.format == .jpeg && reader.info.decodedSamplesPerPixel == channels)
                #expect(reader.info.photometricInterpretation == (channels == 1 ? "MONOCHROME2" : "YBR_FULL"))
                let values = try reader.decodeFrame(0)
                // Quality 100, no subsampling: rounding in the DCT and colour transform only.
                #expect(maxAbsDifference(values, samples.map(Float.init)) <= 4)
            }
        }
    }

    @Test func truncatedFilesFailUnlessWarningsAreAccepted() throws {
        // Large enough that entropy-coded data, not tables, makes up most of the file.
        let side = 160
        let rgb = SampleImages.colorPhantom(size: side)
        let jpeg = try JPEGWriter.encode(rgb, width: side, height: side, channels: 3)
        let truncated = Array(jpeg.prefix(jpeg.count * 2 / 3))
        #expect(throws: ImagingError.self) { _ = try ImageReader(bytes: truncated).decodeFrame(0) }
        let lenient = try ImageReader(bytes: truncated, options: DecodeOptions(acceptWarnings: true))
        let values = try lenient.decodeFrame(0)
        #expect(values.count == side * side * 3)
        // The top rows, fully present, decode as in the complete file; the missing bottom is filled.
        let complete = try ImageReader(bytes: jpeg).decodeFrame(0)
        let rows = side * 3 * 16
        #expect(Array(values.prefix(rows)) == Array(complete.prefix(rows)))
        #expect(Array(values.suffix(rows)) != Array(complete.suffix(rows)))
    }

    @Test func cmykAndYCCKAreRefusedWithAClearError() throws {
        let cmyk = [UInt8](repeating: 100, count: 16 * 16 * 4)
        let ycck = try TurboJPEGCodec().encode(cmyk.withUnsafeBytes { Array($0) }.withUnsafeBytes { $0 }, width: 16, height: 16,
                                               channels: 4, quality: 90, subsampling: 444, progressive: false).get()
        #expect(throws: ImagingError(path: "y.jpg", .unsupported("YCCK JPEG (convert it to RGB first)"))) {
            _ = try ImageReader(bytes: ycck, name: "y.jpg")
        }
        // The same file with its Adobe marker's transform flag set to 0 is plain CMYK.
        var plain = ycck
        let adobe = Array("Adobe".utf8)
        let start = try #require((0..<plain.count - 5).first { Array(plain[$0..<$0 + 5]) == adobe })
        plain[start + 11] = 0  // "Adobe", version (2), flags0 (2), flags1 (2), then the transform byte
        #expect(throws: ImagingError(path: "c.jpg", .unsupported("CMYK JPEG (convert it to RGB first)"))) {
            _ = try ImageReader(bytes: plain, name: "c.jpg")
        }
    }
}
