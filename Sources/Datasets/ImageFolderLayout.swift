/// One sub-folder per class: `ROOT/<class>/…/<image>`; PNG, JPEG and DICOM files may be mixed and
/// nested. When the root holds `train/`, `val/` (or `valid/`, `validation/`) and/or `test/` folders,
/// each with class folders, those splits are kept. No patient information: samples are split one by one.
public struct ImageFolderLayout: DatasetLayout {
    public var name: String { "imagefolder" }

    public init() {}

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let top = try subfolders(root)
        let splitFolders = top.compactMap { folder -> (String, Split)? in
            Split(manifestValue: folder).map { (folder, $0) }
        }
        var classFolders: [(path: String, className: String, split: Split?)] = []
        if !splitFolders.isEmpty {
            for (folder, split) in splitFolders {
                for name in try subfolders(FileAccess.join(root, folder)) {
                    classFolders.append((folder + "/" + name, name, split))
                }
            }
        } else {
            classFolders = top.map { ($0, $0, nil) }
        }
        guard !classFolders.isEmpty else {
            throw DatasetError(path: root, .layout("imagefolder needs one sub-folder per class; there are none"))
        }
        let classes = orderedClasses(classFolders.map(\.className))
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var manifest = SourceManifest(root: root, layout: name, classes: classes, multiLabel: false)
        let guardian = try PathGuard(root: root)
        for folder in classFolders.sorted(by: { ($0.split?.code ?? 0, $0.path) < ($1.split?.code ?? 0, $1.path) }) {
            let files = try FileAccess.listFiles(in: FileAccess.join(root, folder.path), recursive: true)
            for file in files {
                let relative = String(file.dropFirst(root.count + (root.hasSuffix("/") ? 0 : 1)))
                guard isImageCandidate(file) else {
                    manifest.rejected.append(IngestFailure(path: relative, reason: "not an image file name (skipped)"))
                    continue
                }
                if case .failure(let error) = guardian.resolve(relative) {
                    manifest.rejected.append(IngestFailure(path: relative, reason: error.reason.description))
                    continue
                }
                manifest.samples.append(
                    SourceSample(origin: .file(relative), labels: [classIndex[folder.className]!], split: folder.split))
            }
        }
        manifest.notes.append(
            "imagefolder: \(classes.count) classes from folder names"
                + (splitFolders.isEmpty ? "" : "; splits from folders \(splitFolders.map(\.0).joined(separator: ", "))"))
        return manifest
    }

    private func subfolders(_ path: String) throws(DatasetError) -> [String] {
        guard FileAccess.isDirectory(path) else { throw DatasetError(path: path, .io("not a folder")) }
        return try FolderListing.entries(path).filter { FileAccess.isDirectory(FileAccess.join(path, $0)) }
    }
}
