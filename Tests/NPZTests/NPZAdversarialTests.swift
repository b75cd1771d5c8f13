import NPZ
import TestSupport
import Testing

/// Damaged and hostile archives end in an `NPZError` with the expected reason: never a crash, never
/// an allocation of what a header claims, never bytes that differ from what was written.
@Suite struct NPZAdversarialTests {
    static let images = sampleBytes(count: 3 * 28 * 28, seed: 11)
    static let labels: [UInt8] = [3, 1, 4]

    /// A valid archive: images deflated by the test encoder, labels stored.
    static func valid(zip64: Bool = false) -> ZIPBuilder {
        var zip = ZIPBuilder()
        var imagesMember = ZIPBuilder.Member(
            "train_images.npy", NPYBuilder.encode(descr: "|u1", shape: [3, 28, 28], data: images), .deflated(.mixed))
        imagesMember.zip64 = zip64
        zip.add(imagesMember)
        zip.add(.init("train_labels.npy", NPYBuilder.encode(descr: "|u1", shape: [3, 1], data: labels)))
        zip.zip64End = zip64
        return zip
    }

    private func open(_ bytes: [UInt8], in directory: TemporaryDirectory) throws -> NPZArchive {
        try NPZArchive(path: write(bytes, "a.npz", in: directory))
    }

    /// The reason reading every member of `bytes` fails, or nil.
    private func failure(_ bytes: [UInt8], member: String? = nil) throws -> NPZError.Reason? {
        let directory = TemporaryDirectory()
        let path = try write(bytes, "a.npz", in: directory)
        return reason { () throws(NPZError) in
            let archive = try NPZArchive(path: path)
            if let member { _ = try archive.readAll(of: member) } else { _ = try readEverything(archive) }
        }
    }

    @Test(arguments: [false, true])
    func everyTruncationFails(zip64: Bool) throws {
        let bytes = Self.valid(zip64: zip64).bytes()
        let directory = TemporaryDirectory()
        for length in stride(from: 0, to: bytes.count, by: 37) {
            let path = try write(Array(bytes.prefix(length)), "t\(length).npz", in: directory)
            let failed = reason { () throws(NPZError) in _ = try readEverything(NPZArchive(path: path)) }
            #expect(failed != nil, "a prefix of \(length) of \(bytes.count) bytes was read")
        }
    }

