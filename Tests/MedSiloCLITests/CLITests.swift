import Foundation
import Imaging
import Testing
import TestSupport

/// The `medsilo` binary end to end: the contracts scripts rely on.
@Suite struct CLITests {
    /// The `medsilo` executable built next to the test bundle.
    static let binary: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("medsilo").path
    }()

    static func medsilo(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(binary, arguments)
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func inspectReportsEveryPhantomWithExactStatistics() throws {
        let directory = TemporaryDirectory()
        let size = 40
        let written = try Self.medsilo("phantoms", "--out", directory.path, "--size", "\(size)")
        #expect(written.status == 0)
        let result = try Self.medsilo("inspect", directory.path, "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let records = try Self.jsonLines(result.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(records.count == files.count)
        // Expected statistics of the lossless CT phantom, computed from the generator itself.
        let hu = SampleImages.ctPhantom(size: size).map(Double.init)
        let mean = hu.reduce(0, +) / Double(hu.count)
        for record in records {
            let path = try #require(record["path"] as? String)
            for key in ["format", "rows", "columns", "frames", "samplesPerPixel", "bitsStored", "photometricInterpretation", "min", "max", "mean"] {
                #expect(record[key] != nil, "\(path) lacks \(key)")
            }
            #expect(record["error"] == nil)
            if path.hasSuffix(".dcm") {
                #expect(record["format"] as? String == "dicom")
                #expect(record["transferSyntaxUID"] is String && record["modality"] is String, "\(path)")
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            if ["ct_explicit_le.dcm", "ct_rle.dcm", "ct_j2k_lossless.dcm", "ct_jpegls_lossless.dcm", "ct_multiframe.dcm"].contains(name) {
                #expect(record["min"] as? Double == hu.min())
                #expect(record["max"] as? Double == hu.max())
                #expect(abs((record["mean"] as? Double ?? 0) - mean) < 1e-9)
                #expect(record["rows"] as? Int == size && record["bitsStored"] as? Int == 12)
            }
        }
        #expect(!result.stdout.contains("PatientID") && !result.stdout.contains("patientID"))
    }

    @Test func inspectReportsFailuresAndExitsOne() throws {
        let directory = TemporaryDirectory()
        try writeFile(Array("not an image".utf8), to: directory.file("notes.txt"))
        try writeFile(try PNGWriter.encode([1, 2, 3, 4] as [UInt8], width: 2, height: 2, channels: 1), to: directory.file("ok.png"))
        try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: true)
        try writeFile(try PNGWriter.encode([9] as [UInt8], width: 1, height: 1, channels: 1), to: directory.file("sub/deep.png"))

        let flat = try Self.medsilo("inspect", directory.path, "--json")
        #expect(flat.status == 1)
        let records = try Self.jsonLines(flat.stdout)
        #expect(records.count == 2)
        let failed = try #require(records.first { ($0["path"] as? String)?.hasSuffix("notes.txt") == true })
        #expect(failed["error"] as? String == "not a DICOM, PNG or JPEG file")
        let ok = try #require(records.first { ($0["path"] as? String)?.hasSuffix("ok.png") == true })
        #expect(ok["min"] as? Double == 1 && ok["max"] as? Double == 4 && ok["mean"] as? Double == 2.5)

        // A DICOM file without Modality still carries the key, as null.
        let bare = DICOMBuilder.image(rows: 1, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [3, 5])
        var noModality = bare
        noModality.elements.removeAll { $0.group == 0x0008 && $0.element == 0x0060 }
        try writeFile(noModality.bytes(), to: directory.file("sub/bare.dcm"))
        let dicom = try Self.jsonLines(try Self.medsilo("inspect", directory.file("sub/bare.dcm"), "--json").stdout)
        #expect(dicom.count == 1 && dicom[0]["modality"] is NSNull)
        #expect(dicom[0]["transferSyntaxUID"] as? String == "1.2.840.10008.1.2.1")

        let deep = try Self.medsilo("inspect", directory.path, "--recursive", "--json")
        #expect(try Self.jsonLines(deep.stdout).count == 4)
        let good = try Self.medsilo("inspect", directory.file("ok.png"), directory.file("sub/deep.png"))
        #expect(good.status == 0)
        #expect(good.stdout.split(separator: "\n").count == 2)
    }

    @Test func convertToNumPyKeepsModalityValuesAndShape() throws {
        let directory = TemporaryDirectory()
        _ = try Self.medsilo("phantoms", "--out", directory.path, "--size", "32")
        let hu = SampleImages.ctPhantom(size: 32).map(Float.init)

        #expect(try Self.medsilo("convert", directory.file("ct_multiframe.dcm"), directory.file("all.npy")).status == 0)
        let all = try readNPY(directory.file("all.npy"))
        #expect(all.shape == [3, 32, 32, 1])
        #expect(all.values == hu + hu + hu)

        #expect(try Self.medsilo("convert", directory.file("ct_rle.dcm"), directory.file("one.npy"), "--frame", "0").status == 0)
        #expect(try readNPY(directory.file("one.npy")).values == hu)

        #expect(try Self.medsilo("convert", directory.file("xc_rgb_planar.dcm"), directory.file("rgb.npy")).status == 0)
        let rgb = try readNPY(directory.file("rgb.npy"))
        #expect(rgb.shape == [1, 32, 32, 3])
        #expect(rgb.values == SampleImages.colorPhantom(size: 32).map(Float.init))

        // MONOCHROME1 is written as stored.
        #expect(try Self.medsilo("convert", directory.file("dx_monochrome1.dcm"), directory.file("m1.npy")).status == 0)
        let gray = hu.map { UInt8(clamping: (Int($0) + 1000) / 8) }
        #expect(try readNPY(directory.file("m1.npy")).values == gray.map { Float(255 - $0) })
    }

    @Test func convertToPNGWindowsAndInvertsForDisplay() throws {
        let directory = TemporaryDirectory()
        // Values 0, 100, 200, 300 with window 150/101 (LINEAR): ≤ 99.5 → 0, > 199.5 → 255, 150 → midway.
        var builder = DICOMBuilder.image(rows: 1, columns: 5, bitsAllocated: 16, bitsStored: 16,
                                         pixelData: LE.bytes([0, 100, 150, 200, 300] as [UInt16]))
        builder.add(0x0028, 0x1050, "DS", .string("150"))
        builder.add(0x0028, 0x1051, "DS", .string("101"))
        try writeFile(builder.bytes(), to: directory.file("w.dcm"))
        #expect(try Self.medsilo("convert", directory.file("w.dcm"), directory.file("auto.png"), "--window", "auto").status == 0)
        // 100: (100 − 149.5)/100 + 0.5 = 0.005 → 1.275 → 1; 150: 0.505 → 128.775 → 129.
        #expect(try ImageReader(path: directory.file("auto.png")).decodeFrame(0) == [0, 1, 129, 255, 255])

        // Explicit window 100,201 (LINEAR), 16-bit output: c − ½ = 99.5, w − 1 = 200, so 0 → 0.0025 · 65535
        // = 163.8 → 164; 100 → 0.5025 → 32931.3 → 32931; 150 → 0.7525 → 49315.1 → 49315; 200 > 199.5 → 65535.
        #expect(try Self.medsilo("convert", directory.file("w.dcm"), directory.file("e.png"), "--window", "100,201", "--bits", "16").status == 0)
        #expect(try ImageReader(path: directory.file("e.png")).decodeFrame(0) == [164, 32931, 49315, 65535, 65535])

        // Without a window in the file: min–max; MONOCHROME1 inverted.
        var inverted = DICOMBuilder.image(rows: 1, columns: 3, bitsAllocated: 8, bitsStored: 8, photometric: "MONOCHROME1",
                                          pixelData: [10, 20, 30])
        inverted.preamble = true
        try writeFile(inverted.bytes(), to: directory.file("m1.dcm"))
        #expect(try Self.medsilo("convert", directory.file("m1.dcm"), directory.file("m1.png")).status == 0)
        #expect(try ImageReader(path: directory.file("m1.png")).decodeFrame(0) == [255, 128, 0])
    }

    @Test func convertFailuresAreOneClearMessage() throws {
        let directory = TemporaryDirectory()
        try writeFile(try PNGWriter.encode([1, 2, 3, 4] as [UInt8], width: 2, height: 2, channels: 1), to: directory.file("a.png"))
        let badExtension = try Self.medsilo("convert", directory.file("a.png"), directory.file("a.tiff"))
        #expect(badExtension.status != 0 && badExtension.stderr.contains(".npy or .png"))
        let windowOnNPY = try Self.medsilo("convert", directory.file("a.png"), directory.file("a.npy"), "--window", "1,2")
        #expect(windowOnNPY.status != 0)
        let missing = try Self.medsilo("convert", directory.file("absent.dcm"), directory.file("x.npy"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("absent.dcm") && missing.stderr.contains("No such file"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.npy")))
        let frame = try Self.medsilo("convert", directory.file("a.png"), directory.file("y.npy"), "--frame", "3")
        #expect(frame.status == 1 && frame.stderr.contains("frame 3 out of range"))
        let colourWindow = try Self.medsilo("convert", directory.file("a.png"), directory.file("y.png"), "--window", "1,2")
        #expect(colourWindow.status == 0)  // gray PNG is monochrome: an explicit window applies
    }

    @Test func phantomsAreByteIdenticalAcrossRuns() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        _ = try Self.medsilo("phantoms", "--out", a.path, "--size", "24")
        _ = try Self.medsilo("phantoms", "--out", b.path, "--size", "24")
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        #expect(files.count > 30)
        for file in files {
            #expect(try readFile(a.file(file)) == readFile(b.file(file)), "\(file)")
        }
    }
}
