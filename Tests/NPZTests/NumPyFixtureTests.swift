import Foundation
import NPZ
import TestSupport
import Testing

/// Archives and `.npy` files written by NumPy (`scripts/npz-fixtures.py`: `np.savez`,
/// `np.savez_compressed`, ZIP64 structures from Python's zipfile, format versions 1–3, big-endian,
/// bool, Fortran order, empty and scalar arrays), compared with the facts NumPy recorded about them:
/// dtype, shape, order, CRC-32 of the C-order bytes, first and last element.
///
/// NumPy is required: without it these tests fail, they are never skipped.
@Suite struct NumPyFixtureTests {
    struct Facts: Decodable {
        var descr: String
        var shape: [Int]
        var fortran_order: Bool
        var crc32: UInt32
        var first: Double?
        var last: Double?
    }

    struct Expected: Decodable {
        var archives: [String: [String: Facts]]
        var npy: [String: Facts]
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs the fixture script into `directory` and reads its expectations.
    private func makeFixtures(in directory: TemporaryDirectory) throws -> Expected {
        let probe = try run("python3", ["-c", "import numpy"])
        guard probe.status == 0 else {
            throw FixtureError(
                "python3 with numpy is required for the NPZ fixture tests (`python3 -c 'import numpy'` failed: \(probe.stderr))"
            )
        }
        let result = try run("python3", ["\(Self.packageRoot)/scripts/npz-fixtures.py", directory.path])
        guard result.status == 0 else { throw FixtureError("npz-fixtures.py failed: \(result.stderr)") }
        let json = try Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json")))
        return try JSONDecoder().decode(Expected.self, from: json)
    }

    private func check(_ header: NPYHeader, _ bytes: [UInt8], against facts: Facts, _ label: String) {
        #expect(header.dtype.descr == facts.descr, "\(label)")
        #expect(header.shape == facts.shape, "\(label)")
        #expect(header.fortranOrder == facts.fortran_order, "\(label)")
        #expect(TestCRC32.checksum(bytes) == facts.crc32, "\(label)")
        if let first = facts.first, let last = facts.last {
            #expect(element(0, of: bytes, header.dtype) == first, "\(label)")
            #expect(element(header.elementCount - 1, of: bytes, header.dtype) == last, "\(label)")
        } else {
            #expect(bytes.isEmpty, "\(label)")
        }
    }

    @Test func numpyArchivesAndFilesReadAsNumPyWroteThem() throws {
        let directory = TemporaryDirectory("npz-fixtures")
        let expected = try makeFixtures(in: directory)
        #expect(expected.archives.count == 4)
        for (archiveName, arrays) in expected.archives.sorted(by: { $0.key < $1.key }) where archiveName != "zeros.npz"
        {
            let archive = try NPZArchive(path: directory.file(archiveName))
            #expect(Set(archive.arrayNames) == Set(arrays.keys), "\(archiveName)")
            #expect(archive.memberNames.allSatisfy { $0.hasSuffix(".npy") })
            for (name, facts) in arrays {
                let label = "\(archiveName) \(name)"
                let header = try archive.header(of: name)
                check(header, try archive.readAll(of: name), against: facts, label)
                if facts.fortran_order {
                    #expect(
                        reason { () throws(NPZError) in _ = try archive.rows(of: name, rowsPerChunk: 1) }
                            == .fortranOrder)
                } else {
                    var streamed: [UInt8] = []
                    try archive.forEachChunk(of: name, rowsPerChunk: 4) { (_, bytes) throws(Never) in streamed += bytes
                    }
                    check(header, streamed, against: facts, label + " streamed")
                }
            }
        }
        for (fileName, facts) in expected.npy {
            let file = try NPYFile(path: directory.file(fileName))
            #expect(file.header.version == Int(fileName.dropFirst().prefix(1)))
            check(file.header, try file.read().bytes, against: facts, fileName)
        }
    }

    /// 128 MiB of deflated zeros stream through a 4 MiB chunk while resident memory stays far below
    /// the array's size; so does a 128 MiB stored `.npy` (a sparse file, so nothing is written to disk).
    @Test func largeArraysStreamInBoundedMemory() throws {
        let directory = TemporaryDirectory("npz-fixtures")
        _ = try makeFixtures(in: directory)
        let archive = try NPZArchive(path: directory.file("zeros.npz"))
        #expect(try archive.header(of: "zeros").byteCount == 128 << 20)
        try expectBoundedStreaming(["npz", directory.file("zeros.npz"), "zeros"])

        let path = directory.file("sparse.npy")
        let header = NPYBuilder.encode(descr: "|u1", shape: [512, 256, 1024], data: [])
        try writeFile(header, to: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(header.count + (128 << 20)))
        try handle.close()
        try expectBoundedStreaming(["npy", path])
    }

    /// Streams in a child process (`memory-probe`) and bounds that process's peak resident memory.
    private func expectBoundedStreaming(_ arguments: [String]) throws {
        let result = try runMemoryProbe(arguments)
        #expect(result.total == 128 << 20)
        #expect(result.nonZero == 0)
        #expect(result.peakKilobytes > 0 && result.peakKilobytes < 48 * 1024, "peak resident memory \(result.peakKilobytes) KiB while streaming 128 MiB")
    }

    /// A deflated member that declares 256 MiB (within deflate's ratio of its 400 KiB of compressed
    /// data) but inflates to 1 MiB: it is refused on its missing bytes, and the reader never holds more
    /// than it has really read plus one 4 MiB step (in a child process, so the figure is its own).
    @Test func aMemberDeclaringMoreThanItHoldsFailsBeforeMemoryIsSpent() throws {
        let directory = TemporaryDirectory()
        var generator = SplitMix(seed: 5)
        let noise = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let declared = 256 << 20
        var member = ZIPBuilder.Member(
            "big.npy", NPYBuilder.encode(descr: "|u1", shape: [16, declared / 16], data: noise), .deflated(.storedBlocks))
        member.declaredSizeOverride = UInt64(declared + 128)
        var builder = ZIPBuilder()
        builder.add(member)
        try writeFile(builder.bytes(), to: directory.file("lying.npz"))
        let result = try run(memoryProbe, ["npz", directory.file("lying.npz"), "big"])
        #expect(result.status == 1)
        let peak = try #require(Int(result.stdout.split(separator: " ").last?.filter(\.isNumber) ?? ""))
        #expect(peak > 0 && peak < 64 * 1024, "peak \(peak) KiB before refusing a member that declares 256 MiB")
    }
}
