import Foundation
import Imaging
import Testing
import TestSupport

/// `medsilo ingest` and `medsilo store info` end to end: JSON contracts, exit codes, kill and resume.
@Suite struct IngestCommandTests {
    static func medsilo(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(CLITests.binary, arguments)
    }

    /// `count` gray PNGs in two class folders, each a different constant.
    static func imageFolder(_ root: String, count: Int, size: Int = 16) throws {
        for index in 0..<count {
            let folder = "\(root)/\(index % 2 == 0 ? "even" : "odd")"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let bytes = try PNGWriter.encode([UInt8](repeating: UInt8(index % 256), count: size * size), width: size, height: size, channels: 1)
            try writeFile(bytes, to: "\(folder)/\(String(index).leftPadded(5)).png")
        }
    }

    @Test func ingestJSONIsOneObjectAndStoreInfoDescribesTheStore() throws {
        let directory = TemporaryDirectory()
        try Self.imageFolder(directory.file("src"), count: 20)
        try writeFile(Array("junk".utf8), to: directory.file("src/odd/zzz.png"))
        let result = try Self.medsilo("ingest", directory.file("src"), "--out", directory.file("store"), "--size", "8", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(report["samples"] as? Int == 20)
        #expect(report["layout"] as? String == "imagefolder")
        #expect((report["failures"] as? [[String: Any]])?.first?["path"] as? String == "odd/zzz.png")
        let splits = try #require(report["splits"] as? [String: Int])
        #expect(splits.values.reduce(0, +) == 20)

        let info = try Self.medsilo("store", "info", directory.file("store"), "--json")
        #expect(info.status == 0)
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(metadata["count"] as? Int == 20)
        #expect(metadata["shape"] as? [Int] == [1, 8, 8])
        #expect(metadata["classes"] as? [String] == ["even", "odd"])
        let text = try Self.medsilo("store", "info", directory.file("store"))
        #expect(text.stdout.contains("samples    20"))

        // Strict mode: the bad file makes the job fail with a message naming it, and no store is written.
        let strict = try Self.medsilo("ingest", directory.file("src"), "--out", directory.file("strict"), "--strict")
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("odd/zzz.png"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("strict/store.json")))
    }

    @Test func badOptionsFailBeforeAnyWorkWithTheOptionNamed() throws {
        let directory = TemporaryDirectory()
        try Self.imageFolder(directory.file("src"), count: 2)
        for (arguments, message) in [
            (["--channels", "2"], "channels"), (["--split", "0.5,0.5"], "--split"), (["--dicom-window", "wide"], "--dicom-window"),
            (["--layout", "dicom"], "--manifest"), (["--size", "0"], "size"),
        ] {
            let result = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("s")] + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("s")))
    }

    @Test func aKilledIngestResumesAndEqualsAnUninterruptedOne() throws {
        let directory = TemporaryDirectory()
        try Self.imageFolder(directory.file("src"), count: 1500)
        let key = directory.file("key")
        try writeFile(Array(repeating: 3, count: 32), to: key)
        let common = ["--size", "8", "--key-file", key, "--chunk-size", "1"]
        let whole = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("whole")] + common)
        #expect(whole.status == 0, "\(whole.stderr)")

        // Start, wait until the journal has some lines, kill -9.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["ingest", directory.file("src"), "--out", directory.file("cut")] + common
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let journal = directory.file("cut.partial/journal.txt")
        var lines = 0
        while process.isRunning && lines < 50 {
            usleep(2000)
            lines = ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").filter { $0 == "\n" }.count
        }
        let killedMidway = process.isRunning
        // Stopped, it still holds the store's lock: a second ingest into the same --out is refused untouched.
        kill(process.processIdentifier, SIGSTOP)
        let journalBefore = try? readFile(journal)
        let second = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("cut")] + common)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(killedMidway, "the ingest finished before it could be killed; make the fixture larger")
        #expect(second.status == 1 && second.stderr.contains("in use by PID \(process.processIdentifier)"), "\(second.stderr)")
        #expect(journalBefore != nil && (try? readFile(journal)) == journalBefore)
        #expect(!FileManager.default.fileExists(atPath: directory.file("cut/store.json")))
        // The killed process's lock file stays behind, holding no lock: the next run resumes.
        #expect(FileManager.default.fileExists(atPath: directory.file("cut.lock")))

        let resumed = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("cut"), "--json"] + common)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect((report["resumedSamples"] as? Int ?? 0) >= 50)
        for file in ["images.bin", "labels.bin", "samples.bin", "samples.csv"] {
            #expect(try readFile(directory.file("whole/\(file)")) == readFile(directory.file("cut/\(file)")), "\(file)")
        }
        // Unchanged inputs: the next run reuses the store.
        let again = try run(CLITests.binary, ["ingest", directory.file("src"), "--out", directory.file("cut")] + common)
        #expect(again.stdout.contains("store reused"))
    }

    /// `STORE.lock`, beside the store: held by another process, the ingest is refused with its PID and
    /// writes nothing; left behind by a process that died, it holds nothing back and is removed at the end.
    @Test func aLockedStoreIsRefusedAndALeftoverLockIsNot() throws {
        let directory = TemporaryDirectory()
        try Self.imageFolder(directory.file("src"), count: 4)
        try FileManager.default.createDirectory(atPath: directory.file("stores"), withIntermediateDirectories: true)
        let holder = try holdLock(directory.file("stores/derm.lock"))
        let busy = try Self.medsilo("ingest", directory.file("src"), "--out", directory.file("stores/derm"), "--size", "8")
        close(holder)
        #expect(busy.status == 1, "\(busy.stderr)")
        #expect(busy.stderr.contains("\(directory.file("stores/derm")): in use by PID \(getpid())"), "\(busy.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("stores")) == ["derm.lock"])

        try leaveStaleLock(directory.file("stores/derm.lock"))
        let after = try Self.medsilo("ingest", directory.file("src"), "--out", directory.file("stores/derm"), "--size", "8")
        #expect(after.status == 0, "\(after.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("stores/derm/store.json")))
        // Its own lock file goes when the ingest ends.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("stores")) == ["derm"])
    }

    @Test func ctrlCStopsCleanlyWithStatus130() throws {
        let directory = TemporaryDirectory()
        try Self.imageFolder(directory.file("src"), count: 1500)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["ingest", directory.file("src"), "--out", directory.file("cut"), "--chunk-size", "1"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let journal = directory.file("cut.partial/journal.txt")
        while process.isRunning && !FileManager.default.fileExists(atPath: journal) { usleep(2000) }
        usleep(20_000)
        let interrupted = process.isRunning
        kill(process.processIdentifier, SIGINT)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(interrupted, "the ingest finished before the interrupt")
        #expect(process.terminationStatus == 130)
        #expect(message.contains("interrupted"))
        #expect(FileManager.default.fileExists(atPath: journal))
        #expect(!FileManager.default.fileExists(atPath: directory.file("cut/store.json")))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
