/// A small DEFLATE encoder (RFC 1951) written for the tests, independent of zlib, so that the NPZ
/// module's zlib-based inflate is checked against an encoder that does not share its code.
///
/// Styles: one fixed-Huffman block (BTYPE 01) with greedy LZ77 back-references found through a table
/// of the last position of each 3-byte string (distances ≤ 32768, lengths 3…258, overlapping copies
/// allowed); stored blocks (BTYPE 00); or blocks alternating between the two, with back-references
/// reaching into earlier blocks. Not tuned for ratio or speed.
public enum DeflateEncoder {
    public enum Style: Sendable {
        case fixedHuffman
        case storedBlocks
        case mixed
    }

    public static func encode(_ data: [UInt8], style: Style) -> [UInt8] {
        var writer = BitWriter()
        var table: [Int: Int] = [:]
        let blockSize: Int
        switch style {
        case .fixedHuffman: blockSize = max(data.count, 1)
        case .storedBlocks: blockSize = 65535
        case .mixed: blockSize = 1000
        }
        var start = 0
        var block = 0
        repeat {
            let end = min(start + blockSize, data.count)
            let final = end == data.count
            let stored = style == .storedBlocks || (style == .mixed && block % 2 == 1)
            if stored {
                writer.write(final ? 1 : 0, bits: 1)
                writer.write(0, bits: 2)
                writer.alignToByte()
                let length = end - start
                writer.appendBytes([
                    UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF),
                ])
                writer.appendBytes(Array(data[start..<end]))
                for position in start..<end { remember(data, position, in: &table) }
            } else {
                writer.write(final ? 1 : 0, bits: 1)
                writer.write(1, bits: 2)
                fixedHuffmanBlock(data, start..<end, &writer, &table)
                writeSymbol(256, &writer)
            }
            start = end
            block += 1
        } while start < data.count
        writer.alignToByte()
        return writer.bytes
    }

    private static func key(_ data: [UInt8], _ position: Int) -> Int? {
        guard position + 3 <= data.count else { return nil }
        return Int(data[position]) << 16 | Int(data[position + 1]) << 8 | Int(data[position + 2])
    }

    private static func remember(_ data: [UInt8], _ position: Int, in table: inout [Int: Int]) {
        if let key = key(data, position) { table[key] = position }
    }

    private static func fixedHuffmanBlock(
        _ data: [UInt8], _ range: Range<Int>, _ writer: inout BitWriter, _ table: inout [Int: Int]
    ) {
        var position = range.lowerBound
        while position < range.upperBound {
            var length = 0
            var distance = 0
            if let key = key(data, position), let candidate = table[key], position - candidate <= 32768 {
                while length < 258, position + length < range.upperBound,
                    data[candidate + length] == data[position + length]
                {
                    length += 1
                }
                distance = position - candidate
            }
            if length >= 3 {
                writeLength(length, &writer)
                writeDistance(distance, &writer)
                for p in position..<position + length { remember(data, p, in: &table) }
                position += length
            } else {
                writeSymbol(Int(data[position]), &writer)
                remember(data, position, in: &table)
                position += 1
            }
        }
    }

    /// The fixed literal/length code (RFC 1951 §3.2.6), written most significant bit first.
    private static func writeSymbol(_ symbol: Int, _ writer: inout BitWriter) {
        switch symbol {
        case 0...143: writer.writeHuffman(0x30 + symbol, bits: 8)
        case 144...255: writer.writeHuffman(0x190 + symbol - 144, bits: 9)
        case 256...279: writer.writeHuffman(symbol - 256, bits: 7)
        default: writer.writeHuffman(0xC0 + symbol - 280, bits: 8)
        }
    }

    /// Base lengths of symbols 257…284 and their extra bits (§3.2.5): 8 symbols without extra bits,
    /// then groups of 4 with 1…5 extra bits. Symbol 285 is length 258.
    private static let lengthCodes: [(base: Int, extra: Int)] = {
        var codes: [(Int, Int)] = []
        var base = 3
        for index in 0..<28 {
            let extra = index < 8 ? 0 : (index - 4) / 4
            codes.append((base, extra))
            base += 1 << extra
        }
        return codes
    }()

    /// Base distances of codes 0…29 and their extra bits: 4 codes without, then pairs with 1…13.
    private static let distanceCodes: [(base: Int, extra: Int)] = {
        var codes: [(Int, Int)] = []
        var base = 1
        for index in 0..<30 {
            let extra = index < 4 ? 0 : (index - 2) / 2
            codes.append((base, extra))
            base += 1 << extra
        }
        return codes
    }()

    private static func writeLength(_ length: Int, _ writer: inout BitWriter) {
        if length == 258 {
            writeSymbol(285, &writer)
            return
        }
        let index = lengthCodes.lastIndex { $0.base <= length }!
        writeSymbol(257 + index, &writer)
        writer.write(length - lengthCodes[index].base, bits: lengthCodes[index].extra)
    }

    private static func writeDistance(_ distance: Int, _ writer: inout BitWriter) {
        let index = distanceCodes.lastIndex { $0.base <= distance }!
        writer.writeHuffman(index, bits: 5)
        writer.write(distance - distanceCodes[index].base, bits: distanceCodes[index].extra)
    }
}

/// Packs bits least significant first into bytes, as DEFLATE requires.
private struct BitWriter {
    var bytes: [UInt8] = []
    private var accumulator = 0
    private var count = 0

    mutating func write(_ value: Int, bits: Int) {
        for bit in 0..<bits {
            accumulator |= ((value >> bit) & 1) << count
            count += 1
            if count == 8 { flushByte() }
        }
    }

    /// A Huffman code, whose bits go most significant first.
    mutating func writeHuffman(_ code: Int, bits: Int) {
        for bit in stride(from: bits - 1, through: 0, by: -1) { write((code >> bit) & 1, bits: 1) }
    }

    mutating func alignToByte() {
        if count > 0 { flushByte() }
    }

    mutating func appendBytes(_ more: [UInt8]) {
        precondition(count == 0, "bytes can only be appended at a byte boundary")
        bytes += more
    }

    private mutating func flushByte() {
        bytes.append(UInt8(accumulator))
        accumulator = 0
        count = 0
    }
}
