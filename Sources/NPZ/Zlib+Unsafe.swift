private import CZlib

/// zlib's CRC-32 (`crc32`), updated chunk by chunk.
///
/// The polynomial and bit order are those of ZIP (ISO 3309 / PKWARE APPNOTE §4.4.7).
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = uLong(value)
        var rest = bytes
        while let base = rest.baseAddress, !rest.isEmpty {
            // zlib takes a 32-bit length.
            let count = min(rest.count, 1 << 30)
            crc = crc32(crc, base.assumingMemoryBound(to: Bytef.self), uInt(count))
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
        }
        value = UInt32(truncatingIfNeeded: crc)
    }
}

/// A raw DEFLATE decoder (RFC 1951, no zlib or gzip wrapper): zlib's `inflateInit2` with window bits
/// −15, `inflate`, and `inflateEnd` when the value is released.
///
/// Contract: `inflate` never writes past `output` and reports how much input it consumed and how much
/// output it produced, so a caller can bound the total output by a declared size.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(Failure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // `inflateInit2` is a macro; its function takes the version and struct size for a layout check.
        let status = inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw Failure(.corruptDeflate("inflateInit2 failed with code \(status)"))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates from `input` into `output` (`inflate` with `Z_NO_FLUSH`).
    /// Returns the bytes consumed and produced and whether the final block has ended.
    func inflate(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(Failure) -> (consumed: Int, produced: Int, ended: Bool) {
        let inputCount = min(input.count, Int(UInt32.max))
        let outputCount = min(output.count, Int(UInt32.max))
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(inputCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outputCount)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = inputCount - Int(stream.pointee.avail_in)
        let produced = outputCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch status {
        case Z_OK, Z_BUF_ERROR: return (consumed, produced, false)
        case Z_STREAM_END: return (consumed, produced, true)
        case Z_MEM_ERROR: throw Failure(.corruptDeflate("zlib is out of memory"))
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib code \(status)"
            throw Failure(.corruptDeflate(message))
        }
    }
}
