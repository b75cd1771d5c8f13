import Imaging
import Testing
import TestSupport

/// Every failure is a typed error naming the file and the reason; nothing is allocated for absurd sizes.
@Suite struct DecodeErrorTests {
    private func reason(_ bytes: [UInt8], name: String = "bad.dcm", decode: Bool = true) -> ImagingError.Reason? {
        do {
            let reader = try ImageReader(bytes: bytes, name: name)
            if decode { _ = try reader.decodeAll() }
            return nil
        } catch {
            #expect(error.path == name)
            return error.reason
        }
    }

    static let refused: [(String, String)] = [
        ("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless"),
        ("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
        ("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
        ("1.2.840.10008.1.2.4.112", "JPEG XL"),
        ("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
        ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        ("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
        ("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Lossless"),
    ]

    @Test(arguments: refused)
    func undecodableTransferSyntaxesAreNamed(_ uid: String, _ name: String) {
        var b = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [])
        b.transferSyntaxUID = uid
        b.set(0x7FE0, 0x0010, "OB", .fragments(offsetTable: [], [[0xFF, 0x0A, 1, 2]]))
        #expect(reason(b.bytes()) == .unsupportedTransferSyntax(uid: uid, name: name))
        let description = ImagingError(path: "x", reason(b.bytes())!).description
        #expect(description.contains(uid))
    }

    @Test func privateTransferSyntaxIsNamedByItsUID() {
        var b = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 4])
        b.transferSyntaxUID = "1.3.6.1.4.1.99999.1"
        #expect(reason(b.bytes()) == .unsupportedTransferSyntax(uid: "1.3.6.1.4.1.99999.1", name: nil))
    }

    @Test func absurdDimensionsAreRefusedBeforeAllocating() {
        // 65535 × 65535 × 10000 frames, with 4 bytes of pixel data.
        var b = DICOMBuilder.image(rows: 65535, columns: 65535, bitsAllocated: 16, bitsStored: 16, pixelData: [0, 0, 0, 0])
        b.add(0x0028, 0x0008, "IS", .string("10000"))
        guard case .tooLarge = reason(b.bytes(), decode: false) else {
            Issue.record("expected tooLarge")
            return
        }
        // Within limits but with too little pixel data: corrupt, still before any frame allocation.
        let short = DICOMBuilder.image(rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 16, pixelData: [0, 0, 0, 0])
        #expect(reason(short.bytes(), decode: false) == .corruptData("pixel data holds 4 bytes, the header implies 524288"))
        // Limits are configurable.
        let small = DICOMBuilder.image(rows: 64, columns: 64, bitsAllocated: 8, bitsStored: 8, pixelData: [UInt8](repeating: 0, count: 4096))
        #expect(throws: ImagingError.self) {
            _ = try ImageReader(bytes: small.bytes(), options: DecodeOptions(maxFrameBytes: 1000))
        }
    }

