/// NIH ChestX-ray14 (Wang et al. 2017): `Data_Entry_2017.csv` or `Data_Entry_2017_v2020.csv`
/// (`Image Index`, `Finding Labels` `|`-separated or `No Finding`, `Patient ID`, …), PNG images under
/// `images/` or the Kaggle `images_001/images/` … folders. Multi-label over the 14 findings ("No
/// Finding" = none). The official patient-disjoint test list (`test_list.txt`) is kept as the test
/// split when present; validation is drawn from the rest by patient. Rows whose image is absent (a
/// partial download) are rejected with a count in the notes.
public struct NIHChestXray14Preset: DatasetLayout {
    public var name: String { "nih-chestxray14" }

    public static let findings = [
        "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
        "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
    ]

    public init() {}

    /// The form file names give the patient ID: zero-padded to 8 digits (`42` → `00000042`).
    static func aliases(of patientID: String) -> [String] {
        guard let number = Int(patientID), number >= 0 else { return [] }
        let digits = String(number)
        return [String(repeating: "0", count: max(0, 8 - digits.count)) + digits]
    }

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let entries = try FolderListing.entries(root)
        let candidates = entries.filter { $0.lowercased().hasPrefix("data_entry_2017") && $0.lowercased().hasSuffix(".csv") }
        guard let file = candidates.sorted().last else {
            throw DatasetError(path: root, .layout("nih-chestxray14: Data_Entry_2017.csv not found at the root"))
        }
        let entryPath = FileAccess.join(root, file)
        let table = try CSVTable(path: entryPath)
        let image = try table.requireColumn("Image Index")
        let findings = try table.requireColumn("Finding Labels")
        let patient = try table.requireColumn("Patient ID")
        var inputs = [entryPath]
        var testImages = Set<String>()
        let testList = FileAccess.join(root, "test_list.txt")
        if FileAccess.isRegularFile(testList) {
            let text = String(decoding: try FileAccess.read(testList), as: UTF8.self)
            testImages = Set(text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingSpaces.lowercased() })
            inputs.append(testList)
        }
        let classIndex = Dictionary(uniqueKeysWithValues: Self.findings.enumerated().map { ($1, $0) })
        let images = try ImageIndex(root: root, extensions: ["png"])
        var manifest = SourceManifest(
            root: root, layout: name, classes: Self.findings, multiLabel: true, inputs: inputs, grouping: "patient")
        manifest.rejected = table.badRows.map { IngestFailure.row("\(file):\($0.line)", $0.reason) }
        var missing = 0
        for row in table.rows {
            let id = row.fields[image].trimmingSpaces
            let location = "\(file):\(row.line)"
            let patientID = row.fields[patient].trimmingSpaces
            let aliases = Self.aliases(of: patientID)
            guard let path = images.byName[id.lowercased()] else {
                missing += 1
                manifest.rejected.append(IngestFailure.row(location, "no image file", file: id, identifiers: [patientID] + aliases))
                continue
            }
            var labels: [Int] = []
            var unknown: [String] = []
            for name in row.fields[findings].split(separator: "|").map({ String($0).trimmingSpaces }) where name != "No Finding" {
                if let index = classIndex[name] {
                    if !labels.contains(index) { labels.append(index) }  // `Mass|Mass` is one finding
                } else {
                    unknown.append(name)
                }
            }
            guard unknown.isEmpty else {
                manifest.rejected.append(IngestFailure.row(location, "unknown finding \(unknown.joined(separator: ","))"))
                continue
            }
            var sample = SourceSample(
                origin: .file(path), labels: labels.sorted(), patient: patientID.isEmpty ? nil : patientID,
                split: testImages.isEmpty ? nil : (testImages.contains(id.lowercased()) ? .test : nil))
            sample.patientAliases = aliases
            manifest.samples.append(sample)
        }
        manifest.notes.append(
            "nih-chestxray14: \(file), 14 findings multi-label, grouped by Patient ID"
                + (testImages.isEmpty ? "" : "; official test_list.txt kept as the test split")
                + (missing > 0 ? "; \(missing) listed images absent (partial download?)" : ""))
        return manifest
    }
}
