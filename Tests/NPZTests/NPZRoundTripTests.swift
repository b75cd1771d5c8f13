import NPZ
import TestSupport
import Testing

/// Arrays of every dtype and typical MedMNIST shapes, in archives written by `ZIPBuilder` (stored, or
/// deflated by the tests' own encoder; with and without ZIP64 records and data descriptors), read back
/// whole and row by row. The expectation is the bytes that were written.
@Suite struct NPZRoundTripTests {
    struct ArrayCase: Sendable, CustomTestStringConvertible {
        var descr: String
        var shape: [Int]
        var testDescription: String { "\(descr) \(shape)" }
    }

    static let arrays: [ArrayCase] = [
        .init(descr: "|u1", shape: [5, 28, 28]),
        .init(descr: "|u1", shape: [4, 8, 8, 3]),
        .init(descr: "|i1", shape: [6, 2]),
        .init(descr: "<u2", shape: [3, 4, 4]),
        .init(descr: "<i2", shape: [3, 5]),
        .init(descr: "<u4", shape: [2, 3]),
        .init(descr: "<i4", shape: [7]),
        .init(descr: "<u8", shape: [3, 1]),
        .init(descr: "<i8", shape: [9, 1]),
        .init(descr: "|u1", shape: [9, 14]),
        .init(descr: "<f2", shape: [4, 2]),
        .init(descr: "<f4", shape: [2, 32, 32, 3]),
        .init(descr: "<f8", shape: [3, 3]),
        .init(descr: "|b1", shape: [11]),
        .init(descr: ">i4", shape: [3, 2]),
        .init(descr: ">f8", shape: [2, 2]),
        .init(descr: "|u1", shape: [0, 28, 28]),
        .init(descr: "<f8", shape: []),
        .init(descr: "<i4", shape: [4, 0]),
    ]

    enum Layout: String, CaseIterable, Sendable {
        case stored, fixedHuffman, storedBlocks, mixedBlocks, zip64, dataDescriptor, localExtraAndComment
    }

    private func builder(_ members: [(String, [UInt8])], _ layout: Layout) -> ZIPBuilder {
        var zip = ZIPBuilder()
        for (name, bytes) in members {
            var member: ZIPBuilder.Member
            switch layout {
            case .stored, .localExtraAndComment: member = .init(name, bytes)
            case .fixedHuffman, .zip64: member = .init(name, bytes, .deflated(.fixedHuffman))
            case .storedBlocks: member = .init(name, bytes, .deflated(.storedBlocks))
            case .mixedBlocks, .dataDescriptor: member = .init(name, bytes, .deflated(.mixed))
            }
            member.zip64 = layout == .zip64
            member.dataDescriptor = layout == .dataDescriptor
            if layout == .localExtraAndComment { member.localOnlyExtra = [0x99, 0x99, 4, 0, 1, 2, 3, 4] }
            zip.add(member)
        }
        zip.zip64End = layout == .zip64
        if layout == .localExtraAndComment { zip.comment = Array("PK\u{5}\u{6} looks like an end record".utf8) }
        return zip
    }

    @Test(arguments: arrays, Layout.allCases)
    func roundTrip(_ array: ArrayCase, _ layout: Layout) throws {
        let dtype = try #require(NPYDType(descr: array.descr))
        let count = array.shape.reduce(1, *) * dtype.size
        var data = sampleBytes(count: count, seed: UInt64(count))
        if dtype.kind == .bool { data = data.map { $0 & 1 } }
        let labels = sampleBytes(count: 40, seed: 1)
        let zip = builder(
            [
                ("train_images.npy", NPYBuilder.encode(descr: array.descr, shape: array.shape, data: data)),
                ("train_labels.npy", NPYBuilder.encode(descr: "|u1", shape: [40, 1], data: labels)),
            ], layout)
        let directory = TemporaryDirectory()
        let archive = try NPZArchive(path: write(zip.bytes(), "a.npz", in: directory))

        #expect(archive.memberNames == ["train_images.npy", "train_labels.npy"])
        #expect(archive.arrayNames == ["train_images", "train_labels"])
        let header = try archive.header(of: "train_images")
        #expect(header.dtype == dtype)
        #expect(header.shape == array.shape)
        #expect(header.byteCount == count)
        #expect(try archive.header(of: "train_images.npy") == header)
        #expect(try archive.readAll(of: "train_images") == data)
        #expect(try archive.readAll(of: "train_labels.npy") == labels)

        var streamed: [UInt8] = []
        var ranges: [Range<Int>] = []
        try archive.forEachChunk(of: "train_images", rowsPerChunk: 2) { (rows, bytes) throws(Never) in
            ranges.append(rows)
            streamed += bytes
        }
        #expect(streamed == data)
        let rowCount = array.shape.first ?? 1
        let rowBytes = array.shape.dropFirst().reduce(dtype.size, *)
        let expectedRanges: [Range<Int>] =
            rowBytes == 0
            ? (rowCount == 0 ? [] : [0..<rowCount])
            : stride(from: 0, to: rowCount, by: 2).map { $0..<min($0 + 2, rowCount) }
        #expect(ranges == expectedRanges)
    }

