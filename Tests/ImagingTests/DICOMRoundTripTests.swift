import Foundation
import Imaging
import Testing
import TestSupport

/// Write known pixels in every encoding (MedSilo's writer, and DCMTK's own command-line tools from a
/// file built by hand), decode them, and compare with the source values.
@Suite struct DICOMRoundTripTests {
    static let size = 48

    /// 12-bit unsigned CT (intercept −1024): the analytic phantom.
    static let ctStored: [UInt16] = SampleImages.ctPhantom(size: size).map { UInt16($0 + 1024) }
    static var ctHU: [Float] { ctStored.map { Float(Int($0) - 1024) } }

    static func ctImage(frames: Int = 1) -> DICOMImage {
        DICOMImage(
            rows: size, columns: size, frames: frames, bitsAllocated: 16, bitsStored: 12,
            pixelData: DICOMImage.bytes(Array([[UInt16]](repeating: ctStored, count: frames).joined())),
            sopInstanceUID: "2.25.42", sopClassUID: DICOMUID.ctImage,
            attributes: [.rescaleIntercept: "-1024", .rescaleSlope: "1", .modality: "CT"])
    }

    /// Every encoding that holds 12-bit samples (baseline JPEG is 8-bit; see `eightBitGraySurvives`).
    /// The CT SOP class matters for lossy JPEG: DCMTK's lossy encoder keeps the Hounsfield scale by
    /// adjusting the rescale intercept for CT, but renders other classes to plain values.
    static let encodings: [DICOMEncoding] = DICOMEncoding.allCases.filter {
        if case .jpegBaseline = $0 { return false }
        return true
    }

