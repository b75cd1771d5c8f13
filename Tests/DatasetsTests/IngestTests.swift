import Foundation
import Imaging
import Testing
import TestSupport

@testable import Datasets

/// Ingest end to end through the library: pixels, labels, splits, failures, resume, reuse, privacy.
@Suite struct IngestTests {
    /// A CSV dataset: 12 patients × 2 gray PNGs, value = 10·patient + image, three classes, two sites.
    static func csvDataset(_ root: String, extraRows: String = "") throws {
        var manifest = "path,label,patient,site\n"
        for p in 0..<12 {
            for i in 0..<2 {
                let value = UInt8(10 * p + i)
                let path = "img/PATIENT-\(1000 + p)/scan\(i).png"
                try DatasetFixtures.grayPNG(root + "/" + path, value: value)
                manifest += "\(path),class\(p % 3),PATIENT-\(1000 + p),site\(p % 2 == 0 ? "A" : "B")\n"
            }
        }
        try DatasetFixtures.text(root + "/labels.csv", manifest + extraRows)
    }

    @Test func pixelsLabelsPatientsAndSitesArriveInTheStore() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(manifest.samples.count == 24)
        let report = try DatasetFixtures.ingest(manifest, to: directory.file("store"), size: 4)
        #expect(report.samples == 24 && report.failures.isEmpty && !report.reused)
        let store = try DatasetStore(path: directory.file("store"))
        #expect(store.shape == [1, 4, 4])
        #expect(store.classes == ["class0", "class1", "class2"])
        #expect(store.metadata.patients == 12)
        #expect(Set(store.metadata.sites) == ["siteA", "siteB"])
        for index in 0..<store.count {
            // Row order follows the manifest; a constant image stays constant through the area resize.
            let p = index / 2, i = index % 2
            let expected = Float(10 * p + i) / 255
            #expect(store.pixels(index).allSatisfy { abs($0 - expected) < 1e-6 }, "sample \(index)")
            #expect(store.label(index) == p % 3)
            #expect(store.metadata.sites[store.site(index)!] == (p % 2 == 0 ? "siteA" : "siteB"))
            #expect(store.patient(index) == store.patient(index - i))
        }
        // No patient in two splits.
        var splitOfPatient: [Int: Split] = [:]
        for index in 0..<store.count {
            let patient = store.patient(index)!
            if let known = splitOfPatient[patient] { #expect(known == store.split(index)) }
            splitOfPatient[patient] = store.split(index)
        }
        // Normalisation computed on the training split.
        let train = store.indices(of: .train)
        let values = train.flatMap { store.pixels($0) }.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(store.metadata.normalization.mean[0] - mean) < 1e-7)
        let normalized = store.pixels(train[0], normalized: true)
        #expect(abs(Double(normalized[0]) - (Double(store.pixels(train[0])[0]) - mean) / store.metadata.normalization.std[0]) < 1e-5)
    }

    @Test func noRawPatientIdentifierReachesAnyStoreFile() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        let files = try DatasetFixtures.allFiles(directory.file("store"))
        #expect(files.map(\.0).sorted() == ["failures.csv", "images.bin", "labels.bin", "patients.txt", "samples.bin", "samples.csv", "store.json"])
        for (name, bytes) in files {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("PATIENT-"), "\(name) holds a raw patient identifier")
        }
        // The paths are recorded with the identifier replaced by the pseudonym.
        let csv = String(decoding: try readFile(directory.file("store/samples.csv")), as: UTF8.self)
        let store = try DatasetStore(path: directory.file("store"))
        #expect(csv.contains("img/\(store.patients[store.patient(0)!])/scan0.png"))
        // The source is named by its folder, not by where it sat on this machine.
        #expect(store.metadata.source == "src")
        #expect(!String(decoding: try readFile(directory.file("store/store.json")), as: UTF8.self).contains(directory.path))
    }

    @Test func aFileThatFailsIsReportedAndSkippedAndStrictModeAborts() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root, extraRows: "broken.png,class0,PATIENT-9999,siteA\n")
        try DatasetFixtures.text(root + "/broken.png", "not a png at all")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        let report = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        #expect(report.samples == 24)
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.path.hasSuffix(".png") == true)
        #expect(report.failures.first?.path.contains("PATIENT-9999") == false)
        let failures = String(decoding: try readFile(directory.file("store/failures.csv")), as: UTF8.self)
        #expect(failures.contains("not a DICOM, PNG or JPEG file"))
        #expect(throws: DatasetError.self) {
            try DatasetFixtures.ingest(manifest, to: directory.file("strict"), strict: true)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("strict/store.json")))
    }

    @Test func anInterruptedIngestResumesToTheSameStore() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        let key = directory.file("key")
        try writeFile(Array(repeating: 7, count: 32), to: key)
        func options() -> IngestOptions {
            IngestOptions(preprocessing: PreprocessSettings(size: 4), seed: 5, keyFile: key, chunkSize: 5)
        }
        _ = try Ingest.run(manifest, to: directory.file("whole"), options: options())

        // Stop after two chunks: no store appears, the partial folder stays.
        var chunks = 0
        #expect(throws: DatasetError(path: directory.file("cut"), .interrupted)) {
            try Ingest.run(manifest, to: directory.file("cut"), options: options(), progress: { _ in chunks += 1 }, shouldStop: { chunks > 2 })
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("cut/store.json")))
        #expect(FileManager.default.fileExists(atPath: directory.file("cut.partial/journal.txt")))
        // A torn journal line and stray image bytes, as a kill mid-write leaves them.
        let journal = FileHandle(forWritingAtPath: directory.file("cut.partial/journal.txt"))!
        journal.seekToEndOfFile()
        journal.write(Data("10\tok\t1\t0\tabc".utf8))
        journal.closeFile()
        let images = FileHandle(forWritingAtPath: directory.file("cut.partial/images.bin"))!
        images.seekToEndOfFile()
        images.write(Data(repeating: 0xAB, count: 11))
        images.closeFile()

        let resumed = try Ingest.run(manifest, to: directory.file("cut"), options: options())
        #expect(resumed.resumedSamples == 10)
        #expect(!FileManager.default.fileExists(atPath: directory.file("cut.partial")))
        for file in ["images.bin", "labels.bin", "samples.bin", "samples.csv", "patients.txt"] {
            #expect(try readFile(directory.file("whole/\(file)")) == readFile(directory.file("cut/\(file)")), "\(file)")
        }
    }

    @Test func anUnchangedStoreIsReusedAndAChangedInputRebuildsIt() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root)
        let store = directory.file("store")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(try DatasetFixtures.ingest(manifest, to: store).reused == false)
        #expect(try DatasetFixtures.ingest(manifest, to: store).reused == true)
        #expect(try DatasetFixtures.ingest(manifest, to: store, size: 2).reused == false)
        // Rewriting an image with other pixels (and so another size or time) rebuilds.
        try DatasetFixtures.grayPNG(root + "/img/PATIENT-1000/scan0.png", value: 200, width: 9, height: 9)
        let changed = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(try DatasetFixtures.ingest(changed, to: store, size: 2).reused == false)
        let reopened = try DatasetStore(path: store)
        #expect(reopened.pixels(0).allSatisfy { abs($0 - 200 / 255) < 1e-6 })
    }

    @Test func float32StorageKeepsUnquantisedValues() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        // 2×2 → 1×1 area: the mean of 0, 1, 2 and 4 is 1.75 (not a multiple of 1/255 after scaling).
        try DatasetFixtures.grayPNG(root + "/a/x.png", pixels: [0, 1, 2, 4], width: 2, height: 2)
        let manifest = try LayoutSelection.manifest(source: root, kind: .imagefolder, options: LayoutOptions())
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("f"), size: 1, storage: .float32)
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("u"), size: 1, storage: .uint8)
        #expect(try abs(DatasetStore(path: directory.file("f")).pixels(0)[0] - 1.75 / 255) < 1e-7)
        #expect(try DatasetStore(path: directory.file("u")).pixels(0) == [2 / 255])
    }

    @Test func dicomIntensityFollowsTheWindowAndChannelsConvert() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        // Window 40/400 (linear): lower edge −160 → 0, upper 240 → 1; 40 HU → (40 − 39.5)/399 + 0.5.
        try DatasetFixtures.ctDICOM(root + "/ct/a.dcm", hu: 40, patientID: "X1")
        try DatasetFixtures.ctDICOM(root + "/ct/b.dcm", hu: -1000, patientID: "X2")
        try DatasetFixtures.rgbJPEG(root + "/rgb/c.jpg", rgb: (255, 0, 0))
        let manifest = try LayoutSelection.manifest(source: root, kind: .imagefolder, options: LayoutOptions())
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("gray"), size: 2, channels: 1, storage: .float32)
        let gray = try DatasetStore(path: directory.file("gray"))
        #expect(gray.pixels(0).allSatisfy { abs($0 - Float(0.5 / 399 + 0.5)) < 1e-6 })
        #expect(gray.pixels(1).allSatisfy { $0 == 0 })
        // Red by BT.601 luma: 0.299 (JPEG at quality 100 keeps a flat red within 1/255).
        #expect(gray.pixels(2).allSatisfy { abs($0 - 0.299) < 0.005 })
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("rgb"), size: 2, channels: 3, storage: .float32)
        let rgb = try DatasetStore(path: directory.file("rgb"))
        let ct = rgb.pixels(0)
        #expect(ct.count == 12 && ct.allSatisfy { $0 == ct[0] })
        let red = rgb.pixels(2)
        #expect(red[0..<4].allSatisfy { $0 > 0.99 } && red[4..<12].allSatisfy { $0 < 0.01 })
    }

    @Test func aDamagedStoreIsRefusedWhenOpened() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try Self.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        let images = directory.file("store/images.bin")
        let bytes = try readFile(images)
        try writeFile(Array(bytes.dropLast(3)), to: images)
        #expect(throws: DatasetError.self) { try DatasetStore(path: directory.file("store")) }
        #expect(throws: DatasetError.self) { try DatasetStore(path: directory.file("nowhere")) }
    }
}

