/// CheXpert (Irvin et al. 2019): `train.csv` and `valid.csv` (`Path,Sex,Age,Frontal/Lateral,AP/PA` and
/// 14 observations, each 1.0, 0.0, −1.0 (uncertain) or blank (not mentioned)). `Path` is relative to
/// the folder holding `CheXpert-v1.0[-small]/`; a root that is that folder, its parent, or a mirror with
/// the release folder flattened all work (the leading release folder is stripped when absent).
/// Multi-label over the 13 findings plus "No Finding"; blank → absent; uncertain → the stated policy
/// (`--uncertain ones`, the default, or `zeros`). Patient = the `patientNNNNN` path component; `valid.csv`
/// rows form the validation split, test is drawn from train by patient.
public struct CheXpertPreset: DatasetLayout {
    public var name: String { "chexpert" }
    public var options: LayoutOptions

    public static let observations = [
        "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion", "Edema",
        "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture",
        "Support Devices",
    ]

    public init(options: LayoutOptions = LayoutOptions()) {
        self.options = options
    }

    /// The `patient` + digits component of a listed path (`…/train/patient00042/study1/…`).
    static func patient(in path: String) -> String? {
        path.split(separator: "/").first { component in
            component.hasPrefix("patient") && component.count > 7 && component.dropFirst(7).allSatisfy(\.isNumber)
        }.map(String.init)
    }

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        // The folder holding train.csv: the root itself or a CheXpert-v1.0* folder inside it.
        var releaseFolder = root
        if !FileAccess.isRegularFile(FileAccess.join(root, "train.csv")) {
            guard let inner = try FolderListing.entries(root).first(where: {
                $0.hasPrefix("CheXpert-v1.0") && FileAccess.isRegularFile(FileAccess.join(FileAccess.join(root, $0), "train.csv"))
            }) else {
                throw DatasetError(path: root, .layout("chexpert: train.csv not found in the root or a CheXpert-v1.0* folder"))
            }
            releaseFolder = FileAccess.join(root, inner)
        }
        let guardian = try PathGuard(root: root)
        let classIndex = Dictionary(uniqueKeysWithValues: Self.observations.enumerated().map { ($1, $0) })
        var manifest = SourceManifest(
            root: guardian.root, layout: name, classes: Self.observations, multiLabel: true, grouping: "patient")
        var uncertain = 0
        var frontalSkipped = 0
        for (file, split) in [("train.csv", Split?.none), ("valid.csv", Split.val)] {
            let path = FileAccess.join(releaseFolder, file)
            guard FileAccess.isRegularFile(path) else { continue }
            manifest.inputs.append(path)
            let table = try CSVTable(path: path)
            let pathColumn = try table.requireColumn("Path")
            var columns: [(Int, Int)] = []
            for observation in Self.observations { columns.append((try table.requireColumn(observation), classIndex[observation]!)) }
            let view = table.column("Frontal/Lateral")
            manifest.rejected += table.badRows.map { IngestFailure.row("\(file):\($0.line)", $0.reason) }
            for row in table.rows {
                if options.frontalOnly, let view, row.fields[view].trimmingSpaces != "Frontal" {
                    frontalSkipped += 1
                    continue
                }
                let listed = row.fields[pathColumn].trimmingSpaces
                let patient = Self.patient(in: listed)
                guard let resolved = resolve(listed, root: root, releaseFolder: releaseFolder, guardian: guardian) else {
                    manifest.rejected.append(
                        .row("\(file):\(row.line)", "no such file inside the root", file: listed, identifiers: patient.map { [$0] } ?? []))
                    continue
                }
                var labels: [Int] = []
                for (column, index) in columns {
                    let value = Double(row.fields[column].trimmingSpaces)
                    if value == 1 { labels.append(index) }
                    if value == -1 {
                        uncertain += 1
                        if options.uncertainPolicy == .ones { labels.append(index) }
                    }
                }
                manifest.samples.append(
                    SourceSample(origin: .file(guardian.relative(resolved)), labels: labels.sorted(), patient: patient, split: split))
            }
        }
        manifest.notes.append(
            "chexpert: 14 observations multi-label; \(uncertain) uncertain (−1) labels mapped by U-\(options.uncertainPolicy == .ones ? "Ones" : "Zeros"); blanks → absent"
                + (options.frontalOnly ? "; \(frontalSkipped) lateral views skipped" : ""))
        return manifest
    }

    /// The listed path relative to the root, the release folder, or their parents; mirrors that dropped
    /// the `CheXpert-v1.0[-small]/` prefix are found by stripping it.
    private func resolve(_ listed: String, root: String, releaseFolder: String, guardian: PathGuard) -> String? {
        var candidates = [listed]
        if let slash = listed.firstIndex(of: "/"), listed.hasPrefix("CheXpert-v1.0") {
            candidates.append(String(listed[listed.index(after: slash)...]))
        }
        for candidate in candidates {
            for base in [FileAccess.directoryName(releaseFolder), releaseFolder, root] {
                let full = FileAccess.join(base, candidate)
                guard FileAccess.isRegularFile(full) else { continue }
                if case .success(let resolved) = guardian.resolve(full) { return resolved }
            }
        }
        return nil
    }
}
