import Foundation

/// Holds an exclusive `flock` on `path` the way a running medsilo process holds a folder's lock: an open
/// file description of its own, this process's PID written in the file. Returns the descriptor; closing
/// it releases the lock (as the holder's death would), and the file stays behind.
public func holdLock(_ path: String) throws -> Int32 {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FixtureError("\(path): cannot open (\(String(cString: strerror(errno))))") }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
        close(fd)
        throw FixtureError("\(path): already locked")
    }
    let pid = Array("\(getpid())\n".utf8)
    guard ftruncate(fd, 0) == 0, pid.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == pid.count else {
        close(fd)
        throw FixtureError("\(path): cannot write the PID")
    }
    return fd
}

/// A lock file as a killed medsilo process leaves it: the PID of a process that has exited, and no lock.
public func leaveStaleLock(_ path: String) throws {
    let exited = Process()
    exited.executableURL = URL(fileURLWithPath: "/bin/true")
    try exited.run()
    exited.waitUntilExit()
    try writeFile(Array("\(exited.processIdentifier)\n".utf8), to: path)
}