    /// Flipping any byte either makes reading fail or leaves the arrays intact (CRC and checks see to it).
    @Test(arguments: [false, true])
    func flippedBytesFailOrReadTheOriginal(zip64: Bool) throws {
        let bytes = Self.valid(zip64: zip64).bytes()
        let directory = TemporaryDirectory()
        var failures = 0
        for position in stride(from: 0, to: bytes.count, by: 37) {
            var damaged = bytes
            damaged[position] ^= 0xFF
            let path = try write(damaged, "f\(position).npz", in: directory)
            do {
                let arrays = try readEverything(NPZArchive(path: path))
                // A flipped name byte renames a member; the data must still be what was written.
                #expect(arrays.map(\.bytes) == [Self.images, Self.labels], "byte \(position)")
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test func recordedChecksumsAreChecked() throws {
        for compression in [ZIPBuilder.Compression.stored, .deflated(.fixedHuffman)] {
            let npy = NPYBuilder.encode(descr: "|u1", shape: [3, 1], data: Self.labels)
            var member = ZIPBuilder.Member("x.npy", npy, compression)
            member.crcOverride = 0x1234_5678
            var zip = ZIPBuilder()
            zip.add(member)
            let computed = TestCRC32.checksum(npy)
            #expect(try failure(zip.bytes()) == .checksumMismatch(recorded: 0x1234_5678, computed: computed))
            // Streaming checks the CRC before handing over the last chunk.
            let directory = TemporaryDirectory()
            let archive = try open(zip.bytes(), in: directory)
            var chunks = 0
            #expect(throws: NPZStreamError<Never>.self) {
                try archive.forEachChunk(of: "x", rowsPerChunk: 3) { (_, _) throws(Never) in chunks += 1 }
            }
            #expect(chunks == 0)
            // A reader that failed keeps failing with the same error.
            let reader = try archive.rows(of: "x", rowsPerChunk: 3)
            var buffer: [UInt8] = []
            let first = reason { () throws(NPZError) in _ = try reader.next(into: &buffer) }
            #expect(first == .checksumMismatch(recorded: 0x1234_5678, computed: computed))
            #expect(reason { () throws(NPZError) in _ = try reader.next(into: &buffer) } == first)
            // The header alone can still be read (its CRC covers the whole member).
            #expect(try archive.header(of: "x").shape == [3, 1])
        }
    }

    @Test func endRecordsClaimingTooMuchAreRefused() throws {
        let bytes = Self.valid().bytes()
        let end = bytes.count - 22
        let size = Int(bytes[end + 12]) | Int(bytes[end + 13]) << 8
        let offset = Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8
        let cases: [(offset: Int, value: UInt32, width: Int, NPZError.Reason)] = [
            (end + 10, 0xFFFF, 2, .multiDisk),  // total entries ≠ entries on this disk
            (end + 4, 1, 2, .multiDisk),
            (
                end + 12, 0xFFFF_FFF0, 4,
                .corruptDirectory(
                    "central directory (4294967280 bytes at \(offset)) is not before its end record at \(end)")
            ),
            (
                end + 16, 0xFFFF_FFF0, 4,
                .corruptDirectory(
                    "central directory (\(size) bytes at 4294967280) is not before its end record at \(end)")
            ),
        ]
        for (at, value, width, expected) in cases {
            var damaged = bytes
            if width == 2 { damaged.put(UInt16(value), at: at) } else { damaged.put(value, at: at) }
            #expect(try failure(damaged) == expected)
        }
        var counts = bytes
        counts.put(UInt16(0xFFFF), at: end + 8)
        counts.put(UInt16(0xFFFF), at: end + 10)
        #expect(try failure(counts) == .corruptDirectory("65535 entries cannot fit in a directory of \(size) bytes"))
        #expect(try failure(Array(repeating: 0, count: 100)) == .notZIP)
        #expect(try failure([]) == .notZIP)
    }

    @Test func zip64RecordsClaimingTooMuchAreRefused() throws {
        let bytes = Self.valid(zip64: true).bytes()
        let record = bytes.count - 22 - 20 - 56
        var count = bytes
        count.put(UInt64(1) << 60, at: record + 24)
        count.put(UInt64(1) << 60, at: record + 32)
        guard case .corruptDirectory = try failure(count) else {
            Issue.record("expected corruptDirectory")
            return
        }
        var offset = bytes
        offset.put(UInt64(1) << 63, at: record + 48)
        guard case .corruptDirectory = try failure(offset) else {
            Issue.record("expected corruptDirectory")
            return
        }
        var locator = bytes
        locator.put(UInt64.max, at: bytes.count - 22 - 20 + 8)
        #expect(
            try failure(locator) == .corruptDirectory("ZIP64 end record offset 18446744073709551615 is out of bounds"))
        var disks = bytes
        disks.put(UInt32(3), at: bytes.count - 22 - 20 + 16)
        #expect(try failure(disks) == .multiDisk)
    }

    @Test func membersThatLieAboutTheirSizeAreRefused() throws {
        // The header says 10 bytes and the directory agrees, but the deflate stream holds 5 or 15.
        let header = NPYBuilder.encode(descr: "|u1", shape: [10], data: [])
        let declared = UInt64(header.count + 10)
        for (dataCount, expected) in [
            (5, NPZError.Reason.inflatedTooShort(declared: declared, inflated: declared - 5)),
            (15, .inflatedTooLong(declared: declared)),
        ] {
            var member = ZIPBuilder.Member(
                "x.npy", header + [UInt8](repeating: 9, count: dataCount), .deflated(.fixedHuffman))
            member.declaredSizeOverride = declared
            var zip = ZIPBuilder()
            zip.add(member)
            #expect(try failure(zip.bytes()) == expected)
        }
        // A zip bomb: 1 MiB of zeros declared as 100 bytes stops after 100 bytes.
        var bomb = ZIPBuilder.Member("x.npy", header + [UInt8](repeating: 0, count: 1 << 20), .deflated(.fixedHuffman))
        bomb.declaredSizeOverride = declared
        var zip = ZIPBuilder()
        zip.add(bomb)
        #expect(try failure(zip.bytes()) == .inflatedTooLong(declared: declared))
        // A stored member whose sizes disagree.
        var stored = ZIPBuilder.Member("x.npy", header + [UInt8](repeating: 9, count: 10))
        stored.declaredSizeOverride = declared + 1
        zip = ZIPBuilder()
        zip.add(stored)
        #expect(
            try failure(zip.bytes())
                == .corruptDirectory("stored member of \(declared) bytes declares \(declared + 1) uncompressed"))
    }

    /// Found by fuzz-npz: a deflated member declaring far more than its compressed bytes can inflate to,
    /// with a header whose shape agrees, made the row reader allocate one huge row before reading
    /// (a 202-byte archive asked for 1 TiB). Such members are refused when opened.
    @Test(arguments: [UInt64(1) << 31, UInt64(1) << 40])
    func deflatedMembersClaimingMoreThanDeflateCanHoldAreRefused(rowBytes: UInt64) throws {
        let header = NPYBuilder.encode(descr: "|u1", shape: [1, Int(rowBytes)], data: [])
        var member = ZIPBuilder.Member("x.npy", header, .deflated(.fixedHuffman))
        member.declaredSizeOverride = UInt64(header.count) + rowBytes
        member.zip64 = true
        var zip = ZIPBuilder()
        zip.add(member)
        let directory = TemporaryDirectory()
        let archive = try open(zip.bytes(), in: directory)
        let stored = DeflateEncoder.encode(header, style: .fixedHuffman).count
        let expected = NPZError.Reason.corruptDirectory(
            "deflated member of \(stored) bytes cannot inflate to \(UInt64(header.count) + rowBytes)")
        #expect(reason { () throws(NPZError) in _ = try archive.rows(of: "x", rowsPerChunk: 1) } == expected)
        #expect(reason { () throws(NPZError) in _ = try archive.header(of: "x") } == expected)
    }