    @Test(arguments: encodings)
    func ctPhantomSurvivesEveryEncoding(_ encoding: DICOMEncoding) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("ct.dcm")
        try DICOMWriter.write(Self.ctImage(frames: 2), to: path, encoding: encoding)
        let reader = try ImageReader(path: path)
        #expect(reader.info.transferSyntax?.uid == encoding.transferSyntax.uid)
        #expect(reader.info.rows == Self.size && reader.info.columns == Self.size && reader.info.frames == 2)
        #expect(reader.info.bitsStored == 12 && reader.info.bitsAllocated == 16)
        let image = try reader.decodeAll()
        let expected = Self.ctHU + Self.ctHU
        // Lossy tolerances: JPEG-LS near-lossless bounds the error by its deviation (2); 12-bit JPEG at
        // quality 90 and JPEG 2000 at ratio 10 stay within a few per cent of the 4096-value range.
        // Lossy bounds, measured with margin on this phantom (its 2000 HU skull edge is the worst case):
        // JPEG-LS near-lossless is bounded by its deviation by construction.
        let bounds: (max: Float, mean: Float) = switch encoding {
        case .jpegLSNearLossless(let deviation): (Float(deviation), Float(deviation))
        case .jpegExtended: (40, 4)
        case .jpeg2000: (1200, 100)
        default: (0, 0)
        }
        if encoding.isLossless {
            #expect(image.pixels == expected)
        } else {
            let meanError = zip(image.pixels, expected).map { abs($0 - $1) }.reduce(0, +) / Float(expected.count)
            #expect(maxAbsDifference(image.pixels, expected) <= bounds.max)
            #expect(meanError <= bounds.mean)
        }
    }

    @Test func eightBitGraySurvivesBaselineJPEG() throws {
        let directory = TemporaryDirectory()
        let gray = SampleImages.ctPhantom(size: Self.size).map { UInt8(clamping: (Int($0) + 1000) / 8) }
        let image = DICOMImage(
            rows: Self.size, columns: Self.size, bitsAllocated: 8, bitsStored: 8, pixelData: gray,
            sopInstanceUID: "2.25.46")
        try DICOMWriter.write(image, to: directory.file("g.dcm"), encoding: .jpegBaseline(quality: 95))
        let reader = try ImageReader(path: directory.file("g.dcm"))
        #expect(reader.info.transferSyntax == .jpegBaseline && reader.info.bitsStored == 8)
        let decoded = try reader.decodeFrame(0)
        let meanError = zip(decoded, gray).map { abs($0 - Float($1)) }.reduce(0, +) / Float(gray.count)
        #expect(meanError < 2)
        #expect(maxAbsDifference(decoded, gray.map(Float.init)) < 40)
    }

    @Test(arguments: [DICOMEncoding.explicitLittleEndian, .jpegLSLossless, .rle, .jpeg2000Lossless, .jpegLossless(predictor: 1)])
    func signedSixteenBitSurvives(_ encoding: DICOMEncoding) throws {
        let directory = TemporaryDirectory()
        let values = SampleImages.ctPhantom(size: Self.size).map { $0 &* 8 }  // spans most of Int16
        let image = DICOMImage(
            rows: Self.size, columns: Self.size, bitsAllocated: 16, bitsStored: 16, isSigned: true,
            pixelData: DICOMImage.bytes(values), sopInstanceUID: "2.25.43")
        try DICOMWriter.write(image, to: directory.file("s.dcm"), encoding: encoding)
        let decoded = try ImageReader(path: directory.file("s.dcm")).decodeFrame(0)
        #expect(decoded == values.map(Float.init))
    }

    @Test(arguments: [
        DICOMEncoding.explicitLittleEndian, .explicitBigEndian, .rle, .jpeg2000Lossless, .jpegLSLossless,
        .jpegBaseline(quality: 95),
    ])
    func rgbSurvives(_ encoding: DICOMEncoding) throws {
        let directory = TemporaryDirectory()
        let rgb = SampleImages.colorPhantom(size: Self.size)
        let image = DICOMImage(
            rows: Self.size, columns: Self.size, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
            photometricInterpretation: "RGB", pixelData: rgb, sopInstanceUID: "2.25.44")
        try DICOMWriter.write(image, to: directory.file("c.dcm"), encoding: encoding)
        let reader = try ImageReader(path: directory.file("c.dcm"))
        #expect(reader.info.decodedSamplesPerPixel == 3 && reader.info.decodedPhotometricInterpretation == "RGB")
        let decoded = try reader.decodeFrame(0)
        if encoding.isLossless {
            #expect(decoded == rgb.map(Float.init))
        } else {
            // Baseline JPEG of colour goes through YBR_FULL_422 with chroma subsampling.
            #expect(reader.info.photometricInterpretation == "YBR_FULL_422")
            let meanError = zip(decoded, rgb).map { abs($0 - Float($1)) }.reduce(0, +) / Float(rgb.count)
            #expect(meanError < 4)
        }
    }

    /// The transfer syntaxes DCMTK's own tools produce from an explicit-VR file built by hand.
    static let dcmtkTranscodes: [(name: String, tool: String, arguments: [String], uid: String, tolerance: Float)] = [
        ("implicit", "dcmconv", ["+ti"], "1.2.840.10008.1.2", 0),
        ("big endian", "dcmconv", ["+tb"], "1.2.840.10008.1.2.2", 0),
        ("deflated", "dcmconv", ["+td"], "1.2.840.10008.1.2.1.99", 0),
        ("JPEG lossless SV1", "dcmcjpeg", ["+e1"], "1.2.840.10008.1.2.4.70", 0),
        ("JPEG lossless P14 sel 7", "dcmcjpeg", ["+el", "+sv", "7"], "1.2.840.10008.1.2.4.57", 0),
        ("JPEG extended 12-bit", "dcmcjpeg", ["+ee", "+q", "95"], "1.2.840.10008.1.2.4.51", 60),
        ("JPEG-LS lossless", "dcmcjpls", ["+el"], "1.2.840.10008.1.2.4.80", 0),
        ("JPEG-LS near-lossless", "dcmcjpls", ["+en", "+md", "3"], "1.2.840.10008.1.2.4.81", 3),
        ("RLE", "dcmcrle", [], "1.2.840.10008.1.2.5", 0),
    ]

    @Test(arguments: 0..<dcmtkTranscodes.count)
    func dcmtkToolOutputDecodes(_ index: Int) throws {
        let transcode = Self.dcmtkTranscodes[index]
        let directory = TemporaryDirectory()
        var builder = DICOMBuilder.image(
            rows: Self.size, columns: Self.size, frames: 2, bitsAllocated: 16, bitsStored: 12,
            pixelData: LE.bytes(Self.ctStored + Self.ctStored))
        builder.set(0x0008, 0x0016, "UI", .string(DICOMUID.ctImage))
        builder.add(0x0028, 0x1052, "DS", .string("-1024"))
        builder.add(0x0028, 0x1053, "DS", .string("1"))
        try writeFile(builder.bytes(), to: directory.file("in.dcm"))
        try dcmtk(transcode.tool, transcode.arguments + [directory.file("in.dcm"), directory.file("out.dcm")])
        let reader = try ImageReader(path: directory.file("out.dcm"))
        #expect(reader.info.transferSyntax?.uid == transcode.uid, "\(transcode.name)")
        let decoded = try reader.decodeAll().pixels
        #expect(maxAbsDifference(decoded, Self.ctHU + Self.ctHU) <= transcode.tolerance, "\(transcode.name)")
    }

    @Test func framesAreDecodedIndividuallyAndInAnyOrder() throws {
        let directory = TemporaryDirectory()
        // Three frames with different contents, JPEG lossless (one fragment per frame).
        let frames = (0..<3).map { f in Self.ctStored.map { UInt16(min(4095, Int($0) + f * 7)) } }
        let image = DICOMImage(
            rows: Self.size, columns: Self.size, frames: 3, bitsAllocated: 16, bitsStored: 12,
            pixelData: DICOMImage.bytes(Array(frames.joined())), sopInstanceUID: "2.25.45")
        for encoding in [DICOMEncoding.jpegLosslessSV1, .explicitLittleEndian, .jpeg2000Lossless, .rle] {
            try DICOMWriter.write(image, to: directory.file("m.dcm"), encoding: encoding)
            let reader = try ImageReader(path: directory.file("m.dcm"))
            for f in [2, 0, 1, 2] {
                #expect(try reader.decodeFrame(f) == frames[f].map(Float.init), "\(encoding) frame \(f)")
            }
            #expect(throws: ImagingError.self) { _ = try reader.decodeFrame(3) }
        }
    }

    @Test func oneFrameOfALargeFileIsReadWithoutTheRest() throws {
        // 160 frames of 512×512 16-bit: an 80 MiB file. Reading its last frame must not load the rest:
        // DCMTK keeps large values on disk and MedSilo reads only that frame's bytes.
        let directory = TemporaryDirectory()
        let side = 512, frames = 160
        let frame = SampleImages.ctPhantom(size: side).map { UInt16($0 + 1024) }
        do {
            let one = DICOMImage.bytes(frame)
            var pixels: [UInt8] = []
            pixels.reserveCapacity(one.count * frames)
            for _ in 0..<frames { pixels += one }
            let image = DICOMImage(
                rows: side, columns: side, frames: frames, bitsAllocated: 16, bitsStored: 12, pixelData: pixels,
                sopInstanceUID: "2.25.77", attributes: [.rescaleIntercept: "-1024"])
            try DICOMWriter.write(image, to: directory.file("big.dcm"), encoding: .explicitLittleEndian)
        }
        // In a child process, so that other tests' allocations cannot blur the figure.
        let result = try runMemoryProbe(["dicom", directory.file("big.dcm"), "159"])
        #expect(result.total == side * side)
        #expect(result.nonZero == frame.filter { Int($0) - 1024 != 0 }.count)
        #expect(result.peakKilobytes > 0 && result.peakKilobytes < 40 * 1024, "peak resident memory \(result.peakKilobytes) kB reading one 512 KiB frame of 80 MiB")
        let last = try ImageReader(path: directory.file("big.dcm")).decodeFrame(159)
        #expect(last == frame.map { Float(Int($0) - 1024) })
    }

    @Test func readingFromMemoryEqualsReadingFromDisk() throws {
        let directory = TemporaryDirectory()
        try DICOMWriter.write(Self.ctImage(), to: directory.file("a.dcm"), encoding: .jpegLSLossless)
        let fromDisk = try ImageReader(path: directory.file("a.dcm")).decodeAll().pixels
        let fromMemory = try ImageReader(bytes: readFile(directory.file("a.dcm"))).decodeAll().pixels
        #expect(fromDisk == fromMemory)
        #expect(fromDisk == Self.ctHU)
    }

    @Test func writesAreByteIdenticalForTheSameInput() throws {
        let directory = TemporaryDirectory()
        for encoding in [DICOMEncoding.jpegExtended(quality: 80), .jpegLSLossless, .jpeg2000(ratio: 5), .rle] {
            try DICOMWriter.write(Self.ctImage(), to: directory.file("1.dcm"), encoding: encoding)
            try DICOMWriter.write(Self.ctImage(), to: directory.file("2.dcm"), encoding: encoding)
            #expect(try readFile(directory.file("1.dcm")) == readFile(directory.file("2.dcm")), "\(encoding)")
        }
    }

    @Test func concurrentReadersAgree() throws {
        let directory = TemporaryDirectory()
        try DICOMWriter.write(Self.ctImage(), to: directory.file("a.dcm"), encoding: .jpegLosslessSV1)
        let path = directory.file("a.dcm")
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            slots[i] = (try? ImageReader(path: path).decodeFrame(0)) ?? []
        }
        for i in 0..<8 { #expect(results[i] == Self.ctHU) }
    }
}
