import Datasets
import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target for the CSV manifests: the input is parsed by `CSVTable(bytes:path:)`, then written
/// as the manifest of each layout that reads a CSV and whose key columns its header has (csv with a
/// label column, with one-hot columns and with custom columns; the dicom layout; the HAM10000, ISIC 2019,
/// NIH ChestX-ray14, RSNA Pneumonia and CheXpert presets, CheXpert chosen by `.auto`), each in its own
/// scratch folder holding a few empty image files for rows to name, and run through
/// `LayoutSelection.manifest` to the manifest stage. Nothing is decoded: the dicom folders hold no
/// DICOM file, and no ingest runs. Errors are the expected outcome; a crash, a sanitizer report, a
/// hang or a broken invariant of the manifest (checked with `precondition`) is a bug.
@main
struct Fuzz {
    static func main() {
        let sources = Source.makeAll()
        runFuzzer { input in
            let bytes = Array(input)
            let table = try? CSVTable(bytes: bytes, path: "fuzz.csv")
            if let table {
                for row in table.rows { precondition(row.fields.count == table.header.count, "row of the wrong width") }
                precondition(table.rows.count + table.badRows.count < bytes.count, "more rows than bytes")
            }
            // Only the layouts whose key columns the header has: the others would stop at the same
            // missing-column error every time, and each layout run costs file writes and folder walks.
            // An input that does not parse goes to the csv layout alone, for its error path.
            for source in sources where table.map({ table in source.needs.allSatisfy { table.column($0) != nil } }) ?? (source.kind == .csv) {
                for file in source.manifests { writeFile(source.root + "/" + file, input) }
                do throws(DatasetError) {
                    let manifest = try LayoutSelection.manifest(source: source.root, kind: source.kind, options: source.options)
                    check(manifest)
                    if verbose {
                        print("\(manifest.layout): \(manifest.samples.count) samples, \(manifest.classes.count) classes, \(manifest.rejected.count) rejected")
                    }
                } catch {
                    if verbose { print("\(source.kind.rawValue): \(error)") }
                }
            }
            return 0
        }
    }
}

/// MEDSILO_FUZZ_VERBOSE=1 prints what each layout made of the input (to check seeds, with -runs=0).
let verbose = getenv("MEDSILO_FUZZ_VERBOSE") != nil

/// A scratch dataset folder for one layout: the manifest files the input is written to, and the empty
/// image files rows can name.
struct Source {
    var kind: LayoutKind
    var options = LayoutOptions()
    var manifests: [String]
    /// Columns (case-insensitive) the input's header must have for this layout to be run on it.
    var needs: [String]
    var root = ""

    static let images = [
        "a.png", "b.jpg", "c.jpeg", "d.dcm", "images/e.png", "images/00000001_000.png", "sub dir/f.png",
        "ISIC_0000000.jpg", "ISIC_0024306.jpg", "patient1/study1/view1_frontal.jpg",
        "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg",
    ]
    /// Files the dicom layouts would read as DICOM; the dicom folders get only PNG and JPEG files.
    static let dicomImages = images.filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") || $0.hasSuffix(".jpeg") }

    static func makeAll() -> [Source] {
        var sources = [
            Source(kind: .csv, manifests: ["labels.csv"], needs: ["path"]),
            Source(
                kind: .csv, options: LayoutOptions(manifest: "onehot.csv", oneHotColumns: ["MEL", "NV", "BCC"]),
                manifests: ["onehot.csv"], needs: ["path", "MEL"]),
            Source(
                kind: .csv, options: LayoutOptions(manifest: "meta.csv", pathColumn: "file", labelColumn: "dx", labelSeparator: ";"),
                manifests: ["meta.csv"], needs: ["file"]),
            Source(
                kind: .dicom, options: LayoutOptions(manifest: "labels.csv", keyColumn: "PatientID"),
                manifests: ["labels.csv"], needs: ["PatientID"]),
            Source(kind: .ham10000, manifests: ["HAM10000_metadata.csv"], needs: ["lesion_id"]),
            Source(kind: .isic2019, manifests: ["ISIC_2019_Training_GroundTruth.csv"], needs: ["image"]),
            // The same input as ground truth and metadata: the metadata's lesion_id groups the rows.
            Source(
                kind: .isic2019, manifests: ["ISIC_2019_Training_GroundTruth.csv", "ISIC_2019_Training_Metadata.csv"],
                needs: ["image", "lesion_id"]),
            Source(kind: .nihChestXray14, manifests: ["Data_Entry_2017.csv"], needs: ["Image Index"]),
            Source(kind: .rsnaPneumonia, manifests: ["stage_2_train_labels.csv"], needs: ["patientId"]),
            // Guessed from the CheXpert-v1.0-small folder, so that the guess runs too.
            Source(kind: .auto, manifests: ["train.csv", "valid.csv"], needs: ["Path"]),
        ]
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        for index in sources.indices {
            let root = makeScratchFolder()
            let dicom = [.dicom, .rsnaPneumonia].contains(sources[index].kind)
            for image in dicom ? dicomImages : images {
                if let slash = image.lastIndex(of: "/") { makeFolders(root + "/" + image[..<slash]) }
                writeFile(root + "/" + image, empty)
            }
            if sources[index].kind == .nihChestXray14 {
                Array("00000001_000.png\n".utf8).withUnsafeBytes { writeFile(root + "/test_list.txt", $0) }
            }
            sources[index].root = root
        }
        return sources
    }
}

/// What every manifest must satisfy, whatever the input.
func check(_ manifest: SourceManifest) {
    precondition(Set(manifest.classes).count == manifest.classes.count, "duplicate class names \(manifest.classes)")
    for sample in manifest.samples {
        precondition(sample.labels.allSatisfy { $0 >= 0 && $0 < manifest.classes.count }, "label out of range")
        precondition(sample.labels == Array(Set(sample.labels)).sorted(), "labels not sorted and unique")
        precondition(manifest.multiLabel || sample.labels.count == 1, "single-label sample with \(sample.labels.count) labels")
        if case .file(let path) = sample.origin {
            precondition(!path.hasPrefix("/") && !path.split(separator: "/").contains(".."), "sample path \(path) leaves the root")
        }
    }
}
