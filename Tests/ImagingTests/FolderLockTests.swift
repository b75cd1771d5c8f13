import Foundation
import Imaging
import Testing
import TestSupport

/// `FileIO.lock`: a held lock refuses naming the folder and the holder's PID, in this process too; a lock
/// file whose holder died (or closed it) is taken over; a symbolic link is not followed.
@Suite struct FolderLockTests {
    @Test func aHeldLockIsRefusedNamingTheFolderAndThePID() throws {
        let directory = TemporaryDirectory()
        let holder = try holdLock(directory.file(".lock"))
        let busy = #expect(throws: ImagingError.self) { try FileIO.lock(directory.file(".lock"), for: directory.path) }
        #expect(busy?.path == directory.path)
        #expect(busy?.description.contains("in use by PID \(getpid())") == true, "\(String(describing: busy))")
        close(holder)

        let mine = try FileIO.lock(directory.file(".lock"), for: directory.path)
        #expect(try readFile(directory.file(".lock")) == Array("\(getpid())\n".utf8))
        // Another open file description in the same process is kept out as well.
        #expect(throws: ImagingError.self) { try FileIO.lock(directory.file(".lock"), for: directory.path) }
        close(mine)
        close(try FileIO.lock(directory.file(".lock"), for: directory.path))
    }

    @Test func aHolderWhosePIDIsUnknownIsStillRefused() throws {
        let directory = TemporaryDirectory()
        let lockFile = directory.file(".lock")
        let holder = try holdLock(lockFile)
        defer { close(holder) }
        // As a holder leaves it between taking the lock and writing its PID: empty, or a dead predecessor's.
        for content in ["", "\(Int32.max)\n"] {
            ftruncate(holder, 0)
            _ = Array(content.utf8).withUnsafeBytes { pwrite(holder, $0.baseAddress, $0.count, 0) }
            let busy = #expect(throws: ImagingError.self) { try FileIO.lock(lockFile, for: directory.path) }
            let message = busy?.description ?? ""
            #expect(message.contains("in use by another medsilo process"), "\(message)")
        }
    }

    @Test func aLockLeftByADeadProcessIsTakenOver() throws {
        let directory = TemporaryDirectory()
        try leaveStaleLock(directory.file(".lock"))
        let stale = try readFile(directory.file(".lock"))
        try writeFile(stale + Array("and more than a PID\n".utf8), to: directory.file(".lock"))
        let lock = try FileIO.lock(directory.file(".lock"), for: directory.path)
        close(lock)
        #expect(try readFile(directory.file(".lock")) == Array("\(getpid())\n".utf8))
    }

    @Test func unlockingRemovesTheFileAndTheNextLockMakesANewOne() throws {
        let directory = TemporaryDirectory()
        let lock = try FileIO.lock(directory.file("store.lock"), for: directory.file("store"))
        FileIO.unlock(lock, removing: directory.file("store.lock"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("store.lock")))
        let again = try FileIO.lock(directory.file("store.lock"), for: directory.file("store"))
        #expect(throws: ImagingError.self) { try FileIO.lock(directory.file("store.lock"), for: directory.file("store")) }
        FileIO.unlock(again, removing: directory.file("store.lock"))
    }

    @Test func aSymbolicLinkIsNotFollowed() throws {
        let directory = TemporaryDirectory()
        try writeFile(Array("keep".utf8), to: directory.file("notes.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: directory.file(".lock"), withDestinationPath: directory.file("notes.txt"))
        #expect(throws: ImagingError.self) { try FileIO.lock(directory.file(".lock"), for: directory.path) }
        #expect(try readFile(directory.file("notes.txt")) == Array("keep".utf8))
    }
}

/// `FileIO.writeAtomically` creates its temporary file afresh: a link planted at the temporary name is
/// removed, not followed, so the file it points to is untouched; a leftover temporary file is replaced.
@Suite struct AtomicWriteTests {
    @Test func aLinkAtTheTemporaryNameIsNeverWrittenThrough() throws {
        let directory = TemporaryDirectory()
        let victim = directory.file("victim.txt"), target = directory.file("out.json")
        try writeFile(Array("keep me".utf8), to: victim)
        try FileManager.default.createSymbolicLink(atPath: FileIO.temporaryPath(for: target), withDestinationPath: victim)
        try FileIO.writeAtomically(Array("{\"a\":1}".utf8), to: target)
        #expect(try readFile(victim) == Array("keep me".utf8))
        #expect(try readFile(target) == Array("{\"a\":1}".utf8))
        #expect(!FileManager.default.fileExists(atPath: FileIO.temporaryPath(for: target)))
        // A plain leftover from a killed writer with this PID: replaced, and the write goes through.
        try writeFile(Array("half a fi".utf8), to: FileIO.temporaryPath(for: target))
        try FileIO.writeAtomically(Array("second".utf8), to: target)
        #expect(try readFile(target) == Array("second".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["out.json", "victim.txt"])
    }

    /// The mode asked for is the file's: owner-only (0600) for a key. (That it holds from the creation
    /// on, with no moment at 0644, is the open's doing and not observable here.)
    @Test func aFileAskedForOwnerOnlyIsOwnerOnly() throws {
        let directory = TemporaryDirectory()
        try FileIO.writeAtomically([1, 2, 3], to: directory.file("key"), mode: 0o600)
        let mode = (try FileManager.default.attributesOfItem(atPath: directory.file("key"))[.posixPermissions] as? Int) ?? -1
        #expect(mode == 0o600)
    }

    /// The walk classifies entries without following links: a link back up the tree is not entered (each
    /// file listed once, the walk ends), a link to a file is listed, a FIFO is left out, and reading a FIFO
    /// by name fails at once instead of waiting for a writer.
    @Test func theWalkNeitherLoopsNorOpensFIFOs() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("root")
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        try writeFile([1], to: root + "/a/b/one.png")
        try writeFile([2], to: root + "/two.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/a/b/again", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: root + "/link.png", withDestinationPath: root + "/two.png")
        #expect(mkfifo(root + "/pipe.png", 0o644) == 0)
        let files = try FileIO.listFiles(in: root, recursive: true)
        #expect(files == [root + "/a/b/one.png", root + "/link.png", root + "/two.png"])
        let refused = #expect(throws: ImagingError.self) { try FileIO.read(root + "/pipe.png") }
        #expect(refused?.description.contains("not a regular file") == true, "\(String(describing: refused))")
    }
}