    @Test func rowReaderReusesItsBufferAndEndsWithNil() throws {
        let data = Array(0..<60).map(UInt8.init)
        var zip = ZIPBuilder()
        zip.add(.init("x.npy", NPYBuilder.encode(descr: "|u1", shape: [10, 6], data: data), .deflated(.fixedHuffman)))
        let directory = TemporaryDirectory()
        let reader = try NPZArchive(path: write(zip.bytes(), "a.npz", in: directory)).rows(of: "x", rowsPerChunk: 4)
        var buffer: [UInt8] = []
        #expect(try reader.next(into: &buffer) == 0..<4)
        #expect(buffer == Array(data[0..<24]))
        #expect(try reader.next(into: &buffer) == 4..<8)
        #expect(try reader.next(into: &buffer) == 8..<10)
        #expect(buffer == Array(data[48..<60]))
        #expect(try reader.next(into: &buffer) == nil)
        #expect(try reader.next(into: &buffer) == nil)
    }

    @Test func fortranOrderIsTransposedWhenReadWholeAndRefusedWhenStreamed() throws {
        // Shape (2, 3) stored column-major: a00 a10 a01 a11 a02 a12.
        let fortran: [UInt8] = [0, 3, 1, 4, 2, 5]
        var zip = ZIPBuilder()
        zip.add(.init("f.npy", NPYBuilder.encode(descr: "|u1", shape: [2, 3], fortranOrder: true, data: fortran)))
        zip.add(
            .init(
                "column.npy",
                NPYBuilder.encode(descr: "<u2", shape: [3, 1], fortranOrder: true, data: [1, 0, 2, 0, 3, 0])))
        let directory = TemporaryDirectory()
        let archive = try NPZArchive(path: write(zip.bytes(), "a.npz", in: directory))
        #expect(try archive.readAll(of: "f") == [0, 1, 2, 3, 4, 5])
        #expect(try archive.header(of: "f").fortranOrder)
        #expect(reason { () throws(NPZError) in _ = try archive.rows(of: "f", rowsPerChunk: 1) } == .fortranOrder)
        // One axis longer than 1: both orders are the same bytes, so streaming is allowed.
        var streamed: [UInt8] = []
        try archive.forEachChunk(of: "column", rowsPerChunk: 2) { (_, bytes) throws(Never) in streamed += bytes }
        #expect(streamed == [1, 0, 2, 0, 3, 0])
    }

    @Test func closureErrorsStopTheStreamAndComeBackAsBody() throws {
        struct Stop: Error, Equatable {}
        var zip = ZIPBuilder()
        zip.add(.init("x.npy", NPYBuilder.encode(descr: "|u1", shape: [10, 2], data: Array(repeating: 7, count: 20))))
        let directory = TemporaryDirectory()
        let archive = try NPZArchive(path: write(zip.bytes(), "a.npz", in: directory))
        var calls = 0
        do {
            try archive.forEachChunk(of: "x", rowsPerChunk: 3) { (_, _) throws(Stop) in
                calls += 1
                if calls == 2 { throw Stop() }
            }
            Issue.record("expected the closure's error")
        } catch {
            guard case .body(let stop) = error else {
                Issue.record("expected .body, got \(error)")
                return
            }
            #expect(stop == Stop())
        }
        #expect(calls == 2)
    }

    @Test func standaloneNPYFilesStreamLikeMembers() throws {
        let data = sampleBytes(count: 5 * 7 * 4, seed: 3)
        let directory = TemporaryDirectory()
        for version: UInt8 in [1, 2, 3] {
            let path = try write(
                NPYBuilder.encode(descr: "<f4", shape: [5, 7], data: data, version: version), "v\(version).npy",
                in: directory)
            let file = try NPYFile(path: path)
            #expect(file.header.version == Int(version))
            #expect(file.header.shape == [5, 7])
            #expect(try file.read().bytes == data)
            var streamed: [UInt8] = []
            try file.forEachChunk(rowsPerChunk: 2) { (_, bytes) throws(Never) in streamed += bytes }
            #expect(streamed == data)
        }
    }
}
