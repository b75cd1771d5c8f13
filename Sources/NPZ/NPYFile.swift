/// A standalone NumPy `.npy` file, read as a stream like an archive member.
///
/// Contract: the header is read when the file is opened; the data must be exactly the size the
/// header implies (the file size minus the header), else `.dataSizeMismatch`. Rows are streamed with
/// `rows(rowsPerChunk:)` or `forEachChunk`, small arrays read whole with `read(maxBytes:)`. There is
/// no checksum in the format, so none is checked.
///
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public final class NPYFile: Sendable {
    public let path: String
    public let header: NPYHeader
    private let file: ReadOnlyFile

    public init(path: String) throws(NPZError) {
        let file = try ReadOnlyFile(path: path)
        self.path = path
        self.file = file
        self.header = try NPYHeader.read(from: Self.stream(of: file))
    }

    /// A reader handing over the rows of the array, `rowsPerChunk` at a time (see `NPYRowReader`).
    public func rows(rowsPerChunk: Int) throws(NPZError) -> NPYRowReader {
        try NPYRowReader(stream: Self.stream(of: file), rowsPerChunk: rowsPerChunk)
    }

    /// Calls `body` with whole rows, in order, `rowsPerChunk` at a time (see `NPZArchive.forEachChunk`).
    public func forEachChunk<E: Error>(
        rowsPerChunk: Int, _ body: (_ rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(NPZStreamError<E>) {
        let reader: NPYRowReader
        do throws(NPZError) {
            reader = try rows(rowsPerChunk: rowsPerChunk)
        } catch {
            throw .read(error)
        }
        try reader.forEachChunk(body)
    }

    /// The whole array in C order; refuses arrays of more than `maxBytes` bytes of data.
    public func read(maxBytes: Int = 1 << 28) throws(NPZError) -> NPYArray {
        try NPYArray.read(from: Self.stream(of: file), maxBytes: maxBytes)
    }

    private static func stream(of file: ReadOnlyFile) throws(NPZError) -> MemberStream {
        try MemberStream(
            file: file, member: nil, encoding: .stored, dataOffset: 0, storedSize: file.size,
            declaredSize: file.size, recordedCRC: nil)
    }
}
