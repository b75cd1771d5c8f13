#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileIO {
    /// Takes the lock that keeps a second MedSilo process off `folder`: an exclusive `flock(2)`
    /// (`LOCK_EX | LOCK_NB`) on the file `path`, created if missing, into which this process's PID is then
    /// written so that a refused process can name the holder. Returns the descriptor; the lock is held until
    /// it is closed (or given to `unlock(_:removing:)`).
    ///
    /// The kernel drops the lock when the descriptor closes, so also when the process ends however it ends
    /// (SIGKILL, a crash): a lock file left behind holds no lock, and the next process takes it over. The
    /// lock belongs to the open file description, so two calls in one process exclude each other as well.
    /// The descriptor is close-on-exec, and a symbolic link at `path` is refused, not followed. A lock taken
    /// on a file its holder removed in the meantime is let go and `path` opened again, so a holder may remove
    /// the file as it lets go.
    ///
    /// - Throws: `.io("in use by PID N (another medsilo process holds PATH); …")` with `folder` as the path
    ///   when the lock is held — N is the PID the holder wrote, and "in use by another medsilo process" stands
    ///   without one when it has not written its own yet (the file is empty or names a process that no
    ///   longer exists); `.io` with the system's message when the file cannot be opened or locked.
    public static func lock(_ path: String, for folder: String) throws(ImagingError) -> Int32 {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { throw ImagingError(path: folder, .io(errnoMessage("cannot open the lock file \(path)"))) }
            var status = stat()
            guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw ImagingError(path: folder, .io("the lock file \(path) is not a regular file"))
            }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                if errno == EINTR { continue }
                let busy = errno == EWOULDBLOCK
                let message = busy ? "" : errnoMessage("cannot lock \(path)")
                let holder = busy ? lockHolder(fd) : nil
                close(fd)
                guard busy else { throw ImagingError(path: folder, .io(message)) }
                let who = holder.map { "PID \($0) (another medsilo process holds \(path))" }
                    ?? "another medsilo process (it holds \(path))"
                throw ImagingError(path: folder, .io("in use by \(who); wait for it to end, or choose another --out"))
            }
            var current = stat()
            guard lstat(path, &current) == 0, current.st_dev == status.st_dev, current.st_ino == status.st_ino else {
                close(fd)
                continue
            }
            // The PID only informs a refused process; the lock itself does not depend on it.
            let pid = Array("\(getpid())\n".utf8)
            if ftruncate(fd, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
            return fd
        }
    }

    /// Removes the lock file `path`, then lets go of the lock `fd` that `lock(_:for:)` returned: the file
    /// goes while the lock is still held, so no process can lock the removed file and carry on (`lock`
    /// checks that the file it locked is still at `path`).
    public static func unlock(_ fd: Int32, removing path: String) {
        unlink(path)
        close(fd)
    }

    /// The PID written in a held lock file, if that process exists (a holder that has only just taken the
    /// lock may not have replaced its predecessor's PID yet).
    private static func lockHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let digits = buffer.prefix(max(0, count)).prefix { (48...57).contains($0) }
        guard let pid = Int32(String(decoding: digits, as: UTF8.self)), pid > 0 else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }
}
