import Foundation
import Testing
import TestSupport

@testable import Datasets

/// Regressions for what a review of the ingest found: each test fails on the code before its fix.
@Suite struct ReviewRegressionTests {
    @Test func nonFiniteWindowsAndNormalisationsAreRefusedUpFront() {
        #expect(throws: DatasetError.self) { try PreprocessSettings(dicomIntensity: .window(center: .nan, width: 400)).validate() }
        #expect(throws: DatasetError.self) { try PreprocessSettings(dicomIntensity: .window(center: 40, width: .infinity)).validate() }
        #expect(throws: DatasetError.self) { try PreprocessSettings(normalization: Normalization(mean: [.nan], std: [1])).validate() }
        #expect(throws: DatasetError.self) { try PreprocessSettings(normalization: Normalization(mean: [0.5], std: [.infinity])).validate() }
        // And a NaN value reaching the quantiser is stored as 0 instead of trapping.
        var bytes: [UInt8] = []
        [Float.nan, 0.5, 2].withUnsafeBufferPointer { encodeStored($0, storage: .uint8, into: &bytes) }
        #expect(bytes == [0, 128, 255])
    }

    @Test func aStoreClaimingAnImpossibleSizeIsRefusedNotATrap() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        let path = directory.file("store/store.json")
        var text = String(decoding: try readFile(path), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"count\" : 24", with: "\"count\" : 4611686018427387904")
        try writeFile(Array(text.utf8), to: path)
        #expect(throws: DatasetError.self) { try DatasetStore(path: directory.file("store")) }
    }

    @Test func classOrderDoesNotDependOnSetOrder() {
        for _ in 0..<20 { #expect(orderedClasses(["01", "1", "+1", "2"]) == ["+1", "01", "1", "2"]) }
    }

    @Test func cheXpertPatientIsThePatientNumberComponent() {
        #expect(CheXpertPreset.patient(in: "patients/patient00001/study1/view1_frontal.jpg") == "patient00001")
        #expect(CheXpertPreset.patient(in: "CheXpert-v1.0-small/train/patient64541/study1/x.jpg") == "patient64541")
        #expect(CheXpertPreset.patient(in: "train/patientX/study1/x.jpg") == nil)
    }

    @Test func aStrictRunDoesNotFinishFromANonStrictRunsFailures() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root, extraRows: "broken.png,class0,PATIENT-9999,siteA\n")
        try DatasetFixtures.text(root + "/broken.png", "broken")
        var manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        manifest.samples.insert(manifest.samples.removeLast(), at: 0)  // the broken file first
        var chunks = 0
        // Non-strict, interrupted after the first chunk (the one holding the broken file).
        #expect(throws: DatasetError.self) {
            try Ingest.run(
                manifest, to: directory.file("store"), options: IngestOptions(preprocessing: PreprocessSettings(size: 4), chunkSize: 5),
                progress: { _ in chunks += 1 }, shouldStop: { chunks > 1 })
        }
        #expect(FileManager.default.fileExists(atPath: directory.file("store.partial/journal.txt")))
        #expect(throws: DatasetError.self) {
            try Ingest.run(
                manifest, to: directory.file("store"),
                options: IngestOptions(preprocessing: PreprocessSettings(size: 4), strict: true, chunkSize: 5))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("store/store.json")))
        // Nor does it reuse a finished store that has failures.
        _ = try Ingest.run(manifest, to: directory.file("store"), options: IngestOptions(preprocessing: PreprocessSettings(size: 4), chunkSize: 5))
        #expect(throws: DatasetError.self) {
            try Ingest.run(
                manifest, to: directory.file("store"),
                options: IngestOptions(preprocessing: PreprocessSettings(size: 4), strict: true, chunkSize: 5))
        }
    }

    @Test func anotherKeyInTheSameKeyFileRebuildsAndADamagedStoreIsNotReused() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        let key = directory.file("key")
        try writeFile(Array(repeating: 1, count: 32), to: key)
        let options = IngestOptions(preprocessing: PreprocessSettings(size: 4), keyFile: key)
        let store = directory.file("store")
        #expect(try !Ingest.run(manifest, to: store, options: options).reused)
        #expect(try Ingest.run(manifest, to: store, options: options).reused)
        try writeFile(Array(repeating: 2, count: 32), to: key)
        #expect(try !Ingest.run(manifest, to: store, options: options).reused)
        try writeFile([], to: store + "/images.bin")
        #expect(try !Ingest.run(manifest, to: store, options: options).reused)
        #expect(try DatasetStore(path: store).count == 24)
    }

    @Test func trailingSlashesAndForeignSiblingFoldersAreSafe() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try IngestTests.csvDataset(root)
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        let out = directory.file("stores/derm/")
        _ = try DatasetFixtures.ingest(manifest, to: out)
        _ = try DatasetFixtures.ingest(manifest, to: out, size: 2)  // replaces the store
        #expect(try DatasetStore(path: directory.file("stores/derm")).shape == [1, 2, 2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("stores")) == ["derm"])
        // A user folder that happens to have the partial name is not deleted.
        try DatasetFixtures.text(directory.file("stores/ct.partial/notes.txt"), "mine")
        #expect(throws: DatasetError.self) { try DatasetFixtures.ingest(manifest, to: directory.file("stores/ct")) }
        #expect(FileManager.default.fileExists(atPath: directory.file("stores/ct.partial/notes.txt")))
    }

    @Test func aDICOMTreeFolderedByPatientIDLeaksNoIDThroughRefusedFiles() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("pacs")
        try DatasetFixtures.ctDICOM(root + "/PID-77001/IM1.dcm", hu: 0, patientID: "PID-77001", sopUID: "1.2.9.1")
        try DatasetFixtures.text(root + "/PID-77001/IM2.dcm", "DICM but not really")
        try DatasetFixtures.text(root + "/PID-77001/IM3", "junk")
        try DatasetFixtures.text(root + "/labels.csv", "sop,finding\n1.2.9.1,normal\n")
        let options = LayoutOptions(manifest: "labels.csv", labelColumn: "finding", dicomKey: .sopInstanceUID, keyColumn: "sop")
        let manifest = try LayoutSelection.manifest(source: root, kind: .dicom, options: options)
        #expect(manifest.rejected.count == 2)
        let report = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        #expect(!String(decoding: try JSONEncoder().encode(report), as: UTF8.self).contains("PID-77001"))
        for (name, bytes) in try DatasetFixtures.allFiles(directory.file("store")) {
            #expect(!String(decoding: bytes, as: UTF8.self).contains("PID-77001"), "\(name)")
        }
    }

    /// A link inside a DICOM tree to a DICOM file outside it is never parsed: its sample is not in the manifest.
    @Test func aDICOMTreeNeverReadsThroughALinkLeavingTheRoot() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("pacs")
        try DatasetFixtures.ctDICOM(root + "/a/IM1.dcm", hu: 0, patientID: "P1", sopUID: "1.2.9.1")
        try DatasetFixtures.ctDICOM(directory.file("elsewhere/IM9.dcm"), hu: 0, patientID: "P9", sopUID: "1.2.9.9")
        try FileManager.default.createSymbolicLink(atPath: root + "/a/IM9.dcm", withDestinationPath: directory.file("elsewhere/IM9.dcm"))
        try DatasetFixtures.text(root + "/labels.csv", "sop,finding\n1.2.9.1,normal\n1.2.9.9,abnormal\n")
        let options = LayoutOptions(manifest: "labels.csv", labelColumn: "finding", dicomKey: .sopInstanceUID, keyColumn: "sop")
        let manifest = try LayoutSelection.manifest(source: root, kind: .dicom, options: options)
        #expect(manifest.samples.count == 1 && manifest.samples.allSatisfy { $0.patient != "P9" })
        // Refused by the path guard, by name, before its header was read: the refusal carries no identifier
        // read from the file (a parsed one would name its patient and key).
        let refused = try #require(manifest.rejected.first { $0.path == "a/IM9.dcm" })
        #expect(refused.identifiers.isEmpty, "\(refused)")
    }
}
