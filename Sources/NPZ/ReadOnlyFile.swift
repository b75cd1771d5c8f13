#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open regular file read at explicit offsets with `pread(2)`, closed when the last reference goes.
///
/// Contract: reads never move a shared file position, so several member streams of one archive can
/// read the same descriptor in any interleaving. Every read either fills its buffer or throws
/// `.truncated` (end of file) or `.io` (the operating system's message).
final class ReadOnlyFile: Sendable {
    let path: String
    /// The size when the file was opened.
    let size: UInt64
    private let descriptor: Int32

    init(path: String) throws(NPZError) {
        // Non-blocking, so a FIFO opens at once and is refused below instead of waiting for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw NPZError(path: path, .io(errnoMessage("cannot open"))) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let message = errnoMessage("cannot stat")
            close(fd)
            throw NPZError(path: path, .io(message))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw NPZError(path: path, .io("not a regular file"))
        }
        self.path = path
        self.size = UInt64(status.st_size)
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    /// Fills `buffer` with the bytes at `offset`; `member` names the archive member for errors.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, member: String?) throws(NPZError) {
        var done = 0
        while done < buffer.count {
            let (position, overflow) = offset.addingReportingOverflow(UInt64(done))
            guard !overflow, position < UInt64(Int64.max) else {
                throw NPZError(path: path, member: member, .truncated("offset \(offset) is beyond the file"))
            }
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw NPZError(path: path, member: member, .io(errnoMessage("read failed")))
            }
            if n == 0 {
                throw NPZError(
                    path: path, member: member,
                    .truncated("the file ends at byte \(position), \(buffer.count - done) bytes short"))
            }
            done += n
        }
    }

    /// The `count` bytes at `offset`.
    func read(count: Int, at offset: UInt64, member: String? = nil) throws(NPZError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result: Result<Void, NPZError> = bytes.withUnsafeMutableBytes { buffer in
            do throws(NPZError) {
                try read(into: buffer, at: offset, member: member)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return bytes
    }
}

private func errnoMessage(_ what: String) -> String {
    "\(what): \(String(cString: strerror(errno)))"
}
