/// A DICOM lookup table: input values from `firstMapped` map to `entries` in order; inputs below the
/// first mapped value take the first entry and inputs past the end take the last (PS3.3 C.11.1.1,
/// C.7.6.3.1.5), as pydicom's `apply_modality_lut` and `apply_color_lut` do.
public struct LookupTable: Sendable, Equatable {
    public var firstMapped: Int
    public var entries: [Float]

    public init(firstMapped: Int, entries: [Float]) {
        precondition(!entries.isEmpty, "a lookup table needs at least one entry")
        self.firstMapped = firstMapped
        self.entries = entries
    }

    @inline(__always)
    public subscript(value: Int) -> Float {
        let index = min(max(value - firstMapped, 0), entries.count - 1)
        return entries[index]
    }

    /// Reads a LUT from its descriptor (entries, first mapped value, bits per entry) and its data words.
    ///
    /// The entry count 0 means 65536. The first mapped value is signed when `signedFirstMapped` (pixel
    /// representation 1). As in pydicom, the entry width follows the data: one entry per 16-bit word
    /// when there are as many words as entries (values kept as stored), two 8-bit entries per word, low
    /// byte first, when an 8-bit table has half as many words.
    static func fromDescriptor(
        _ descriptor: [UInt16], data: [UInt16], signedFirstMapped: Bool
    ) -> Result<LookupTable, DescriptorProblem> {
        guard descriptor.count >= 3 else { return .failure(.descriptorShort) }
        let count = descriptor[0] == 0 ? 65_536 : Int(descriptor[0])
        let first = signedFirstMapped ? Int(Int16(bitPattern: descriptor[1])) : Int(descriptor[1])
        let bits = Int(descriptor[2])
        var values: [Float] = []
        values.reserveCapacity(count)
        if data.count >= count {
            for word in data.prefix(count) { values.append(Float(word)) }
        } else if bits == 8, data.count * 2 >= count {
            for i in 0..<count {
                let word = data[i / 2]
                let byte = i % 2 == 0 ? word & 0xFF : word >> 8
                values.append(Float(byte))
            }
        } else {
            return .failure(.dataShort(expected: count, found: data.count))
        }
        return .success(LookupTable(firstMapped: first, entries: values))
    }

    enum DescriptorProblem: Error, CustomStringConvertible {
        case descriptorShort
        case dataShort(expected: Int, found: Int)
        case segmented(String)

        var description: String {
            switch self {
            case .descriptorShort: return "LUT descriptor has fewer than 3 values"
            case .dataShort(let expected, let found): return "LUT data has \(found) entries, descriptor says \(expected)"
            case .segmented(let message): return "segmented LUT: \(message)"
            }
        }
    }
}

/// Expands segmented palette colour LUT data (PS3.3 C.7.9.2) into plain entries.
///
/// `words` is the attribute's OW data; with 8-bit entries (`entryBits` 8) every word holds two entries,
/// low byte first. Segments: discrete (opcode 0: n values), linear (opcode 1: n values ramping from the
/// previous value to y₁, rounded half to even as NumPy's `around`), indirect (opcode 2: replay n
/// segments starting at a *byte* offset from the start of the data, stored least significant part
/// first, as the standard and GDCM read it; pydicom 3.0 reads it as an entry index instead).
func expandSegmentedLUT(_ words: [UInt16], entryBits: Int = 16) throws(LookupTable.DescriptorProblem) -> [UInt16] {
    let entries: [UInt16] = entryBits == 8 ? words.flatMap { [$0 & 0xFF, $0 >> 8] } : words
    var output: [UInt16] = []
    try expandSegments(entries, entryBytes: entryBits == 8 ? 1 : 2, from: 0, segmentLimit: nil, previous: nil, depth: 0, into: &output)
    return output
}

private func expandSegments(
    _ data: [UInt16], entryBytes: Int, from start: Int, segmentLimit: Int?, previous: UInt16?, depth: Int,
    into lut: inout [UInt16]
) throws(LookupTable.DescriptorProblem) {
    guard depth < 8 else { throw .segmented("indirect segments nested too deeply") }
    var offset = start
    var segments = 0
    let maxEntries = 1 << 20
    while offset + 1 < data.count {
        let opcode = data[offset]
        let length = Int(data[offset + 1])
        offset += 2
        switch opcode {
        case 0:
            guard offset + length <= data.count else { throw .segmented("discrete segment runs past the data") }
            lut.append(contentsOf: data[offset..<offset + length])
            offset += length
        case 1:
            guard offset < data.count else { throw .segmented("linear segment runs past the data") }
            guard let y0 = lut.last ?? previous else { throw .segmented("the first segment cannot be linear") }
            let y1 = data[offset]
            offset += 1
            if y0 == y1 || length <= 1 {
                lut.append(contentsOf: repeatElement(y1, count: length))
            } else {
                let a = Double(y0), b = Double(y1), n = Double(length)
                let from = a + (b - a) / n
                let step = (b - from) / (n - 1)
                for j in 0..<length {
                    let value = j == length - 1 ? b : from + Double(j) * step
                    lut.append(UInt16(clamping: Int(value.rounded(.toNearestOrEven))))
                }
            }
        case 2:
            // The 32-bit byte offset takes 32 bits of entries: two 16-bit entries or four 8-bit ones.
            let parts = 4 / entryBytes
            guard offset + parts <= data.count else { throw .segmented("indirect segment runs past the data") }
            guard !lut.isEmpty else { throw .segmented("the first segment cannot be indirect") }
            var byteOffset = 0
            for k in 0..<parts { byteOffset |= Int(data[offset + k]) << (k * 8 * entryBytes) }
            offset += parts
            guard byteOffset % entryBytes == 0, byteOffset / entryBytes < data.count else {
                throw .segmented("indirect segment points outside the data")
            }
            try expandSegments(
                data, entryBytes: entryBytes, from: byteOffset / entryBytes, segmentLimit: length, previous: lut.last,
                depth: depth + 1, into: &lut)
        default:
            throw .segmented("unknown segment opcode \(opcode)")
        }
        guard lut.count <= maxEntries else { throw .segmented("expands to more than \(maxEntries) entries") }
        segments += 1
        if let segmentLimit, segments == segmentLimit { return }
    }
}
