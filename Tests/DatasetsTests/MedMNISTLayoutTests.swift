import Foundation
import NPZ
import Testing
import TestSupport

@testable import Datasets

/// MedMNIST archives built by hand (stored and deflated members), ingested end to end.
@Suite struct MedMNISTLayoutTests {
    /// An archive with `counts` train/val/test images of side `side` (pixel value = 7·row + split + 1,
    /// so every image is distinguishable) and labels `row % classes` (or a one-hot pattern for chest).
    static func archive(
        _ path: String, side: Int = 4, rgb: Bool = false, counts: [Int] = [6, 2, 3], classes: Int = 9, labelColumns: Int = 1,
        compression: ZIPBuilder.Compression = .stored, imageDescr: String = "|u1"
    ) throws {
        var builder = ZIPBuilder()
        for (split, (prefix, count)) in zip(["train", "val", "test"], counts).enumerated() {
            let channels = rgb ? 3 : 1
            var pixels: [UInt8] = []
            for row in 0..<count {
                pixels += [UInt8](repeating: UInt8((7 * row + split + 1) % 256), count: side * side * channels)
            }
            let shape = rgb ? [count, side, side, 3] : [count, side, side]
            builder.add(.init("\(prefix)_images.npy", NPYBuilder.encode(descr: imageDescr, shape: shape, data: pixels), compression))
            var labels: [UInt8] = []
            for row in 0..<count {
                if labelColumns == 1 {
                    labels.append(UInt8(row % classes))
                } else {
                    labels += (0..<labelColumns).map { UInt8(($0 + row) % 3 == 0 ? 1 : 0) }
                }
            }
            builder.add(.init("\(prefix)_labels.npy", NPYBuilder.encode(descr: "|u1", shape: [count, labelColumns], data: labels), compression))
        }
        try writeFile(builder.bytes(), to: path)
    }

    @Test(arguments: [ZIPBuilder.Compression.stored, .deflated(.fixedHuffman)])
    func pathMNISTKeepsSplitsClassNamesAndPixels(compression: ZIPBuilder.Compression) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("pathmnist.npz")
        try Self.archive(path, rgb: true, compression: compression)
        let manifest = try LayoutSelection.manifest(source: path, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "medmnist")
        #expect(manifest.classes == MedMNISTCatalog.dataset(.pathmnist).classNames)
        #expect(manifest.samples.map(\.split) == [Split](repeating: .train, count: 6) + [.val, .val, .test, .test, .test])
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"), size: 2, channels: 3, storage: .float32)
        let store = try DatasetStore(path: directory.file("store"))
        #expect(store.metadata.splits == ["train": 6, "val": 2, "test": 3])
        for index in 0..<store.count {
            let (split, row) = index < 6 ? (0, index) : index < 8 ? (1, index - 6) : (2, index - 8)
            let expected = Float(7 * row + split + 1) / 255
            #expect(store.pixels(index).allSatisfy { abs($0 - expected) < 1e-6 }, "sample \(index)")
            #expect(store.label(index) == row % 9)
        }
    }

    @Test func chestMNISTIsMultiLabel() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("chestmnist_64.npz")
        try Self.archive(path, labelColumns: 14, compression: .deflated(.fixedHuffman))
        let manifest = try LayoutSelection.manifest(source: directory.path, kind: .medmnist, options: LayoutOptions())
        #expect(manifest.multiLabel)
        #expect(manifest.classes == MedMNISTCatalog.dataset(.chestmnist).classNames)
        #expect(manifest.samples[0].labels == [0, 3, 6, 9, 12])
        #expect(manifest.samples[1].labels == [2, 5, 8, 11])
        #expect(manifest.notes.first?.contains("64 px") == true)
    }

    @Test func anUnknownNameGetsNumberedClassesAndBadArraysAreRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("mydata.npz")
        try Self.archive(path, classes: 3)
        let manifest = try LayoutSelection.manifest(source: path, kind: .medmnist, options: LayoutOptions())
        #expect(manifest.classes == ["0", "1", "2"])
        let floats = directory.file("floats.npz")
        try Self.archive(floats, imageDescr: "<f4")
        #expect(throws: DatasetError.self) {
            try LayoutSelection.manifest(source: floats, kind: .medmnist, options: LayoutOptions())
        }
        try writeFile(Array("PK not really".utf8), to: directory.file("junk.npz"))
        #expect(throws: DatasetError.self) {
            try LayoutSelection.manifest(source: directory.file("junk.npz"), kind: .medmnist, options: LayoutOptions())
        }
    }

    @Test func aDamagedMemberFailsTheIngestAndLeavesNothingToResume() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("bloodmnist.npz")
        try Self.archive(path, rgb: true, counts: [40, 2, 2], classes: 8)
        // Corrupt pixels of the stored train images (CRC mismatch found at the member's end).
        var bytes = try readFile(path)
        let marker = Array("train_images.npy".utf8)
        let at = (0..<bytes.count - marker.count).first { Array(bytes[$0..<$0 + marker.count]) == marker }!
        bytes[at + marker.count + 200] ^= 0xFF
        try writeFile(bytes, to: path)
        let manifest = try LayoutSelection.manifest(source: path, kind: .medmnist, options: LayoutOptions())
        #expect(throws: DatasetError.self) {
            try DatasetFixtures.ingest(manifest, to: directory.file("store"), chunkSize: 8)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("store.partial")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("store")))
    }
}