    @Test func missingOrImpossibleAttributes() {
        var noRows = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 4])
        noRows.elements.removeAll { $0.group == 0x0028 && $0.element == 0x0010 }
        #expect(reason(noRows.bytes()) == .invalidHeader("missing (0028,0010)"))

        var noPixels = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [])
        noPixels.elements.removeAll { $0.group == 0x7FE0 }
        #expect(reason(noPixels.bytes()) == .invalidHeader("no pixel data (7FE0,0010)"))

        let badBits = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 12, bitsStored: 12, pixelData: [1, 2, 3, 4, 5, 6])
        #expect(reason(badBits.bytes()) == .unsupported("BitsAllocated 12"))

        let stored = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 9, pixelData: [1, 2, 3, 4])
        #expect(reason(stored.bytes()) == .invalidHeader("BitsStored 9 with BitsAllocated 8"))

        let cmyk = DICOMBuilder.image(rows: 1, columns: 1, samples: 3, bitsAllocated: 8, bitsStored: 8, photometric: "HSV", pixelData: [1, 2, 3])
        #expect(reason(cmyk.bytes()) == .unsupported("photometric interpretation HSV"))

        var zeroFrames = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 4])
        zeroFrames.add(0x0028, 0x0008, "IS", .string("0"))
        #expect(reason(zeroFrames.bytes()) == .invalidHeader("2×2 with 0 frames"))

        var notNumber = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 4])
        notNumber.add(0x0028, 0x1053, "DS", .string("abc"))
        #expect(reason(notNumber.bytes()) == .invalidHeader("(0028,1053) is not a number: abc"))
    }

    @Test func unknownEmptyAndMissingFiles() throws {
        #expect(reason(Array("just text, no image".utf8), name: "notes.txt") == .unknownFormat)
        #expect(reason([], name: "empty") == .io("empty file"))
        let directory = TemporaryDirectory()
        #expect(throws: ImagingError.self) { _ = try ImageReader(path: directory.file("absent.dcm")) }
        do {
            _ = try ImageReader(path: directory.path)
            Issue.record("a directory must not open")
        } catch {
            #expect(error.path == directory.path && error.reason == .io("not a regular file"))
        }
        try writeFile([], to: directory.file("empty.png"))
        #expect(throws: ImagingError(path: directory.file("empty.png"), .io("empty file"))) {
            _ = try ImageReader(path: directory.file("empty.png"))
        }
    }

    @Test func jpeg2000CodestreamMustMatchTheHeader() throws {
        let directory = TemporaryDirectory()
        try DICOMWriter.write(
            DICOMImage(rows: 4, columns: 4, bitsAllocated: 8, bitsStored: 8, pixelData: [UInt8](repeating: 9, count: 16),
                       sopInstanceUID: "2.25.8"),
            to: directory.file("j.dcm"), encoding: .jpeg2000Lossless)
        var bytes = try readFile(directory.file("j.dcm"))
        // Claim 8 columns in the DICOM header: the 4×4 codestream no longer fits it.
        let columnsTag: [UInt8] = [0x28, 0x00, 0x11, 0x00, 0x55, 0x53, 0x02, 0x00]
        let at = try #require((0..<bytes.count - 8).first { Array(bytes[$0..<$0 + 8]) == columnsTag })
        bytes[at + 8] = 8
        guard case .corruptData(let message) = reason(bytes) else {
            Issue.record("expected corrupt data")
            return
        }
        #expect(message.contains("4×4×1") && message.contains("8×4×1"))
    }

    /// Inputs that crashed DCMTK 3.6.7 when handed to it directly (found by fuzzing the library).
    @Test func compressedFramesThatLieAboutThemselves() throws {
        let directory = TemporaryDirectory()
        let rgb = SampleImages.colorPhantom(size: 32)
        let image = DICOMImage(rows: 32, columns: 32, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
                               photometricInterpretation: "RGB", pixelData: rgb, sopInstanceUID: "2.25.9")
        try DICOMWriter.write(image, to: directory.file("rle.dcm"), encoding: .rle)
        let rle = try readFile(directory.file("rle.dcm"))
        // The RLE header follows the fragment's item tag (FFFE,E000) and length: 3 segments, then offsets.
        let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0]
        let items = (0..<rle.count - 4).filter { rle[$0] == item[0] && Array(rle[$0..<$0 + 4]) == item }
        let header = try #require(items.last) + 8
        #expect(Array(rle[header..<header + 4]) == [3, 0, 0, 0])
        var farOffset = rle
        farOffset[header + 8 + 3] = 0x0B  // second segment offset ≈ 184 MB into a small fragment
        #expect(reason(farOffset) == .corruptData("RLE segment offset outside the fragment"))
        var segments = rle
        segments[header] = 15
        #expect(reason(segments) == .corruptData("RLE frame has 15 segments, the header implies 3"))

        // Rows = Columns = 37838 with 8-bit RGB: 4 295 142 732 bytes, which wraps to 175 436 in 32 bits.
        // With the limits raised the frame is still refused before any allocation.
        var huge = DICOMBuilder.image(rows: 37838, columns: 37838, samples: 3, bitsAllocated: 8, bitsStored: 8,
                                      photometric: "RGB", pixelData: [])
        huge.transferSyntaxUID = TransferSyntax.rleLossless.uid
        huge.set(0x7FE0, 0x0010, "OB", .fragments(offsetTable: [], [Array(rle[header..<rle.count - 8])]))
        let unlimited = DecodeOptions(maxFrameBytes: 1 << 40, maxImageBytes: 1 << 40)
        #expect(throws: ImagingError(path: "<memory>", .tooLarge("a 4295142732-byte frame exceeds what the codecs address"))) {
            _ = try ImageReader(bytes: huge.bytes(), options: unlimited)
        }

        // A JPEG bitstream of 32×32 under a header claiming 64×64.
        let eight = DICOMImage(rows: 32, columns: 32, bitsAllocated: 8, bitsStored: 8,
                               pixelData: rgb.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), sopInstanceUID: "2.25.10")
        try DICOMWriter.write(eight, to: directory.file("j.dcm"), encoding: .jpegBaseline(quality: 90))
        var bytes = try readFile(directory.file("j.dcm"))
        for tag: UInt8 in [0x10, 0x11] {
            let pattern: [UInt8] = [0x28, 0x00, tag, 0x00, 0x55, 0x53, 0x02, 0x00]
            let at = try #require((0..<bytes.count - 8).first { Array(bytes[$0..<$0 + 8]) == pattern })
            bytes[at + 8] = 64
        }
        #expect(reason(bytes) == .corruptData("JPEG frame is 32x32 with 1 components, header says 64x64 with 1"))
    }

    @Test func pngAndJPEGDamage() throws {
        let png = try PNGWriter.encode([UInt8](repeating: 7, count: 64), width: 8, height: 8, channels: 1)
        var badCRC = png
        badCRC[29] ^= 0xFF  // inside IHDR's CRC
        #expect(reason(badCRC, name: "a.png") != nil)
        #expect(reason(Array(png.prefix(40)), name: "b.png") != nil)
        let jpeg = try JPEGWriter.encode([UInt8](repeating: 7, count: 64), width: 8, height: 8, channels: 1)
        #expect(reason(Array(jpeg.prefix(20)), name: "c.jpg") != nil)
    }
}
