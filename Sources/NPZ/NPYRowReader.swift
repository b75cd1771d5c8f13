/// Streams the rows (slices along the first axis) of a C-order array, a chunk of rows at a time.
///
/// Contract: chunks come in order, each holding `rowsPerChunk` whole rows (the last may hold fewer)
/// as raw bytes in C order and in the dtype's byte order, exactly as stored. Memory is one chunk
/// buffer (reused) plus the member stream's fixed buffers, whatever the array's size. An empty array
/// yields no chunk; a scalar yields one chunk of one "row"; rows of zero bytes come as one empty chunk.
/// The end of the member (deflate end, CRC-32) is checked before the last chunk is returned, so
/// corruption anywhere is reported before the caller sees the final rows — earlier chunks may already
/// have been handed over, and a caller writing them somewhere must discard them on error.
///
/// Fortran-order arrays are refused with `.fortranOrder` unless at most one axis is longer than 1
/// (then both orders coincide); read small ones whole with `read(maxBytes:)`, which transposes.
public final class NPYRowReader {
    public let header: NPYHeader
    public let rowsPerChunk: Int
    /// The first row of the next chunk.
    public private(set) var nextRow = 0
    /// Bytes read into the chunk buffer per step.
    static let fillPiece = 4 << 20
    private let stream: MemberStream
    private var finished = false
    /// The first error; the stream's position is unknown after it, so every later call throws it again.
    private var failure: NPZError?

    init(stream: MemberStream, rowsPerChunk: Int) throws(NPZError) {
        precondition(rowsPerChunk > 0, "rowsPerChunk must be positive")
        let header = try NPYHeader.read(from: stream)
        if header.fortranOrder && header.shape.filter({ $0 > 1 }).count > 1 {
            throw NPZError(path: stream.file.path, member: stream.member, .fortranOrder)
        }
        guard !min(rowsPerChunk, header.rowCount).multipliedReportingOverflow(by: header.rowByteCount).overflow else {
            throw NPZError(
                path: stream.file.path, member: stream.member,
                .tooLarge("\(rowsPerChunk) rows of \(header.rowByteCount) bytes"))
        }
        self.header = header
        self.rowsPerChunk = header.rowByteCount == 0 ? max(header.rowCount, 1) : rowsPerChunk
        self.stream = stream
    }

    /// Fills `buffer` (resized, its capacity reused) with the next chunk and returns its rows, or
    /// returns nil after the last chunk. After an error, every call throws that error again.
    public func next(into buffer: inout [UInt8]) throws(NPZError) -> Range<Int>? {
        if let failure { throw failure }
        do throws(NPZError) {
            return try readChunk(into: &buffer)
        } catch {
            failure = error
            throw error
        }
    }

    private func readChunk(into buffer: inout [UInt8]) throws(NPZError) -> Range<Int>? {
        let remaining = header.rowCount - nextRow
        let rows = nextRow..<nextRow + min(rowsPerChunk, remaining)
        if rows.isEmpty {
            try finishOnce()
            return nil
        }
        let count = rows.count * header.rowByteCount
        // The buffer grows as data actually arrives (4 MiB at a time), so a member that declares far
        // more than it holds fails on its missing bytes before memory is spent on them.
        // A buffer already large enough (the previous chunk's) is reused as it is.
        let stream = self.stream
        var filled = 0
        while filled < count {
            let start = filled
            let piece = min(Self.fillPiece, count - start)
            if buffer.count < start + piece { buffer.append(contentsOf: repeatElement(0, count: start + piece - buffer.count)) }
            let result: Result<Void, NPZError> = buffer.withUnsafeMutableBytes { raw in
                do throws(NPZError) {
                    try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + piece]))
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try result.get()
            filled += piece
        }
        if buffer.count > count { buffer.removeLast(buffer.count - count) }
        nextRow = rows.upperBound
        if nextRow == header.rowCount { try finishOnce() }
        return rows
    }

    /// Calls `body` with each chunk's rows and bytes, in order, until the array ends or `body` throws.
    public func forEachChunk<E: Error>(
        _ body: (_ rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(NPZStreamError<E>) {
        var buffer: [UInt8] = []
        while true {
            let rows: Range<Int>?
            do throws(NPZError) {
                rows = try next(into: &buffer)
            } catch {
                throw .read(error)
            }
            guard let rows else { return }
            let result: Result<Void, E> = buffer.withUnsafeBytes { raw in
                do throws(E) {
                    try body(rows, raw)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            if case .failure(let error) = result { throw .body(error) }
        }
    }

    private func finishOnce() throws(NPZError) {
        guard !finished else { return }
        try stream.finish()
        finished = true
    }
}
