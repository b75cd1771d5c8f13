/// A NumPy `.npz` archive: a ZIP file whose members are `.npy` arrays, read as streams.
///
/// Contract: opening reads only the end records and the central directory (bounded to 64 MiB);
/// member data is read on demand, in chunks, with `pread`, so memory does not grow with the arrays
/// (MedMNIST's 224-pixel archives hold several GB). Stored (method 0) and deflated (method 8)
/// members are read; ZIP64 sizes and offsets are honoured; encrypted members, other methods and
/// multi-disk archives are refused. Every member read to its end has its CRC-32 checked, and a
/// deflated member must inflate to exactly its declared size (reading stops there: no zip bomb
/// inflates past what the directory declares). Members are found by name with or without `.npy`.
/// The archive can be shared across threads; each reader it returns belongs to one.
///
/// Formats: PKWARE APPNOTE.TXT 6.3.10; `numpy.savez` / `numpy.savez_compressed`
/// (https://numpy.org/doc/stable/reference/generated/numpy.savez.html); the `.npy` format in `NPYHeader`.
public final class NPZArchive: Sendable {
    public let path: String
    private let file: ReadOnlyFile
    private let entries: [ZIPEntry]
    private let directoryOffset: UInt64

    /// Opens `path` and reads its directory. Throws for a file that is not a readable ZIP archive or
    /// whose directory holds two members of the same name.
    public init(path: String) throws(NPZError) {
        let file = try ReadOnlyFile(path: path)
        let (entries, directoryOffset) = try ZIPCentralDirectory.entries(of: file)
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.name).inserted {
            throw NPZError(path: path, member: entry.name, .duplicateMember)
        }
        self.path = path
        self.file = file
        self.entries = entries
        self.directoryOffset = directoryOffset
    }

    /// Member names as stored, in directory order (`train_images.npy`, …).
    public var memberNames: [String] { entries.map(\.name) }

    /// Array names: member names without their `.npy` suffix (`train_images`, …), as `numpy.load` shows them.
    public var arrayNames: [String] {
        entries.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
    }

    /// The header of array `name` (read from the start of the member; its CRC is not checked).
    public func header(of name: String) throws(NPZError) -> NPYHeader {
        try NPYHeader.read(from: stream(of: name))
    }

    /// A reader handing over the rows of array `name`, `rowsPerChunk` at a time (see `NPYRowReader`).
    public func rows(of name: String, rowsPerChunk: Int) throws(NPZError) -> NPYRowReader {
        try NPYRowReader(stream: stream(of: name), rowsPerChunk: rowsPerChunk)
    }

    /// Calls `body` with whole rows of array `name`, in order, `rowsPerChunk` at a time, C order.
    /// The bytes are valid only during the call. Errors of reading come as `.read`, the closure's as `.body`.
    public func forEachChunk<E: Error>(
        of name: String, rowsPerChunk: Int,
        _ body: (_ rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(NPZStreamError<E>) {
        let reader: NPYRowReader
        do throws(NPZError) {
            reader = try rows(of: name, rowsPerChunk: rowsPerChunk)
        } catch {
            throw .read(error)
        }
        try reader.forEachChunk(body)
    }

    /// Array `name` whole, in C order; refuses arrays of more than `maxBytes` bytes of data.
    public func read(_ name: String, maxBytes: Int = 1 << 28) throws(NPZError) -> NPYArray {
        try NPYArray.read(from: stream(of: name), maxBytes: maxBytes)
    }

    /// The bytes of array `name` in C order (see `read(_:maxBytes:)`), for small arrays such as labels.
    public func readAll(of name: String, maxBytes: Int = 1 << 28) throws(NPZError) -> [UInt8] {
        try read(name, maxBytes: maxBytes).bytes
    }

    /// A fresh stream over member `name` (or `name.npy`), after checking method, flags and bounds.
    private func stream(of name: String) throws(NPZError) -> MemberStream {
        guard
            let entry = entries.first(where: { $0.name == name }) ?? entries.first(where: { $0.name == name + ".npy" })
        else {
            throw NPZError(path: path, member: name, .noSuchMember)
        }
        func failure(_ reason: NPZError.Reason) -> NPZError { NPZError(path: path, member: entry.name, reason) }
        guard !entry.isEncrypted else { throw failure(.encrypted) }
        let encoding: MemberStream.Encoding
        switch entry.method {
        case 0: encoding = .stored
        case 8: encoding = .deflated
        default: throw failure(.unsupportedCompression(method: Int(entry.method)))
        }
        let dataOffset: UInt64
        do throws(Failure) {
            dataOffset = try ZIPCentralDirectory.dataOffset(of: entry, in: file, directoryOffset: directoryOffset)
        } catch {
            throw failure(error.reason)
        }
        return try MemberStream(
            file: file, member: entry.name, encoding: encoding, dataOffset: dataOffset,
            storedSize: entry.compressedSize, declaredSize: entry.uncompressedSize, recordedCRC: entry.crc32)
    }
}
