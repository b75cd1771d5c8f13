/// HAM10000 (Tschandl et al. 2018): `HAM10000_metadata.csv` (columns `lesion_id,image_id,dx,dx_type,
/// age,sex,localization[,dataset]`), images `<image_id>.jpg` anywhere under the root (the Kaggle
/// `HAM10000_images_part_1/2` or Dataverse `…part1/2` folders). Class = `dx` (akiec, bcc, bkl, df, mel,
/// nv, vasc); patient grouping by `lesion_id` (several images show one lesion); site = the `dataset`
/// column (vidir_molemax, vidir_modern, rosendahl, vienna_dias: the acquisition sites) when present.
/// Age, sex and localisation are not read.
public struct HAM10000Preset: DatasetLayout {
    public var name: String { "ham10000" }

    public init() {}

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let entries = try FolderListing.entries(root)
        guard let file = entries.first(where: { ["ham10000_metadata.csv", "ham10000_metadata"].contains($0.lowercased()) }) else {
            throw DatasetError(path: root, .layout("ham10000: HAM10000_metadata.csv not found at the root"))
        }
        let metadataPath = FileAccess.join(root, file)
        let table = try CSVTable(path: metadataPath)
        let lesion = try table.requireColumn("lesion_id")
        let image = try table.requireColumn("image_id")
        let dx = try table.requireColumn("dx")
        let dataset = table.column("dataset")
        let images = try ImageIndex(root: root, extensions: ["jpg", "jpeg", "png"])
        let classes = orderedClasses(table.rows.map { $0.fields[dx].trimmingSpaces }.filter { !$0.isEmpty })
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var manifest = SourceManifest(
            root: root, layout: name, classes: classes, multiLabel: false, inputs: [metadataPath], grouping: "lesion")
        manifest.rejected = table.badRows.map { IngestFailure.row("\(file):\($0.line)", $0.reason) }
        var seen = Set<String>()
        for row in table.rows {
            let id = row.fields[image].trimmingSpaces
            let location = "\(file):\(row.line)"
            guard seen.insert(id.lowercased()).inserted else {
                manifest.rejected.append(IngestFailure.row(location, "image \(id) listed twice"))
                continue
            }
            guard let path = images.byStem[id.lowercased()] else {
                manifest.rejected.append(IngestFailure.row(location, "no image file for \(id)"))
                continue
            }
            guard let label = classIndex[row.fields[dx].trimmingSpaces] else {
                manifest.rejected.append(IngestFailure.row(location, "empty dx"))
                continue
            }
            let lesionID = row.fields[lesion].trimmingSpaces
            let site = dataset.map { row.fields[$0].trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
            manifest.samples.append(
                SourceSample(origin: .file(path), labels: [label], patient: lesionID.isEmpty ? nil : lesionID, site: site))
        }
        manifest.notes.append(
            "ham10000: classes from dx, grouped by lesion_id"
                + (dataset == nil ? "; no dataset column (Kaggle copy): no sites" : "; sites from the dataset column"))
        return manifest
    }
}
