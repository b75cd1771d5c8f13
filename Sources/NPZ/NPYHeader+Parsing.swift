/// Parsing of the `.npy` preamble and header dictionary.
///
/// Layout (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
/// the magic `\x93NUMPY`, a major and a minor version byte, the header length (little-endian `u16`
/// for version 1.0, `u32` for 2.0 and 3.0), then the header: a Python dictionary literal with exactly
/// the keys `'descr'`, `'fortran_order'` and `'shape'`, padded with spaces and ending in a newline.
/// The parser accepts any key order, single or double quotes, trailing commas, spaces and newlines,
/// 1-tuples `(5,)`, the empty shape `()` and Python 2's `5L` integers; it refuses everything else.
extension NPYHeader {
    /// Magic (6 bytes) and version (2 bytes): the bytes needed to know the length field's size.
    static let versionPrefixLength = 8

    /// Headers longer than this are refused (NumPy itself refuses more than 10000 bytes by default).
    static let maxHeaderLength = 1 << 20

    /// The format version and the size of the header-length field that follows the first 8 bytes.
    static func parseVersion(_ prefix: [UInt8]) throws(Failure) -> (version: Int, lengthFieldSize: Int) {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard prefix.count >= versionPrefixLength, Array(prefix[0..<6]) == magic else { throw Failure(.notNPY) }
        let major = Int(prefix[6])
        let minor = Int(prefix[7])
        guard minor == 0, (1...3).contains(major) else {
            throw Failure(.unsupportedVersion(major: major, minor: minor))
        }
        return (major, major == 1 ? 2 : 4)
    }

    /// The header length from its little-endian field (2 or 4 bytes).
    static func parseHeaderLength(_ field: [UInt8]) throws(Failure) -> Int {
        let length = field.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length <= maxHeaderLength else {
            throw Failure(.tooLarge("header length \(length) exceeds \(maxHeaderLength) bytes"))
        }
        return length
    }

    /// Parses the header dictionary `text`; `dataOffset` is where the array data begins.
    static func parse(dictionary text: [UInt8], version: Int, dataOffset: Int) throws(Failure) -> NPYHeader {
        var scanner = HeaderScanner(text)
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        try scanner.expect("{")
        while !scanner.consume("}") {
            let key = try scanner.string()
            try scanner.expect(":")
            switch key {
            case "descr" where descr == nil:
                if scanner.peek("[") { throw Failure(.structuredDType) }
                descr = try scanner.string()
            case "fortran_order" where fortranOrder == nil:
                fortranOrder = try scanner.boolean()
            case "shape" where shape == nil:
                shape = try scanner.tuple()
            case "descr", "fortran_order", "shape":
                throw Failure(.invalidHeader("key '\(key)' appears twice"))
            default:
                throw Failure(.invalidHeader("unexpected key '\(key)'"))
            }
            if !scanner.consume(",") {
                try scanner.expect("}")
                break
            }
        }
        guard scanner.atEnd else { throw Failure(.invalidHeader("text after the dictionary")) }
        guard let descr else { throw Failure(.invalidHeader("no 'descr' key")) }
        guard let fortranOrder else { throw Failure(.invalidHeader("no 'fortran_order' key")) }
        guard let shape else { throw Failure(.invalidHeader("no 'shape' key")) }
        guard let dtype = NPYDType(descr: descr) else {
            if descr.dropFirst().hasPrefix("O") || descr == "O" { throw Failure(.objectDType) }
            throw Failure(.unsupportedDType(descr))
        }
        guard
            let header = NPYHeader(
                dtype: dtype, shape: shape, fortranOrder: fortranOrder, version: version, dataOffset: dataOffset)
        else {
            throw Failure(.tooLarge("shape \(shape) of \(descr) overflows the byte count"))
        }
        return header
    }
}

/// A cursor over the header text that skips Python whitespace between tokens.
private struct HeaderScanner {
    private let text: [UInt8]
    private var position = 0

    init(_ text: [UInt8]) { self.text = text }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return position == text.count
        }
    }

    private mutating func skipSpace() {
        while position < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[position]) { position += 1 }
    }

    mutating func peek(_ token: Unicode.Scalar) -> Bool {
        skipSpace()
        return position < text.count && text[position] == UInt8(ascii: token)
    }

    mutating func consume(_ token: Unicode.Scalar) -> Bool {
        guard peek(token) else { return false }
        position += 1
        return true
    }

    mutating func expect(_ token: Unicode.Scalar) throws(Failure) {
        guard consume(token) else { throw Failure(.invalidHeader("expected '\(token)' at byte \(position)")) }
    }

    /// A quoted string without escapes.
    mutating func string() throws(Failure) -> String {
        skipSpace()
        guard position < text.count, text[position] == UInt8(ascii: "'") || text[position] == UInt8(ascii: "\"") else {
            throw Failure(.invalidHeader("expected a quoted string at byte \(position)"))
        }
        let quote = text[position]
        let start = position + 1
        guard let end = text[start...].firstIndex(of: quote) else {
            throw Failure(.invalidHeader("unterminated string at byte \(position)"))
        }
        guard !text[start..<end].contains(UInt8(ascii: "\\")) else {
            throw Failure(.invalidHeader("escapes in strings are not supported"))
        }
        position = end + 1
        return String(decoding: text[start..<end], as: UTF8.self)
    }

    mutating func boolean() throws(Failure) -> Bool {
        if word("True") { return true }
        if word("False") { return false }
        throw Failure(.invalidHeader("'fortran_order' must be True or False"))
    }

    private mutating func word(_ word: String) -> Bool {
        skipSpace()
        let bytes = Array(word.utf8)
        guard text.count - position >= bytes.count, Array(text[position..<position + bytes.count]) == bytes else {
            return false
        }
        position += bytes.count
        return true
    }

    /// A tuple of non-negative integers: `()`, `(5,)`, `(3, 4)`, `(3, 4,)`.
    mutating func tuple() throws(Failure) -> [Int] {
        guard consume("(") else { throw Failure(.invalidShape("expected a tuple")) }
        var values: [Int] = []
        while !consume(")") {
            values.append(try integer())
            if !consume(",") {
                guard consume(")") else { throw Failure(.invalidShape("expected ',' or ')' at byte \(position)")) }
                guard values.count == 1 else { break }
                // `(5)` is an integer in Python, not a tuple.
                throw Failure(.invalidShape("(\(values[0])) is not a tuple"))
            }
        }
        return values
    }

    /// A non-negative decimal integer, with Python 2's optional `L` suffix.
    private mutating func integer() throws(Failure) -> Int {
        skipSpace()
        if position < text.count, text[position] == UInt8(ascii: "-") {
            throw Failure(.invalidShape("negative dimension at byte \(position)"))
        }
        var value = 0
        let start = position
        while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(text[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw Failure(.tooLarge("a dimension overflows Int")) }
            value = sum
            position += 1
        }
        guard position > start else { throw Failure(.invalidShape("expected a dimension at byte \(position)")) }
        if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }
        return value
    }
}
