/// The bytes of one archive member (or of a whole `.npy` file), handed out in order, in chunks.
///
/// Contract: memory is bounded by one 64 KiB input buffer and zlib's 32 KiB window, whatever the
/// member's size. A stream never produces more than `declaredSize` bytes: a deflated member that
/// inflates to more or fewer bytes fails with `.inflatedTooLong` or `.inflatedTooShort`, and the
/// compressed input is never read outside the member's stated extent. `finish()` checks that the
/// deflate stream ends exactly there and that the CRC-32 matches the recorded one.
final class MemberStream {
    enum Encoding {
        case stored
        case deflated
    }

    let file: ReadOnlyFile
    let member: String?
    /// The uncompressed size the directory declares (the file size for a `.npy` file).
    let declaredSize: UInt64
    /// Bytes handed out so far.
    private(set) var produced: UInt64 = 0

    private let dataOffset: UInt64
    private let storedSize: UInt64
    private let recordedCRC: UInt32?
    private var crc = CRC32()
    private let inflater: Inflater?
    private var consumed: UInt64 = 0
    /// Compressed bytes read ahead; `input[inputStart..<inputEnd]` is not yet inflated.
    private var input: [UInt8] = []
    private var inputStart = 0
    private var inputEnd = 0
    private var ended = false

    static let inputChunk = 1 << 16
    /// The most bytes deflate can produce from one compressed byte (zlib's FAQ: "the limit is 1032:1").
    static let maxDeflateRatio: UInt64 = 1032

    /// A stream over `storedSize` bytes at `dataOffset` of `file`, which hold `declaredSize` bytes
    /// once decoded; `recordedCRC` is checked by `finish()` when given.
    init(
        file: ReadOnlyFile, member: String?, encoding: Encoding, dataOffset: UInt64, storedSize: UInt64,
        declaredSize: UInt64, recordedCRC: UInt32?
    ) throws(NPZError) {
        self.file = file
        self.member = member
        self.dataOffset = dataOffset
        self.storedSize = storedSize
        self.declaredSize = declaredSize
        self.recordedCRC = recordedCRC
        switch encoding {
        case .stored:
            guard storedSize == declaredSize else {
                throw NPZError(
                    path: file.path, member: member,
                    .corruptDirectory("stored member of \(storedSize) bytes declares \(declaredSize) uncompressed"))
            }
            inflater = nil
        case .deflated:
            // Deflate turns one compressed byte into at most 1032 (a 258-byte match coded in 2 bits), so a
            // larger declared size is a lie. Refused here, before a row reader allocates chunks of the size
            // it implies: a 200-byte archive could otherwise claim a terabyte row.
            guard declaredSize / Self.maxDeflateRatio <= storedSize else {
                throw NPZError(
                    path: file.path, member: member,
                    .corruptDirectory("deflated member of \(storedSize) bytes cannot inflate to \(declaredSize)"))
            }
            do throws(Failure) {
                inflater = try Inflater()
            } catch {
                throw NPZError(path: file.path, member: member, error.reason)
            }
        }
    }

    private func error(_ reason: NPZError.Reason) -> NPZError {
        NPZError(path: file.path, member: member, reason)
    }

    /// Fills `buffer` with the next bytes; throws when fewer than `buffer.count` remain.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(NPZError) {
        guard UInt64(buffer.count) <= declaredSize - produced else {
            throw error(.truncated("\(buffer.count) more bytes asked of a member with \(declaredSize - produced) left"))
        }
        if let inflater {
            var filled = 0
            while filled < buffer.count {
                let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
                let produced = try inflate(inflater, into: rest)
                guard produced > 0 || !ended else {
                    throw error(.inflatedTooShort(declared: declaredSize, inflated: self.produced + UInt64(filled)))
                }
                filled += produced
            }
        } else {
            try file.read(into: buffer, at: dataOffset + produced, member: member)
        }
        crc.update(UnsafeRawBufferPointer(buffer))
        produced += UInt64(buffer.count)
    }

    /// The next `count` bytes.
    func read(count: Int) throws(NPZError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result: Result<Void, NPZError> = bytes.withUnsafeMutableBytes { buffer in
            do throws(NPZError) {
                try read(into: buffer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return bytes
    }

    /// One call of zlib with the buffered input (refilled from the file when empty); returns the bytes
    /// produced, 0 once the stream has ended. Throws when the input is exhausted before the end.
    private func inflate(_ inflater: Inflater, into output: UnsafeMutableRawBufferPointer) throws(NPZError) -> Int {
        if ended { return 0 }
        if inputStart == inputEnd && consumed < storedSize {
            let count = Int(min(UInt64(Self.inputChunk), storedSize - consumed))
            if input.count < count { input = [UInt8](repeating: 0, count: Self.inputChunk) }
            let (file, offset, member) = (self.file, dataOffset + consumed, self.member)
            let filled: Result<Void, NPZError> = input.withUnsafeMutableBytes { raw in
                do throws(NPZError) {
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: offset, member: member)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try filled.get()
            inputStart = 0
            inputEnd = count
            consumed += UInt64(count)
        }
        let (start, end) = (inputStart, inputEnd)
        let result: Result<(consumed: Int, produced: Int, ended: Bool), Failure> = input.withUnsafeBytes { raw in
            do throws(Failure) {
                return .success(try inflater.inflate(UnsafeRawBufferPointer(rebasing: raw[start..<end]), into: output))
            } catch {
                return .failure(error)
            }
        }
        let step: (consumed: Int, produced: Int, ended: Bool)
        switch result {
        case .success(let value): step = value
        case .failure(let failure): throw error(failure.reason)
        }
        inputStart += step.consumed
        ended = step.ended
        if step.consumed == 0 && step.produced == 0 && !ended && inputStart == inputEnd && consumed == storedSize {
            throw error(.truncated("the deflate stream needs more than the member's \(storedSize) compressed bytes"))
        }
        return step.produced
    }

    /// Checks, after all `declaredSize` bytes were read, that a deflate stream ends there and that
    /// the CRC-32 matches.
    func finish() throws(NPZError) {
        precondition(produced == declaredSize, "finish() before the whole member was read")
        if let inflater {
            let probe = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
            defer { probe.deallocate() }
            while !ended {
                if try inflate(inflater, into: probe) > 0 { throw error(.inflatedTooLong(declared: declaredSize)) }
            }
        }
        if let recordedCRC, recordedCRC != crc.value {
            throw error(.checksumMismatch(recorded: recordedCRC, computed: crc.value))
        }
    }
}
