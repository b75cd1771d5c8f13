#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer with `body` as the test of one input. `body` sees the input's bytes (valid only
/// during the call) and returns 0, or -1 to keep the input out of the corpus (not of the target's
/// format). Any crash, sanitizer report or hang inside it is a bug.
///
/// SwiftPM links an executable with `--defsym main=<module>_main`, so the target's `@main` runs and
/// starts libFuzzer through `LLVMFuzzerRunDriver`; `LLVMFuzzerTestOneInput` is exported as well, for
/// libFuzzer's own `main` and for tools that look the symbol up.
public func runFuzzer(_ body: @escaping (UnsafeRawBufferPointer) -> CInt) -> Never {
    test = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in LLVMFuzzerTestOneInput(data, size) }))
}

nonisolated(unsafe) private var test: (UnsafeRawBufferPointer) -> CInt = { _ in 0 }

/// The entry point libFuzzer calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return test(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return test(UnsafeRawBufferPointer(start: data, count: size))
}

/// libFuzzer's driver (linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// A scratch file for harnesses whose code under test reads from a path: one per process (so that
/// `-jobs`/`-fork` workers do not share it), rewritten for every input, removed at exit.
public final class ScratchFile {
    public let path: String

    /// A file named `name` in a fresh private folder under `$TMPDIR` (or /tmp).
    public init(name: String) {
        let folder = makeScratchFolder()
        path = folder + "/" + name
        write(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Replaces the file's contents with `bytes`; a failure to write stops the fuzzer.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        writeFile(path, bytes)
    }
}

/// A fresh private folder under `$TMPDIR` (or /tmp), removed with its contents at a normal exit (a
/// crash leaves it, as libFuzzer then ends the process with `_exit`).
public func makeScratchFolder() -> String {
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((base + "/medsilo-fuzz-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { fatalError("mkdtemp failed: \(String(cString: strerror(errno)))") }
    let folder = String(cString: made!)
    scratchFolders.append(folder)
    if scratchFolders.count == 1 { atexit { for folder in scratchFolders { removeTree(folder) } } }
    return folder
}

/// Writes `bytes` to `path` (created or truncated); a failure stops the fuzzer.
public func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { fatalError("cannot write \(path): \(String(cString: strerror(errno)))") }
        done += n
    }
}

/// Creates the folders of `path` (like `mkdir -p`); a failure stops the fuzzer.
public func makeFolders(_ path: String) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
            fatalError("cannot create \(prefix): \(String(cString: strerror(errno)))")
        }
    }
}

nonisolated(unsafe) private var scratchFolders: [String] = []

private func removeTree(_ path: String) {
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var status = stat()
            if lstat(child, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
                removeTree(child)
            } else {
                unlink(child)
            }
        }
        closedir(dir)
    }
    rmdir(path)
}