    @Test func headersClaimingHugeShapesAreRefusedBeforeReading() throws {
        var zip = ZIPBuilder()
        zip.add(
            .init(
                "a.npy",
                NPYBuilder.encode(
                    header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
                    data: [1, 2])))
        zip.add(
            .init(
                "b.npy", NPYBuilder.encode(descr: "|u1", shape: [1 << 20, 1 << 20], data: [1, 2]),
                .deflated(.fixedHuffman)))
        #expect(
            try failure(zip.bytes(), member: "a")
                == .tooLarge("shape [1099511627776, 1099511627776] of <f8 overflows the byte count"))
        #expect(try failure(zip.bytes(), member: "b") == .dataSizeMismatch(expected: 1 << 40, actual: 2))
        // Within Int but above the caller's limit for whole reads.
        var big = ZIPBuilder()
        big.add(.init("c.npy", NPYBuilder.encode(descr: "|u1", shape: [100], data: [UInt8](repeating: 0, count: 100))))
        let directory = TemporaryDirectory()
        let archive = try open(big.bytes(), in: directory)
        #expect(
            reason { () throws(NPZError) in _ = try archive.read("c", maxBytes: 99) }
                == .tooLarge("100 bytes of array data exceed the limit of 99"))
    }

    @Test func unsupportedMembersAreNamed() throws {
        let npy = NPYBuilder.encode(descr: "|u1", shape: [3, 1], data: Self.labels)
        var encrypted = ZIPBuilder.Member("e.npy", npy)
        encrypted.extraFlags = 1
        var bzip2 = ZIPBuilder.Member("b.npy", npy)
        bzip2.methodOverride = 12
        var zip = ZIPBuilder()
        zip.add(encrypted)
        zip.add(bzip2)
        zip.add(.init("ok.npy", npy))
        let directory = TemporaryDirectory()
        let archive = try open(zip.bytes(), in: directory)
        #expect(reason { () throws(NPZError) in _ = try archive.readAll(of: "e") } == .encrypted)
        #expect(
            reason { () throws(NPZError) in _ = try archive.readAll(of: "b") } == .unsupportedCompression(method: 12))
        #expect(try archive.readAll(of: "ok") == Self.labels)
        do {
            _ = try archive.readAll(of: "missing")
            Issue.record("expected noSuchMember")
        } catch {
            #expect(error == NPZError(path: archive.path, member: "missing", .noSuchMember))
            #expect(error.description == "\(archive.path) [missing]: no such member")
        }
    }

    @Test func directoryEntriesPointingElsewhereAreRefused() throws {
        var duplicate = ZIPBuilder()
        duplicate.add(.init("x.npy", NPYBuilder.encode(descr: "|u1", shape: [1], data: [1])))
        duplicate.add(.init("x.npy", NPYBuilder.encode(descr: "|u1", shape: [1], data: [2])))
        #expect(try failure(duplicate.bytes()) == .duplicateMember)

        let bytes = Self.valid().bytes()
        let end = bytes.count - 22
        let directoryOffset = Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8
        var offset = bytes
        offset.put(UInt32(5), at: directoryOffset + 42)  // the first member's local header offset
        #expect(try failure(offset, member: "train_images") == .corruptDirectory("no local header at byte 5"))
        var name = bytes
        name[30] = UInt8(ascii: "T")  // the first letter of the first local header's name
        #expect(
            try failure(name, member: "train_images")
                == .corruptDirectory("the local header names 'Train_images.npy', the directory 'train_images.npy'"))
        var size = bytes
        size.put(UInt32(1 << 20), at: directoryOffset + 20)  // its compressed size
        guard case .corruptDirectory = try failure(size, member: "train_images") else {
            Issue.record("expected corruptDirectory")
            return
        }
    }

    @Test func filesThatCannotBeOpenedAreIOErrors() {
        let directory = TemporaryDirectory()
        guard case .io = reason({ () throws(NPZError) in _ = try NPZArchive(path: directory.file("missing.npz")) })
        else {
            Issue.record("expected io")
            return
        }
        #expect(reason { () throws(NPZError) in _ = try NPZArchive(path: directory.path) } == .io("not a regular file"))
    }

    @Test func testEncoderCompresses() {
        let data = sampleBytes(count: 20000, seed: 5)
        #expect(DeflateEncoder.encode(data, style: .fixedHuffman).count < data.count / 2)
    }
}
