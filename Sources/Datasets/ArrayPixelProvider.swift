import NPZ

/// Pixels from the uint8 image arrays of a NumPy archive (MedMNIST): (N, H, W) gray or (N, H, W, 3)
/// RGB, values /255. Rows are streamed in manifest order: `prepare` reads the chunk's rows (inflating
/// deflated members piece by piece) into one buffer, which the workers then preprocess in parallel.
struct ArrayPixelProvider: PixelProvider {
    private let state: State
    private let samples: [SourceSample]
    private let preprocessor: Preprocessor

    init(archive: String, samples: [SourceSample], preprocessor: Preprocessor) throws(DatasetError) {
        let opened: NPZArchive
        do { opened = try NPZArchive(path: archive) } catch { throw DatasetError(path: archive, .invalidArray(error.description)) }
        state = State(archive: opened)
        self.samples = samples
        self.preprocessor = preprocessor
    }

    func prepare(_ chunk: Range<Int>) throws(DatasetError) {
        try state.load(chunk, samples: samples)
    }

    func rows(for index: Int, scratch: PreprocessScratch) -> Result<DecodedRows, IngestFailure> {
        guard let (bytes, header) = state.row(index) else {
            return .failure(IngestFailure(path: "#\(index)", reason: "row not loaded"))
        }
        let rows = header.shape[1]
        let columns = header.shape[2]
        let samplesPerPixel = header.shape.count == 4 ? header.shape[3] : 1
        let count = rows * columns * samplesPerPixel
        PreprocessScratch.grow(&scratch.frame, to: count)
        PreprocessScratch.grow(&scratch.values, to: preprocessor.valueCount)
        var stored: [UInt8] = []
        stored.reserveCapacity(preprocessor.valueCount * preprocessor.settings.storage.byteCount)
        scratch.frame.withUnsafeMutableBufferPointer { frame in
            let base = bytes.startIndex
            for i in 0..<count { frame[i] = Float(bytes[base + i]) }
            scratch.values.withUnsafeMutableBufferPointer { values in
                let out = UnsafeMutableBufferPointer(rebasing: values[0..<preprocessor.valueCount])
                preprocessor.process(
                    UnsafeMutableBufferPointer(rebasing: frame[0..<count]), rows: rows, columns: columns,
                    samples: samplesPerPixel, intensity: .fullScale(255), scratch: scratch, into: out)
                encodeStored(UnsafeBufferPointer(out), storage: preprocessor.settings.storage, into: &stored)
            }
        }
        return .success(DecodedRows(bytes: stored, rows: 1, frames: [0], contentHash: bytes.withUnsafeBytes { ContentHash.hex($0) }))
    }

    /// The streaming cursor and the current chunk's rows; touched by `prepare` alone, read by workers after it.
    private final class State: @unchecked Sendable {
        let archive: NPZArchive
        var member: String?
        var reader: NPYRowReader?
        var buffer: [UInt8] = []
        var buffered: Range<Int> = 0..<0
        var chunkRows: [Int: (start: Int, header: NPYHeader)] = [:]
        var chunkBytes: [UInt8] = []

        init(archive: NPZArchive) { self.archive = archive }

        func load(_ chunk: Range<Int>, samples: [SourceSample]) throws(DatasetError) {
            chunkRows.removeAll(keepingCapacity: true)
            chunkBytes.removeAll(keepingCapacity: true)
            for index in chunk {
                guard case .arrayRow(let name, let row) = samples[index].origin else {
                    throw DatasetError(path: archive.path, .layout("an array layout produced a file sample"))
                }
                let (bytes, header) = try fetch(name, row: row)
                chunkRows[index] = (chunkBytes.count, header)
                chunkBytes += bytes
            }
        }

        func row(_ index: Int) -> (ArraySlice<UInt8>, NPYHeader)? {
            guard let entry = chunkRows[index] else { return nil }
            return (chunkBytes[entry.start..<entry.start + entry.header.rowByteCount], entry.header)
        }

        /// Row `row` of member `name`, reading forward (reopening the member to go back).
        private func fetch(_ name: String, row: Int) throws(DatasetError) -> (ArraySlice<UInt8>, NPYHeader) {
            do throws(NPZError) {
                if member != name || row < buffered.lowerBound || reader == nil {
                    reader = try archive.rows(of: name, rowsPerChunk: 256)
                    member = name
                    buffered = 0..<0
                }
                let reader = reader!
                while !buffered.contains(row) {
                    guard let next = try reader.next(into: &buffer) else {
                        throw NPZError(path: archive.path, member: name, .truncated("row \(row) beyond the array"))
                    }
                    buffered = next
                }
                let size = reader.header.rowByteCount
                let start = (row - buffered.lowerBound) * size
                return (buffer[start..<start + size], reader.header)
            } catch {
                throw DatasetError(path: archive.path, .invalidArray(error.description))
            }
        }
    }
}
