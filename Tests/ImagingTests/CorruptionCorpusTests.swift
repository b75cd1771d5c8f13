import Imaging
import Testing
import TestSupport

/// A deterministic corruption corpus run in the normal test suite: for every format and encoding,
/// truncations at many offsets, byte flips, zeroed payloads and absurd header values. Each input must
/// give either a typed error naming the file or a valid image, never a crash.
@Suite struct CorruptionCorpusTests {
    static let side = 24

    /// Valid files of every kind, small enough that thousands of variants decode in seconds.
    static func bases() throws -> [(String, [UInt8])] {
        let directory = TemporaryDirectory()
        var files: [(String, [UInt8])] = []
        let ct = SampleImages.ctPhantom(size: side).map { UInt16($0 + 1024) }
        let rgb = SampleImages.colorPhantom(size: side)
        let gray = ct.map { UInt8($0 >> 4) }
        let monochrome = DICOMImage(rows: side, columns: side, frames: 2, bitsAllocated: 16, bitsStored: 12,
                                    pixelData: DICOMImage.bytes(ct + ct), sopInstanceUID: "2.25.1",
                                    sopClassUID: DICOMUID.ctImage, attributes: [.rescaleIntercept: "-1024"])
        let colour = DICOMImage(rows: side, columns: side, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
                                photometricInterpretation: "RGB", pixelData: rgb, sopInstanceUID: "2.25.2")
        let eight = DICOMImage(rows: side, columns: side, bitsAllocated: 8, bitsStored: 8, pixelData: gray,
                               sopInstanceUID: "2.25.3")
        let dicoms: [(String, DICOMImage, DICOMEncoding)] = [
            ("ct_explicit", monochrome, .explicitLittleEndian), ("ct_implicit", monochrome, .implicitLittleEndian),
            ("ct_big", monochrome, .explicitBigEndian), ("ct_deflated", monochrome, .deflated),
            ("ct_jpeg_lossless", monochrome, .jpegLosslessSV1), ("ct_jpeg_extended", monochrome, .jpegExtended(quality: 90)),
            ("ct_jpegls", monochrome, .jpegLSLossless), ("ct_jpegls_near", monochrome, .jpegLSNearLossless(deviation: 2)),
            ("ct_rle", monochrome, .rle), ("ct_j2k", monochrome, .jpeg2000Lossless),
            ("ct_j2k_lossy", monochrome, .jpeg2000(ratio: 5)),
            ("rgb_explicit", colour, .explicitLittleEndian), ("rgb_rle", colour, .rle), ("rgb_jpeg", colour, .jpegBaseline(quality: 90)),
            ("rgb_j2k", colour, .jpeg2000Lossless), ("rgb_jpegls", colour, .jpegLSLossless),
            ("gray_jpeg", eight, .jpegBaseline(quality: 90)),
        ]
        for (name, image, encoding) in dicoms {
            try DICOMWriter.write(image, to: directory.file(name), encoding: encoding)
            files.append((name + ".dcm", try readFile(directory.file(name))))
        }
        // A palette image and an enhanced multi-frame dataset built by hand.
        var palette = DICOMBuilder.image(rows: side, columns: side, bitsAllocated: 8, bitsStored: 8,
                                         photometric: "PALETTE COLOR", pixelData: gray)
        for i in 0..<3 {
            palette.add(0x0028, 0x1101 + UInt16(i), "US", .uint16([256, 0, 16]))
            palette.add(0x0028, 0x1221 + UInt16(i), "OW", .uint16([0, 1, 0, 1, 255, 65535]))
        }
        files.append(("palette.dcm", palette.bytes()))
        var enhanced = DICOMBuilder.image(rows: side, columns: side, frames: 2, bitsAllocated: 16, bitsStored: 16,
                                          pixelData: LE.bytes(ct + ct))
        enhanced.add(0x5200, 0x9230, "SQ", .sequence([
            [.init(0x0028, 0x9145, "SQ", .sequence([[.init(0x0028, 0x1053, "DS", .string("2"))]]))], [],
        ]))
        files.append(("enhanced.dcm", enhanced.bytes()))
        files.append(("gray16_interlaced.png", try PNGWriter.encode(ct, width: side, height: side, channels: 1, interlaced: true)))
        files.append(("rgb.png", try PNGWriter.encode(rgb, width: side, height: side, channels: 3)))
        files.append(("palette.png", try PNGWriter.encodePalette(
            indices: gray, width: side, height: side, bitDepth: 8, palette: (0..<256).flatMap { [UInt8($0), 0, UInt8(255 - $0)] },
            alpha: [0, 10, 20])))
        files.append(("gray.jpg", try JPEGWriter.encode(gray, width: side, height: side, channels: 1)))
        files.append(("rgb.jpg", try JPEGWriter.encode(rgb, width: side, height: side, channels: 3)))
        files.append(("progressive.jpg", try JPEGWriter.encode(rgb, width: side, height: side, channels: 3, progressive: true)))
        return files
    }