@Suite struct StrictRefusalTests {
    @Test func strictModeRefusesARefusedManifestRowBeforeWriting() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root, extraRows: "img/missing.png,class0,PATIENT-1,siteA\n")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(manifest.rejected.count == 1)
        #expect(throws: DatasetError.self) { try DatasetFixtures.ingest(manifest, to: directory.file("store"), strict: true) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("store")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("store.partial")))
        // Without --strict the row is reported and the rest ingested.
        #expect(try DatasetFixtures.ingest(manifest, to: directory.file("store")).samples == 24)
    }

    @Test func anOutFolderThatIsNotAStoreIsNeverReplaced() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root)
        let precious = directory.file("thesis")
        try DatasetFixtures.text(precious + "/chapter1.tex", "do not delete")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(throws: DatasetError.self) { try DatasetFixtures.ingest(manifest, to: precious) }
        #expect(FileManager.default.fileExists(atPath: precious + "/chapter1.tex"))
        // An empty folder is fine.
        try FileManager.default.createDirectory(atPath: directory.file("empty"), withIntermediateDirectories: true)
        #expect(try DatasetFixtures.ingest(manifest, to: directory.file("empty")).samples == 24)
    }

    @Test func refusedRowsAndFailedFilesCarryNoRawIdentifierEvenWithoutPaths() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(
            root, extraRows: "img/MRN-0012399/study0/view.png,class0,MRN-0012399,siteA\nimg/MRN-0055555/bad.png,class1,MRN-0055555,siteB\n")
        try DatasetFixtures.text(root + "/img/MRN-0055555/bad.png", "broken")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        for policy in IngestOptions.SourcePaths.allCases {
            let store = directory.file("store-\(policy.rawValue)")
            let options = IngestOptions(preprocessing: PreprocessSettings(size: 4), sourcePaths: policy)
            let report = try Ingest.run(manifest, to: store, options: options)
            #expect(report.failures.count == 1 && report.rejected.count == 1)
            let reportText = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(!reportText.contains("MRN-"), "\(policy): the report holds a raw identifier")
            for (name, bytes) in try DatasetFixtures.allFiles(store) {
                #expect(!String(decoding: bytes, as: UTF8.self).contains("MRN-"), "\(policy): \(name)")
            }
            let failures = String(decoding: try readFile(store + "/failures.csv"), as: UTF8.self)
            #expect(failures.contains("no such file"))
            if policy == .none {
                #expect(!failures.contains("img/"), "paths withheld")
            } else {
                #expect(failures.contains("img/p"), "paths recorded with the pseudonym")
            }
        }
    }
}
