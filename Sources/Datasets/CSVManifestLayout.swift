/// A CSV manifest: one row per image with a path column and labels, optionally patient, site and
/// split columns (names configurable; defaults `path`, `label`, `patient`, `site` or `hospital`, `split`).
///
/// Paths are relative to the manifest's folder (absolute paths must stay inside the root). Labels are
/// class names in one column, several separated by `|` (multi-label), or one-hot columns (`1`, `1.0`,
/// `true`, `yes` mean present). A row whose file is missing, whose path escapes the root or whose label
/// is empty goes to `rejected` with its line number.
public struct CSVManifestLayout: DatasetLayout {
    public var name: String { "csv" }
    public var options: LayoutOptions

    public init(options: LayoutOptions = LayoutOptions()) {
        self.options = options
    }

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let manifestPath = try locateManifest(root: root)
        let table = try CSVTable(path: manifestPath)
        return try read(table, manifestPath: manifestPath, root: root, layoutName: name)
    }

    /// The manifest file: the option, or the only `*.csv` at the root (`labels.csv` preferred).
    func locateManifest(root: String) throws(DatasetError) -> String {
        if let given = options.manifest { return given.hasPrefix("/") ? given : FileAccess.join(root, given) }
        let csvs = try FolderListing.entries(root).filter { $0.lowercased().hasSuffix(".csv") }
        if csvs.contains("labels.csv") { return FileAccess.join(root, "labels.csv") }
        guard csvs.count == 1 else {
            throw DatasetError(
                path: root,
                .layout(
                    csvs.isEmpty
                        ? "the csv layout needs a manifest; none at the root (give --manifest)"
                        : "several CSV files at the root (\(csvs.joined(separator: ", "))); give --manifest"))
        }
        return FileAccess.join(root, csvs[0])
    }

    /// Reads a parsed table; presets reuse this with their own column names.
    func read(
        _ table: CSVTable, manifestPath: String, root: String, layoutName: String,
        pathTransform: (String) -> String = { $0 }
    ) throws(DatasetError) -> SourceManifest {
        let guardian = try PathGuard(root: root)
        let manifestFolder = FileAccess.realPath(FileAccess.directoryName(manifestPath)) ?? root
        let pathIndex = try table.requireColumn(options.pathColumn)
        let patientIndex = table.column(options.patientColumn)
        let siteIndex = table.column(anyOf: options.siteColumns)
        let splitIndex = table.column(options.splitColumn)
        var notes: [String] = []
        var rejected: [IngestFailure] = table.badRows.map {
            IngestFailure.row("\(FileAccess.baseName(manifestPath)):\($0.line)", $0.reason)
        }

        // Labels: one-hot columns or a name column.
        let oneHot: [Int]?
        if let columns = options.oneHotColumns {
            var indices: [Int] = []
            for column in columns {
                let index = try table.requireColumn(column)
                // Two names for one column (`MEL,mel`) would make two classes of one name.
                guard !indices.contains(index) else {
                    throw DatasetError(
                        path: "--one-hot", .invalidOptions("'\(column)' names column '\(table.header[index])' again"))
                }
                indices.append(index)
            }
            oneHot = indices
        } else {
            oneHot = nil
        }
        let labelIndex = oneHot == nil ? try table.requireColumn(options.labelColumn) : nil
        var rowLabels: [[String]] = []
        rowLabels.reserveCapacity(table.rows.count)
        var multiLabel = oneHot != nil
        for row in table.rows {
            if let oneHot {
                rowLabels.append(oneHot.filter { isTrue(row.fields[$0]) }.map { table.header[$0] })
            } else {
                // A name listed twice (`x|x`) is one label.
                var seen = Set<String>()
                let names = row.fields[labelIndex!].split(separator: options.labelSeparator).map { String($0).trimmingSpaces }
                    .filter { !$0.isEmpty && seen.insert($0).inserted }
                if names.count > 1 { multiLabel = true }
                rowLabels.append(names)
            }
        }
        let classes = oneHot.map { $0.map { table.header[$0] } } ?? orderedClasses(rowLabels.joined())
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })

        var samples: [SourceSample] = []
        samples.reserveCapacity(table.rows.count)
        for (rowNumber, row) in table.rows.enumerated() {
            let location = "\(FileAccess.baseName(manifestPath)):\(row.line)"
            let rawPath = pathTransform(row.fields[pathIndex].trimmingSpaces)
            let rowPatient = patientIndex.map { row.fields[$0].trimmingSpaces } ?? ""
            let resolved: String
            switch guardian.resolve(rawPath, from: manifestFolder) {
            case .success(let path): resolved = path
            case .failure(let error):
                rejected.append(.row(location, error.reason.description, file: rawPath, identifiers: [rowPatient]))
                continue
            }
            guard FileAccess.isRegularFile(resolved) else {
                rejected.append(.row(location, "not a file", file: rawPath, identifiers: [rowPatient]))
                continue
            }
            let names = rowLabels[rowNumber]
            if names.isEmpty && !multiLabel {
                rejected.append(.row(location, "empty label", file: rawPath, identifiers: [rowPatient]))
                continue
            }
            var split: Split?
            if let splitIndex, !row.fields[splitIndex].trimmingSpaces.isEmpty {
                guard let value = Split(manifestValue: row.fields[splitIndex]) else {
                    rejected.append(
                        .row(location, "unknown split '\(row.fields[splitIndex])'", file: rawPath, identifiers: [rowPatient]))
                    continue
                }
                split = value
            }
            let patient = patientIndex.map { row.fields[$0].trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
            let site = siteIndex.map { row.fields[$0].trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
            samples.append(
                SourceSample(
                    origin: .file(guardian.relative(resolved)), labels: names.map { classIndex[$0]! }.sorted(),
                    patient: patient, site: site, split: split))
        }
        notes.append(
            "\(layoutName): \(FileAccess.baseName(manifestPath)), paths from '\(table.header[pathIndex])', "
                + (oneHot != nil
                    ? "one-hot labels from \(classes.count) columns"
                    : "labels from '\(table.header[labelIndex!])'\(multiLabel ? " (multi-label, '\(options.labelSeparator)'-separated)" : "")")
                + (patientIndex.map { ", patients from '\(table.header[$0])'" } ?? ", no patient column")
                + (siteIndex.map { ", sites from '\(table.header[$0])'" } ?? "")
                + (splitIndex.map { ", splits from '\(table.header[$0])'" } ?? ""))
        return SourceManifest(
            root: guardian.root, layout: layoutName, classes: classes, multiLabel: multiLabel, samples: samples,
            notes: notes, rejected: rejected, inputs: [manifestPath], grouping: patientIndex == nil ? nil : "patient")
    }

    private func isTrue(_ field: String) -> Bool {
        switch field.trimmingSpaces.lowercased() {
        case "1", "1.0", "true", "yes", "y": return true
        default: return false
        }
    }
}
