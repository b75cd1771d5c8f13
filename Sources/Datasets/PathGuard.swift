/// Resolves manifest paths against a dataset root and refuses those that leave it.
///
/// A path escapes when it is absolute and outside the root, when `..` components climb above the
/// root, or when a symbolic link on the way resolves outside the root. The check runs on the resolved
/// (canonical) path, so `a/../../b` and `link-to-elsewhere/file` are both caught.
struct PathGuard: Sendable {
    /// The canonical root, ending without a slash.
    let root: String

    init(root: String) throws(DatasetError) {
        guard let canonical = FileAccess.realPath(root), FileAccess.isDirectory(canonical) else {
            throw DatasetError(path: root, .io("the dataset root is not a folder"))
        }
        self.root = canonical
    }

    /// The canonical path of `relative` (relative to `base`, itself inside the root), or the reason it is refused.
    func resolve(_ relative: String, from base: String? = nil) -> Result<String, DatasetError> {
        let trimmed = relative.trimmingSpaces
        guard !trimmed.isEmpty else { return .failure(DatasetError(path: relative, .layout("empty path"))) }
        let candidate = trimmed.hasPrefix("/") ? trimmed : FileAccess.join(base ?? root, trimmed)
        // Lexical check first, so that a path that climbs out is refused even when the target is absent.
        var depth = 0
        let baseDepth: Int
        if trimmed.hasPrefix("/") {
            baseDepth = 0
            if !(candidate == root || candidate.hasPrefix(root + "/")) {
                return .failure(DatasetError(path: relative, .pathEscapesRoot("an absolute path outside the root")))
            }
        } else {
            let baseRelative = (base ?? root).hasPrefix(root) ? String((base ?? root).dropFirst(root.count)) : ""
            baseDepth = baseRelative.split(separator: "/").count
            depth = baseDepth
            for component in trimmed.split(separator: "/") {
                if component == ".." {
                    depth -= 1
                    if depth < 0 {
                        return .failure(DatasetError(path: relative, .pathEscapesRoot("'..' climbs above the root")))
                    }
                } else if component != "." {
                    depth += 1
                }
            }
        }
        guard let resolved = FileAccess.realPath(candidate) else {
            return .failure(DatasetError(path: relative, .io("no such file")))
        }
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            return .failure(
                DatasetError(path: relative, .pathEscapesRoot("resolves outside the root through a symbolic link")))
        }
        return .success(resolved)
    }

    /// `absolute` (canonical, inside the root) relative to the root.
    func relative(_ absolute: String) -> String {
        if absolute == root { return "." }
        if absolute.hasPrefix(root + "/") { return String(absolute.dropFirst(root.count + 1)) }
        return absolute
    }
}
