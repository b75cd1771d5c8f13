#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes on POSIX descriptors, without Foundation.
public enum FileIO {
    /// Reads the whole file.
    public static func read(_ path: String) throws(ImagingError) -> [UInt8] {
        try read(path, prefix: Int.max) { _ in false }
    }

    /// Reads the first `prefix` bytes and, when `readRest` accepts them, the rest of the file as well,
    /// through one descriptor (one open, and the file cannot be swapped between the two reads).
    /// `readRest` is always called, also when the prefix is the whole file.
    public static func read(_ path: String, prefix: Int, readRest: ([UInt8]) -> Bool) throws(ImagingError) -> [UInt8] {
        // Non-blocking, so a FIFO or a device opens at once and is refused below instead of waiting for a
        // writer; on a regular file the flag changes nothing.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ImagingError(path: path, .io(errnoMessage("cannot open"))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ImagingError(path: path, .io(errnoMessage("cannot stat"))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ImagingError(path: path, .io("not a regular file"))
        }
        let size = Int(status.st_size)
        var bytes: [UInt8] = []
        try append(from: fd, count: min(prefix, size), to: &bytes, path: path)
        if readRest(bytes) && bytes.count < size {
            try append(from: fd, count: size - bytes.count, to: &bytes, path: path)
        }
        return bytes
    }

    /// Appends up to `count` bytes read from `fd` (fewer at end of file).
    private static func append(from fd: Int32, count: Int, to bytes: inout [UInt8], path: String) throws(ImagingError) {
        let start = bytes.count
        bytes += repeatElement(0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc_read(fd, buffer.baseAddress! + start + done, count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImagingError(path: path, .io(errnoMessage("read failed")))
            }
            if n == 0 { break }
            done += n
        }
        if done < count { bytes.removeLast(count - done) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder is written, flushed and
    /// renamed over the target, so readers see the old file or the new one, never a part.
    public static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644) throws(ImagingError) {
        let temporary = temporaryPath(for: path)
        // A new file or nothing: never through a link someone left at the temporary name. A leftover (a
        // killed run of the same PID, or a planted link) is removed — the link itself, not what it points
        // to — and the creation tried once more. Two threads of one process writing the same path at once
        // would share the name; MedSilo's writers hold their folder's lock and write each file once.
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = open(temporary, flags, mode)
        if fd < 0, errno == EEXIST, unlink(temporary) == 0 { fd = open(temporary, flags, mode) }
        guard fd >= 0 else { throw ImagingError(path: path, .io(errnoMessage("cannot create \(temporary)"))) }
        var failure: String?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errnoMessage("write failed")
                    return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = errnoMessage("fsync failed") }
        close(fd)
        if let failure {
            unlink(temporary)
            throw ImagingError(path: path, .io(failure))
        }
        try commit(temporary, to: path)
    }

    /// A sibling path to write to before `commit` renames it into place.
    public static func temporaryPath(for path: String) -> String {
        "\(path).tmp-\(getpid())"
    }

    /// Renames a fully written temporary file over `path`, then flushes the folder so the new name itself
    /// survives a power cut (the file's bytes were flushed before).
    public static func commit(_ temporary: String, to path: String) throws(ImagingError) {
        guard rename(temporary, path) == 0 else {
            let message = errnoMessage("cannot rename into place")
            unlink(temporary)
            throw ImagingError(path: path, .io(message))
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            // Some filesystems refuse fsync on a directory; the rename stands either way.
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Removes a temporary file left by a failed write.
    public static func discard(_ temporary: String) {
        unlink(temporary)
    }

    /// True for a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents.
    public static func createDirectory(_ path: String) throws(ImagingError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw ImagingError(path: prefix, .io(errnoMessage("cannot create directory")))
            }
            prefix += "/"
        }
    }

    /// Folders deeper than this below the listed one are not entered (a bound on the walk's work).
    public static let maximumListingDepth = 64

    /// Regular files under `path` (recursively when asked), sorted by path; hidden entries skipped.
    /// Entries are classified without following links (lstat): a link to a folder is not entered, so a
    /// link back up the tree cannot make the walk list files twice or never end; a link to a regular
    /// file is listed (datasets kept by git-annex or DVC are made of them; the path guard decides later
    /// whether its target may be read); FIFOs, sockets and devices are left out, since opening one can
    /// block. Folders more than `maximumListingDepth` levels down are not entered.
    public static func listFiles(in path: String, recursive: Bool) throws(ImagingError) -> [String] {
        try listFiles(in: path, recursive: recursive, depth: 0)
    }

    private static func listFiles(in path: String, recursive: Bool, depth: Int) throws(ImagingError) -> [String] {
        guard let directory = opendir(path) else {
            throw ImagingError(path: path, .io(errnoMessage("cannot list directory")))
        }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(directory)
        var files: [String] = []
        for name in names.sorted() {
            let child = path.hasSuffix("/") ? path + name : path + "/" + name
            var status = stat()
            guard lstat(child, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                if recursive, depth < maximumListingDepth { files += try listFiles(in: child, recursive: true, depth: depth + 1) }
            case S_IFREG:
                files.append(child)
            case S_IFLNK:
                // Followed only to see what it names: a regular file is listed, anything else is not.
                var target = stat()
                if stat(child, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG { files.append(child) }
            default:
                continue
            }
        }
        return files
    }

    static func errnoMessage(_ what: String) -> String {
        "\(what): \(String(cString: strerror(errno)))"
    }
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
