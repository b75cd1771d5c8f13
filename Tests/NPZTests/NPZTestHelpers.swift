import NPZ
import TestSupport
import Testing

/// Writes `bytes` to a fresh file in `directory` and returns its path.
func write(_ bytes: [UInt8], _ name: String, in directory: TemporaryDirectory) throws -> String {
    let path = directory.file(name)
    try writeFile(bytes, to: path)
    return path
}

/// The reason `body` failed with, or nil when it succeeded.
func reason(_ body: () throws(NPZError) -> Void) -> NPZError.Reason? {
    do {
        try body()
        return nil
    } catch {
        return error.reason
    }
}

/// Every member of `archive` read whole and streamed, in directory order; throws the first failure.
func readEverything(_ archive: NPZArchive) throws(NPZError) -> [(name: String, bytes: [UInt8])] {
    var result: [(name: String, bytes: [UInt8])] = []
    for name in archive.arrayNames {
        let header = try archive.header(of: name)
        let whole = try archive.readAll(of: name)
        if !header.fortranOrder {
            var streamed: [UInt8] = []
            do {
                try archive.forEachChunk(of: name, rowsPerChunk: 3) {
                    (_, bytes: UnsafeRawBufferPointer) throws(Never) in
                    streamed += bytes
                }
            } catch {
                guard case .read(let failure) = error else { fatalError("unreachable") }
                throw failure
            }
            #expect(streamed == whole, "streamed and whole reads of \(name) differ")
        }
        result.append((name, whole))
    }
    return result
}

/// Deterministic bytes that compress (runs and repeats) and exercise every byte value.
func sampleBytes(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix(seed: seed)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count {
        let value = generator.next()
        switch value % 3 {
        case 0: bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        case 1: bytes += repeatElement(UInt8(truncatingIfNeeded: value >> 16), count: Int(value >> 24 % 9))
        default:
            let back = Int(value >> 32 % 300) + 1
            if back <= bytes.count { bytes += bytes[(bytes.count - back)...].prefix(Int(value >> 48 % 40)) }
        }
    }
    return Array(bytes.prefix(count))
}

/// The element at `index` of C-order `bytes` of `dtype`, as a Double.
func element(_ index: Int, of bytes: [UInt8], _ dtype: NPYDType) -> Double {
    let size = dtype.size
    var slice = Array(bytes[index * size..<(index + 1) * size])
    if dtype.byteOrder == .big { slice.reverse() }
    let bits = slice.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    switch dtype.kind {
    case .bool, .uint8, .uint16, .uint32, .uint64: return Double(bits)
    case .int8: return Double(Int8(truncatingIfNeeded: bits))
    case .int16: return Double(Int16(truncatingIfNeeded: bits))
    case .int32: return Double(Int32(truncatingIfNeeded: bits))
    case .int64: return Double(Int64(bitPattern: bits))
    case .float16: return Double(Float16(bitPattern: UInt16(bits)))
    case .float32: return Double(Float(bitPattern: UInt32(bits)))
    case .float64: return Double(bitPattern: bits)
    }
}
