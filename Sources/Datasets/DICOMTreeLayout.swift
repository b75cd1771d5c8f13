import Imaging

/// A DICOM tree plus a labels CSV keyed by a DICOM attribute (PatientID, StudyInstanceUID or
/// SOPInstanceUID). Every file under the root (or `imageFolder`) that opens as DICOM is read up to its
/// pixel data, on all cores, for the key, PatientID and the site attribute; then joined with the CSV.
/// Several CSV rows with one key give the union of their labels (a single-label dataset rejects a key
/// whose rows disagree). Files without a labels row and rows without a file are reported in `rejected`.
public struct DICOMTreeLayout: DatasetLayout {
    public var name: String { layoutName }
    public var options: LayoutOptions
    var layoutName = "dicom"
    /// Folder (relative to the root) to scan instead of the whole root.
    var imageFolder: String?
    /// Class names to show instead of the CSV's values (RSNA's 0/1).
    var classNames: [String: String] = [:]

    public init(options: LayoutOptions = LayoutOptions()) {
        self.options = options
    }

    struct Header: Sendable {
        var key: String?
        var patient: String?
        var site: String?
        var error: String?
    }

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        guard let manifestName = options.manifest else {
            throw DatasetError(path: root, .layout("the dicom layout needs --manifest (the labels CSV)"))
        }
        let manifestPath = manifestName.hasPrefix("/") ? manifestName : FileAccess.join(root, manifestName)
        let table = try CSVTable(path: manifestPath)
        let keyColumn = try table.requireColumn(options.keyColumn ?? options.dicomKey.rawValue)
        let labelColumn = try table.requireColumn(options.labelColumn)
        var rejected = table.badRows.map { IngestFailure.row("\(FileAccess.baseName(manifestPath)):\($0.line)", $0.reason) }

        var labelsByKey: [String: Set<String>] = [:]
        var lineOfKey: [String: Int] = [:]
        for row in table.rows {
            let key = row.fields[keyColumn].trimmingSpaces
            let names = row.fields[labelColumn].split(separator: options.labelSeparator).map { String($0).trimmingSpaces }
                .filter { !$0.isEmpty }
            guard !key.isEmpty else {
                rejected.append(.row("\(FileAccess.baseName(manifestPath)):\(row.line)", "empty key"))
                continue
            }
            labelsByKey[key, default: []].formUnion(names)
            if lineOfKey[key] == nil { lineOfKey[key] = row.line }
        }
        // Multi-label when a field lists several labels; otherwise rows of one key must agree.
        let multiLabel = table.rows.contains { $0.fields[labelColumn].contains(options.labelSeparator) }
        let classValues = orderedClasses(labelsByKey.values.joined())
        let classes = classValues.map { classNames[$0] ?? $0 }
        let classIndex = Dictionary(uniqueKeysWithValues: classValues.enumerated().map { ($1, $0) })

        let guardian = try PathGuard(root: root)
        let scanRoot = imageFolder.map { FileAccess.join(guardian.root, $0) } ?? guardian.root
        let manifestReal = FileAccess.realPath(manifestPath)
        let listed = try FileAccess.listFiles(in: scanRoot, recursive: true).filter { file in
            isImageCandidate(file) && !file.lowercased().hasSuffix(".png") && !file.lowercased().hasSuffix(".jpg")
                && !file.lowercased().hasSuffix(".jpeg") && FileAccess.realPath(file) != manifestReal
        }
        // The path guard before any read: a link to a file outside the root is refused, never parsed.
        var files: [String] = []
        for file in listed {
            if case .failure(let error) = guardian.resolve(guardian.relative(file)) {
                rejected.append(IngestFailure(path: guardian.relative(file), reason: error.reason.description))
            } else {
                files.append(file)
            }
        }
        let keyAttribute = options.dicomKey
        let siteAttribute = options.siteAttribute
        let headers = parallelMap(files) { file -> Header in
            do throws(ImagingError) {
                let reader = try ImageReader(path: file)
                guard let dicom = reader.info.dicom else { return Header(error: "not a DICOM file") }
                let key: String?
                switch keyAttribute {
                case .patientID: key = dicom.patientID
                case .studyInstanceUID: key = dicom.studyInstanceUID
                case .sopInstanceUID: key = dicom.sopInstanceUID
                }
                let site: String?
                switch siteAttribute {
                case .none: site = nil
                case .institutionName: site = dicom.institutionName
                case .manufacturer: site = dicom.manufacturer
                }
                return Header(key: key?.trimmingSpaces, patient: dicom.patientID?.trimmingSpaces, site: site?.trimmingSpaces)
            } catch {
                return Header(error: error.reason.description)
            }
        }
        var manifest = SourceManifest(
            root: guardian.root, layout: layoutName, classes: classes, multiLabel: multiLabel, inputs: [manifestPath],
            grouping: "patient")
        var used = Set<String>()
        var unlabelled = 0
        for (file, header) in zip(files, headers) {
            let relative = guardian.relative(file)
            func refuse(_ reason: String) {
                var failure = IngestFailure(path: relative, reason: reason)
                failure.identifiers = [header.patient, header.key].compactMap { $0 }
                rejected.append(failure)
            }
            if case .failure(let error) = guardian.resolve(relative) {
                refuse(error.reason.description)
                continue
            }
            if let error = header.error {
                refuse(error)
                continue
            }
            guard let key = header.key, !key.isEmpty else {
                refuse("no \(keyAttribute.rawValue) in the file")
                continue
            }
            guard let names = labelsByKey[key] else {
                unlabelled += 1
                refuse("no labels row for its \(keyAttribute.rawValue)")
                continue
            }
            if !multiLabel && names.count != 1 {
                refuse("labels rows disagree: \(names.sorted().joined(separator: ", "))")
                continue
            }
            used.insert(key)
            manifest.samples.append(
                SourceSample(
                    origin: .file(relative), labels: names.map { classIndex[$0]! }.sorted(),
                    patient: (header.patient?.isEmpty ?? true) ? nil : header.patient,
                    site: (header.site?.isEmpty ?? true) ? nil : header.site))
        }
        let orphanRows = labelsByKey.keys.filter { !used.contains($0) }
        for key in orphanRows.sorted(by: { (lineOfKey[$0] ?? 0) < (lineOfKey[$1] ?? 0) }) {
            rejected.append(.row("\(FileAccess.baseName(manifestPath)):\(lineOfKey[key] ?? 0)", "no DICOM file with this \(keyAttribute.rawValue)"))
        }
        manifest.rejected = rejected
        manifest.notes.append(
            "\(layoutName): \(files.count) files scanned, labels from \(FileAccess.baseName(manifestPath)) '\(table.header[labelColumn])' keyed by \(keyAttribute.rawValue)"
                + (siteAttribute == .none ? "" : ", sites from \(siteAttribute.rawValue)")
                + (unlabelled > 0 ? "; \(unlabelled) files without labels" : "")
                + (orphanRows.isEmpty ? "" : "; \(orphanRows.count) label keys without a file"))
        return manifest
    }
}