    /// Deterministic variants of one file.
    static func variants(of bytes: [UInt8], seed: UInt64) -> [(String, [UInt8])] {
        var result: [(String, [UInt8])] = []
        var generator = SplitMix(seed: seed)
        // Truncations: every byte of the first 160 (headers), then 40 spread over the rest.
        var cuts = Set((0..<min(160, bytes.count)).map { $0 })
        for k in 0..<40 { cuts.insert(160 + (bytes.count - 160) * k / 40) }
        for cut in cuts.sorted() where cut < bytes.count { result.append(("truncated at \(cut)", Array(bytes.prefix(cut)))) }
        // Byte flips: 60 variants of 1–8 random bytes set to random values.
        for k in 0..<60 {
            var mutated = bytes
            for _ in 0..<(1 + k % 8) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            result.append(("flips #\(k)", mutated))
        }
        // Zeroed runs: a quarter of the file at four positions (payloads, tables, headers).
        for k in 0..<4 {
            var mutated = bytes
            let start = bytes.count * k / 4
            for i in start..<min(bytes.count, start + bytes.count / 4) { mutated[i] = 0 }
            result.append(("zeroed quarter \(k)", mutated))
        }
        // Absurd 16- and 32-bit values written over every aligned position of the first 400 bytes: this
        // hits Rows, Columns, BitsAllocated, lengths, IHDR sizes and SOF sizes wherever they are.
        for position in stride(from: 0, to: min(400, bytes.count - 4), by: 2) {
            for value: UInt32 in [0xFFFF, 0x93CE, 0xB505] {
                var mutated = bytes
                mutated[position] = UInt8(value & 0xFF)
                mutated[position + 1] = UInt8(value >> 8)
                result.append(("0x\(String(value, radix: 16)) at \(position)", mutated))
            }
            var mutated = bytes
            for i in 0..<4 { mutated[position + i] = 0xFF }
            result.append(("0xFFFFFFFF at \(position)", mutated))
        }
        return result
    }

    @Test func everyVariantFailsCleanlyOrDecodes() throws {
        var decoded = 0, failed = 0
        for (index, (name, bytes)) in try Self.bases().enumerated() {
            for (label, variant) in Self.variants(of: bytes, seed: UInt64(index + 1)) {
                do {
                    let reader = try ImageReader(bytes: variant, name: name)
                    let image = try reader.decodeAll()
                    #expect(image.pixels.count == image.info.decodedFrameCount * image.info.frames)
                    #expect(image.info.rows <= DecodeOptions.default.maxDimension)
                    decoded += 1
                } catch {
                    #expect(error.path == name, "\(name), \(label)")
                    #expect(!error.reason.description.isEmpty)
                    failed += 1
                }
            }
        }
        // The corpus must exercise both outcomes heavily.
        #expect(failed > 5_000)
        #expect(decoded > 1_000)
    }

    @Test func truncatedHeadersAlwaysFail() throws {
        // A file cut before its pixel data cannot decode: every prefix shorter than 100 bytes fails.
        for (name, bytes) in try Self.bases() {
            for cut in [0, 1, 7, 8, 60, 99] {
                #expect(throws: ImagingError.self, "\(name) cut at \(cut)") {
                    _ = try ImageReader(bytes: Array(bytes.prefix(cut)), name: name).decodeAll()
                }
            }
        }
    }
}
