/// Finding and reading the central directory of a ZIP archive: the end-of-central-directory record,
/// the ZIP64 locator and record when present, and every central directory header.
///
/// Format: PKWARE APPNOTE.TXT 6.3.10 §4.3.14 (ZIP64 end of central directory record), §4.3.15 (ZIP64
/// locator), §4.3.16 (end of central directory record). The record is searched backwards from the end
/// within its 22 bytes plus the longest comment (65535 bytes). Counts and offsets are checked against
/// the file before anything is allocated for them.
enum ZIPCentralDirectory {
    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let endLength = 22
    static let zip64LocatorLength = 20
    static let zip64EndLength = 56
    /// Larger central directories are refused (NumPy writes a few members; 64 MiB holds a million).
    static let maxDirectorySize: UInt64 = 64 << 20

    /// Where the central directory lies and how many headers it holds.
    struct Location {
        var entryCount: UInt64
        var offset: UInt64
        var size: UInt64
    }

    /// The entries of the archive in `file`, in directory order, and where the directory begins
    /// (member data must end before it).
    static func entries(of file: ReadOnlyFile) throws(NPZError) -> (entries: [ZIPEntry], directoryOffset: UInt64) {
        do throws(Failure) {
            let location = try locate(in: file)
            let directory = LittleEndianReader(
                try readFailure(file, count: Int(location.size), at: location.offset), record: "central directory")
            var entries: [ZIPEntry] = []
            var offset = 0
            for _ in 0..<location.entryCount {
                let (entry, next) = try ZIPEntry.parse(directory, at: offset)
                entries.append(entry)
                offset = next
            }
            return (entries, location.offset)
        } catch {
            throw NPZError(path: file.path, error.reason)
        }
    }

    /// Finds the end records and checks that the directory they point to lies inside the file, before them.
    static func locate(in file: ReadOnlyFile) throws(Failure) -> Location {
        guard file.size >= UInt64(endLength) else { throw Failure(.notZIP) }
        let tailLength = Int(min(file.size, UInt64(endLength + 0xFFFF)))
        let tailStart = file.size - UInt64(tailLength)
        let tail = LittleEndianReader(try readFailure(file, count: tailLength, at: tailStart), record: "end record")
        var found: Int?
        for candidate in stride(from: tailLength - endLength, through: 0, by: -1) {
            guard try tail.u32(candidate) == endSignature else { continue }
            // The comment must fit in the file; the last such record wins.
            if candidate + endLength + Int(try tail.u16(candidate + 20)) <= tailLength {
                found = candidate
                break
            }
        }
        guard let found else { throw Failure(.notZIP) }
        let endOffset = tailStart + UInt64(found)
        let disk = try tail.u16(found + 4)
        let directoryDisk = try tail.u16(found + 6)
        let entriesOnDisk = try tail.u16(found + 8)
        var location = Location(
            entryCount: UInt64(try tail.u16(found + 10)),
            offset: UInt64(try tail.u32(found + 16)),
            size: UInt64(try tail.u32(found + 12)))
        guard disk == 0, directoryDisk == 0, UInt64(entriesOnDisk) == location.entryCount else {
            throw Failure(.multiDisk)
        }
        var directoryEnd = endOffset
        if endOffset >= UInt64(zip64LocatorLength) {
            let locatorOffset = endOffset - UInt64(zip64LocatorLength)
            let locator = LittleEndianReader(
                try readFailure(file, count: zip64LocatorLength, at: locatorOffset), record: "ZIP64 locator")
            if try locator.u32(0) == zip64LocatorSignature {
                guard try locator.u32(4) == 0, try locator.u32(16) <= 1 else { throw Failure(.multiDisk) }
                let recordOffset = try locator.u64(8)
                guard recordOffset <= locatorOffset, locatorOffset - recordOffset >= UInt64(zip64EndLength) else {
                    throw Failure(.corruptDirectory("ZIP64 end record offset \(recordOffset) is out of bounds"))
                }
                let record = LittleEndianReader(
                    try readFailure(file, count: zip64EndLength, at: recordOffset), record: "ZIP64 end record")
                guard try record.u32(0) == zip64EndSignature else {
                    throw Failure(.corruptDirectory("no ZIP64 end record at byte \(recordOffset)"))
                }
                guard try record.u32(16) == 0, try record.u32(20) == 0, try record.u64(24) == record.u64(32) else {
                    throw Failure(.multiDisk)
                }
                location = Location(
                    entryCount: try record.u64(32), offset: try record.u64(48), size: try record.u64(40))
                directoryEnd = recordOffset
            }
        }
        guard location.offset <= directoryEnd, location.size <= directoryEnd - location.offset else {
            throw Failure(
                .corruptDirectory(
                    "central directory (\(location.size) bytes at \(location.offset)) is not before its end record at \(directoryEnd)"
                ))
        }
        guard location.size <= maxDirectorySize else {
            throw Failure(.tooLarge("central directory of \(location.size) bytes"))
        }
        guard location.entryCount <= location.size / UInt64(ZIPEntry.centralHeaderLength) else {
            throw Failure(
                .corruptDirectory("\(location.entryCount) entries cannot fit in a directory of \(location.size) bytes"))
        }
        return location
    }

    /// Where the data of `entry` begins: after its local header, whose extra field may differ in length
    /// from the central one. Checks that the local header names the same member and that the data
    /// ends before `directoryOffset`.
    static func dataOffset(
        of entry: ZIPEntry, in file: ReadOnlyFile, directoryOffset: UInt64
    ) throws(Failure) -> UInt64 {
        guard entry.localHeaderOffset <= directoryOffset,
            directoryOffset - entry.localHeaderOffset >= UInt64(ZIPEntry.localHeaderLength)
        else {
            throw Failure(.corruptDirectory("local header offset \(entry.localHeaderOffset) is out of bounds"))
        }
        let header = LittleEndianReader(
            try readFailure(file, count: ZIPEntry.localHeaderLength, at: entry.localHeaderOffset),
            record: "local header")
        guard try header.u32(0) == ZIPEntry.localSignature else {
            throw Failure(.corruptDirectory("no local header at byte \(entry.localHeaderOffset)"))
        }
        let nameLength = Int(try header.u16(26))
        let nameOffset = entry.localHeaderOffset + UInt64(ZIPEntry.localHeaderLength)
        let localName = String(decoding: try readFailure(file, count: nameLength, at: nameOffset), as: UTF8.self)
        guard localName == entry.name else {
            throw Failure(.corruptDirectory("the local header names '\(localName)', the directory '\(entry.name)'"))
        }
        let start = nameOffset + UInt64(nameLength) + UInt64(try header.u16(28))
        guard start <= directoryOffset, entry.compressedSize <= directoryOffset - start else {
            throw Failure(
                .corruptDirectory(
                    "member data (\(entry.compressedSize) bytes at \(start)) runs into the central directory at \(directoryOffset)"
                ))
        }
        return start
    }

    private static func readFailure(_ file: ReadOnlyFile, count: Int, at offset: UInt64) throws(Failure) -> [UInt8] {
        do throws(NPZError) {
            return try file.read(count: count, at: offset)
        } catch {
            throw Failure(error.reason)
        }
    }
}
