/// The layouts and presets `medsilo ingest --layout` accepts.
public enum LayoutKind: String, Sendable, CaseIterable {
    case auto, imagefolder, csv, medmnist, dicom
    case ham10000, isic2019
    case nihChestXray14 = "nih-chestxray14"
    case rsnaPneumonia = "rsna-pneumonia"
    case chexpert
}

/// Picks the layout for a source (guessing for `.auto`) and reads its manifest.
public enum LayoutSelection {
    /// Reads `source` with `kind` (or the guessed layout; the guess is the first note of the manifest).
    public static func manifest(source: String, kind: LayoutKind, options: LayoutOptions) throws(DatasetError) -> SourceManifest {
        guard let canonical = FileAccess.realPath(source) else {
            throw DatasetError(path: source, .io("no such file or folder"))
        }
        var chosen = kind
        var reason = ""
        if kind == .auto {
            (chosen, reason) = try guess(canonical, options: options)
        }
        var manifest = try layout(chosen, options: options).manifest(root: canonical)
        if kind == .auto { manifest.notes.insert("layout auto: chose \(chosen.rawValue) (\(reason))", at: 0) }
        return manifest
    }

    public static func layout(_ kind: LayoutKind, options: LayoutOptions) throws(DatasetError) -> any DatasetLayout {
        switch kind {
        case .auto: throw DatasetError(path: "--layout", .invalidOptions("auto is resolved before reading"))
        case .imagefolder: return ImageFolderLayout()
        case .csv: return CSVManifestLayout(options: options)
        case .medmnist: return MedMNISTLayout()
        case .dicom: return DICOMTreeLayout(options: options)
        case .ham10000: return HAM10000Preset()
        case .isic2019: return ISIC2019Preset()
        case .nihChestXray14: return NIHChestXray14Preset()
        case .rsnaPneumonia: return RSNAPneumoniaPreset(options: options)
        case .chexpert: return CheXpertPreset(options: options)
        }
    }

    /// The layout a source most likely has, and why.
    static func guess(_ source: String, options: LayoutOptions) throws(DatasetError) -> (LayoutKind, String) {
        if !FileAccess.isDirectory(source) {
            if source.lowercased().hasSuffix(".npz") { return (.medmnist, "a .npz archive") }
            throw DatasetError(path: source, .layout("not a folder or a .npz archive"))
        }
        let names = try FolderListing.entries(source)
        let lower = Set(names.map { $0.lowercased() })
        if lower.contains("ham10000_metadata.csv") || lower.contains("ham10000_metadata") {
            return (.ham10000, "HAM10000_metadata.csv present")
        }
        if lower.contains("isic_2019_training_groundtruth.csv") {
            return (.isic2019, "ISIC_2019_Training_GroundTruth.csv present")
        }
        if lower.contains(where: { $0.hasPrefix("data_entry_2017") && $0.hasSuffix(".csv") }) {
            return (.nihChestXray14, "Data_Entry_2017.csv present")
        }
        if lower.contains("stage_2_train_labels.csv") { return (.rsnaPneumonia, "stage_2_train_labels.csv present") }
        if lower.contains(where: { $0.hasPrefix("chexpert-v1.0") })
            || (lower.contains("train.csv") && (try? CSVTable(path: FileAccess.join(source, "train.csv")))?.column("No Finding") != nil)
        {
            return (.chexpert, "a CheXpert train.csv or CheXpert-v1.0 folder present")
        }
        if let npz = names.first(where: { $0.lowercased().hasSuffix(".npz") }), names.filter({ $0.hasSuffix(".npz") }).count == 1 {
            _ = npz
            return (.medmnist, "one .npz archive in the folder")
        }
        let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }
        if options.manifest != nil || csvs.contains("labels.csv") || csvs.count == 1 {
            return (.csv, "a CSV manifest present")
        }
        let folders = names.filter { FileAccess.isDirectory(FileAccess.join(source, $0)) }
        let withManifests = folders.filter { FileAccess.isRegularFile(FileAccess.join(FileAccess.join(source, $0), "labels.csv")) }
        if !withManifests.isEmpty {
            // A folder of datasets (such as `medsilo synth` output), not of classes.
            throw DatasetError(
                path: source,
                .layout(
                    "the sub-folders \(withManifests.joined(separator: ", ")) each hold a labels.csv: ingest one of them "
                        + "(or give --layout imagefolder to take the sub-folders as classes)"))
        }
        if !folders.isEmpty && folders.count == names.count {
            return (.imagefolder, "only sub-folders at the top, taken as classes")
        }
        throw DatasetError(
            path: source,
            .layout("cannot tell the layout (no known manifest, no class folders); give --layout"))
    }
}
