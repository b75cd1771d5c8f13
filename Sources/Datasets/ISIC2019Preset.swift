/// ISIC 2019 training set: `ISIC_2019_Training_GroundTruth.csv` (`image` and one-hot columns MEL, NV,
/// BCC, AK, BKL, DF, VASC, SCC, UNK written as 1.0/0.0), `ISIC_2019_Training_Metadata.csv` (`image,
/// age_approx, anatom_site_general, lesion_id, sex|gender`), images `<image>.jpg` under the root
/// (`ISIC_2019_Training_Input/`). A class no training row has (UNK) is dropped, with a note. Patient
/// grouping by `lesion_id`; rows with an empty one are their own group. The data has no site column.
public struct ISIC2019Preset: DatasetLayout {
    public var name: String { "isic2019" }

    public init() {}

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let truthPath = FileAccess.join(root, "ISIC_2019_Training_GroundTruth.csv")
        let metaPath = FileAccess.join(root, "ISIC_2019_Training_Metadata.csv")
        let truth = try CSVTable(path: truthPath)
        let image = try truth.requireColumn("image")
        let allClasses = truth.header.enumerated().filter { $0.offset != image && !$0.element.isEmpty }
        // A class column named twice would make two classes of one name.
        var classNames = Set<String>()
        for column in allClasses where !classNames.insert(column.element).inserted {
            throw DatasetError(path: truthPath, .malformedManifest("the header names column '\(column.element)' twice"))
        }
        var lesionOf: [String: String] = [:]
        var inputs = [truthPath]
        if FileAccess.isRegularFile(metaPath) {
            let meta = try CSVTable(path: metaPath)
            let metaImage = try meta.requireColumn("image")
            let lesion = try meta.requireColumn("lesion_id")
            for row in meta.rows where !row.fields[lesion].trimmingSpaces.isEmpty {
                lesionOf[row.fields[metaImage].trimmingSpaces] = row.fields[lesion].trimmingSpaces
            }
            inputs.append(metaPath)
        }
        func isOne(_ text: String) -> Bool { (Double(text.trimmingSpaces) ?? 0) >= 0.5 }
        let used = allClasses.filter { column in truth.rows.contains { isOne($0.fields[column.offset]) } }
        let images = try ImageIndex(root: root, extensions: ["jpg", "jpeg", "png"])
        var manifest = SourceManifest(
            root: root, layout: name, classes: used.map(\.element), multiLabel: false, inputs: inputs, grouping: "lesion")
        manifest.rejected = truth.badRows.map { IngestFailure.row("ISIC_2019_Training_GroundTruth.csv:\($0.line)", $0.reason) }
        for row in truth.rows {
            let id = row.fields[image].trimmingSpaces
            let location = "ISIC_2019_Training_GroundTruth.csv:\(row.line)"
            let hot = used.enumerated().filter { isOne(row.fields[$0.element.offset]) }.map(\.offset)
            guard hot.count == 1 else {
                manifest.rejected.append(IngestFailure.row(location, "\(hot.count) classes marked for \(id)"))
                continue
            }
            guard let path = images.byStem[id.lowercased()] else {
                manifest.rejected.append(IngestFailure.row(location, "no image file for \(id)"))
                continue
            }
            manifest.samples.append(SourceSample(origin: .file(path), labels: hot, patient: lesionOf[id]))
        }
        let dropped = allClasses.map(\.element).filter { !used.map(\.element).contains($0) }
        manifest.notes.append(
            "isic2019: one-hot classes \(used.map(\.element).joined(separator: ","))"
                + (dropped.isEmpty ? "" : "; dropped \(dropped.joined(separator: ",")) (no training sample)")
                + (inputs.count > 1 ? "; grouped by lesion_id (empty = own group)" : "; no metadata CSV: no grouping"))
        return manifest
    }
}
