import Foundation
import Imaging
import TestSupport

@testable import Datasets

/// Small source folders of real image files with known pixels, for the layout and ingest tests.
enum DatasetFixtures {
    /// A gray PNG whose every pixel is `value`.
    static func grayPNG(_ path: String, value: UInt8, width: Int = 8, height: Int = 8) throws {
        try makeParent(path)
        let bytes = try PNGWriter.encode([UInt8](repeating: value, count: width * height), width: width, height: height, channels: 1)
        try writeFile(bytes, to: path)
    }

    /// A gray PNG with the given pixels (row-major).
    static func grayPNG(_ path: String, pixels: [UInt8], width: Int, height: Int) throws {
        try makeParent(path)
        try writeFile(try PNGWriter.encode(pixels, width: width, height: height, channels: 1), to: path)
    }

    /// An RGB JPEG of one colour (quality 100, 4:4:4 so a flat colour decodes within ±1).
    static func rgbJPEG(_ path: String, rgb: (UInt8, UInt8, UInt8), size: Int = 16) throws {
        try makeParent(path)
        var samples: [UInt8] = []
        for _ in 0..<(size * size) { samples += [rgb.0, rgb.1, rgb.2] }
        try writeFile(
            try JPEGWriter.encode(samples, width: size, height: size, channels: 3, quality: 100, subsampling: .s444), to: path)
    }

    /// A 16-bit CT DICOM in HU (slope 1, intercept −1024) of one value, with identifying attributes.
    static func ctDICOM(
        _ path: String, hu: Int, patientID: String, institution: String? = nil, sopUID: String? = nil,
        window: (center: Int, width: Int)? = (40, 400), size: Int = 8
    ) throws {
        try makeParent(path)
        let stored = [UInt16](repeating: UInt16(hu + 1024), count: size * size)
        var attributes: [DICOMTag: String] = [
            .patientID: patientID, .rescaleSlope: "1", .rescaleIntercept: "-1024", .modality: "CT",
        ]
        if let institution { attributes[.institutionName] = institution }
        if let window {
            attributes[.windowCenter] = String(window.center)
            attributes[.windowWidth] = String(window.width)
        }
        let uid = sopUID ?? DICOMUID.derived(from: path)
        let image = DICOMImage(
            rows: size, columns: size, bitsAllocated: 16, bitsStored: 16, pixelData: DICOMImage.bytes(stored),
            sopInstanceUID: uid, sopClassUID: DICOMUID.ctImage, attributes: attributes)
        try DICOMWriter.write(image, to: path, encoding: .explicitLittleEndian)
    }

    static func text(_ path: String, _ content: String) throws {
        try makeParent(path)
        try writeFile(Array(content.utf8), to: path)
    }

    static func makeParent(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }

    /// Every file under `folder`, recursively, with its bytes.
    static func allFiles(_ folder: String) throws -> [(String, [UInt8])] {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        var files: [(String, [UInt8])] = []
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = folder + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append((name, try readFile(path)))
            }
        }
        return files
    }

    /// Ingests `manifest` into `store` with quiet defaults.
    static func ingest(
        _ manifest: SourceManifest, to store: String, size: Int = 4, channels: Int = 1, seed: UInt64 = 0,
        chunkSize: Int = 256, storage: PreprocessSettings.Storage = .uint8, strict: Bool = false,
        ratios: PatientSplitter.Ratios = .default, shouldStop: @escaping () -> Bool = { false }
    ) throws -> IngestReport {
        let options = IngestOptions(
            preprocessing: PreprocessSettings(size: size, channels: channels, storage: storage), ratios: ratios, seed: seed,
            strict: strict, chunkSize: chunkSize)
        return try Ingest.run(manifest, to: store, options: options, shouldStop: shouldStop)
    }
}
