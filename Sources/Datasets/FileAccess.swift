import Imaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system calls the Datasets module needs beyond `Imaging.FileIO`, with `DatasetError`s.
enum FileAccess {
    static func read(_ path: String) throws(DatasetError) -> [UInt8] {
        do { return try FileIO.read(path) } catch { throw DatasetError(path: path, .io(error.reason.description)) }
    }

    static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644) throws(DatasetError) {
        do { try FileIO.writeAtomically(bytes, to: path, mode: mode) } catch {
            throw DatasetError(path: path, .io(error.reason.description))
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws(DatasetError) {
        try writeAtomically(Array(text.utf8), to: path)
    }

    static func createDirectory(_ path: String) throws(DatasetError) {
        do { try FileIO.createDirectory(path) } catch { throw DatasetError(path: path, .io(error.reason.description)) }
    }

    static func listFiles(in path: String, recursive: Bool) throws(DatasetError) -> [String] {
        do { return try FileIO.listFiles(in: path, recursive: recursive) } catch {
            throw DatasetError(path: path, .io(error.reason.description))
        }
    }

    static func isDirectory(_ path: String) -> Bool { FileIO.isDirectory(path) }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Size and modification time (nanoseconds), following symbolic links; nil when absent.
    static func signature(_ path: String) -> (size: Int, modified: Int)? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return (Int(status.st_size), Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec))
    }

    /// The canonical absolute path (symbolic links resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Removes a file or a folder with everything in it; absent paths are fine.
    static func removeTree(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            if let directory = opendir(path) {
                var names: [String] = []
                while let entry = readdir(directory) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(directory)
                for name in names { removeTree(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func rename(_ from: String, _ to: String) throws(DatasetError) {
        guard Glibc.rename(from, to) == 0 else {
            throw DatasetError(path: to, .io(errnoMessage("cannot rename \(from) into place")))
        }
    }

    static func errnoMessage(_ what: String) -> String {
        "\(what): \(String(cString: strerror(errno)))"
    }

    /// Joins a folder and a relative path.
    static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty || name.hasPrefix("/") { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The folder part of a path ("." for a bare name).
    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The base name without its last extension.
    static func stem(_ path: String) -> String {
        let name = baseName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

/// An open file written in appends and positioned writes, flushed on demand.
final class WritableFile {
    let path: String
    private let fd: Int32

    /// Opens (creating when absent) without truncating.
    init(path: String) throws(DatasetError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot open for writing"))) }
    }

    deinit { close(fd) }

    var size: Int {
        var status = stat()
        return fstat(fd, &status) == 0 ? Int(status.st_size) : 0
    }

    func truncate(to length: Int) throws(DatasetError) {
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot truncate")))
        }
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(DatasetError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw DatasetError(path: path, .io(FileAccess.errnoMessage("write failed")))
            }
            done += n
        }
    }

    func append(_ bytes: [UInt8]) throws(DatasetError) {
        let offset = size
        let result: Result<Void, DatasetError> = bytes.withUnsafeBytes { buffer in
            do throws(DatasetError) { try write(buffer, at: offset) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    /// Reads exactly `count` bytes at `offset` into the start of `buffer`.
    func read(into buffer: inout [UInt8], count: Int, at offset: Int) throws(DatasetError) {
        precondition(buffer.count >= count)
        var done = 0
        var failure: String?
        buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileAccess.errnoMessage("read failed")
                    return
                }
                if n == 0 {
                    failure = "unexpected end of file"
                    return
                }
                done += n
            }
        }
        if let failure { throw DatasetError(path: path, .io(failure)) }
    }

    func sync() throws(DatasetError) {
        guard fsync(fd) == 0 else { throw DatasetError(path: path, .io(FileAccess.errnoMessage("fsync failed"))) }
    }
}

/// A read-only memory mapping of a whole file; unmapped when released.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(DatasetError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot open"))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot stat"))) }
        let size = Int(status.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot map")))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// Names in a folder, sorted, hidden entries skipped.
enum FolderListing {
    static func entries(_ path: String) throws(DatasetError) -> [String] {
        guard let directory = opendir(path) else {
            throw DatasetError(path: path, .io(FileAccess.errnoMessage("cannot list folder")))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
}
