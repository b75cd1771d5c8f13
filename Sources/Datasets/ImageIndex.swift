/// Image files under a root, found by name: the presets look images up by file name or stem, so that
/// official and mirror layouts (`images/`, `images_001/images/`, `…_part_1/`) all work.
struct ImageIndex {
    /// Lowercased file name → path relative to the root (the first in path order when duplicated).
    private(set) var byName: [String: String] = [:]
    /// Lowercased stem (name without extension) → relative path.
    private(set) var byStem: [String: String] = [:]
    private(set) var duplicates = 0

    init(root: String, extensions: Set<String>) throws(DatasetError) {
        let guardian = try PathGuard(root: root)
        for file in try FileAccess.listFiles(in: root, recursive: true) {
            let name = FileAccess.baseName(file).lowercased()
            guard let dot = name.lastIndex(of: "."), extensions.contains(String(name[name.index(after: dot)...])) else {
                continue
            }
            let relative = String(file.dropFirst(root.count + 1))
            guard case .success = guardian.resolve(relative) else { continue }
            if byName[name] != nil {
                duplicates += 1
                continue
            }
            byName[name] = relative
            byStem[String(name[..<dot])] = relative
        }
    }
}
