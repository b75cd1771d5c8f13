/// A comma-separated table read whole: a header row and data rows, each row with its line number.
///
/// Parsing follows RFC 4180: fields separated by `,`, optionally enclosed in `"` with `""` for a quote,
/// quoted fields may hold commas and line breaks; lines end in LF or CRLF; a UTF-8 byte-order mark is
/// dropped. Blank lines are skipped. A row whose field count differs from the header's is not fatal: it
/// is kept in `badRows` with its line number (extra fields that are all empty are tolerated, as some
/// public manifests end every line with a comma). Hand-written: the CSV packages available depend on
/// Foundation's streams, and this parser is small.
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        /// 1-based line number where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public var path: String
    public var header: [String]
    public var rows: [Row]
    /// Rows with the wrong number of fields: line number and a reason.
    public var badRows: [(line: Int, reason: String)]

    /// Parses `bytes`; `path` names the file in errors.
    public init(bytes: [UInt8], path: String) throws(DatasetError) {
        self.path = path
        var records = try CSVTable.records(bytes, path: path)
        guard !records.isEmpty else { throw DatasetError(path: path, .malformedManifest("the file has no header row")) }
        let headerRecord = records.removeFirst()
        header = headerRecord.fields.map { $0.trimmingSpaces }
        rows = []
        badRows = []
        for var record in records {
            while record.fields.count > header.count, record.fields.last?.isEmpty == true { record.fields.removeLast() }
            if record.fields.count != header.count {
                badRows.append(
                    (record.line, "\(record.fields.count) fields where the header has \(header.count)"))
                continue
            }
            rows.append(Row(line: record.line, fields: record.fields))
        }
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws(DatasetError) {
        let bytes: [UInt8]
        do { bytes = try FileAccess.read(path) } catch { throw error }
        try self.init(bytes: bytes, path: path)
    }

    /// The index of the first header column named `name` (case-insensitive, surrounding spaces ignored).
    public func column(_ name: String) -> Int? {
        let wanted = name.lowercased()
        return header.firstIndex { $0.lowercased() == wanted }
    }

    /// The index of the first of `names` present in the header.
    public func column(anyOf names: [String]) -> Int? {
        for name in names { if let index = column(name) { return index } }
        return nil
    }

    /// Like `column(_:)` but throws a missing-column error that lists the header.
    public func requireColumn(_ name: String) throws(DatasetError) -> Int {
        guard let index = column(name) else {
            throw DatasetError(
                path: path, .missingColumn("'\(name)' (the header has: \(header.joined(separator: ", ")))"))
        }
        return index
    }

    /// Splits bytes into records of fields.
    static func records(_ bytes: [UInt8], path: String) throws(DatasetError) -> [Row] {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        var records: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedLine = 0
        var fieldStarted = false
        var i = start
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Row(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let byte = bytes[i]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                i += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                if field.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                    field.removeAll()
                    inQuotes = true
                    quotedLine = line
                    fieldStarted = true
                } else {
                    field.append(byte)
                }
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\r"):
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { break }
                endRecord()
                line += 1
                recordLine = line
            case UInt8(ascii: "\n"):
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(byte)
                fieldStarted = true
            }
            i += 1
        }
        if inQuotes {
            throw DatasetError(path: "\(path):\(quotedLine)", .malformedManifest("a quoted field is never closed"))
        }
        if !field.isEmpty || !fields.isEmpty || fieldStarted { endRecord() }
        return records
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
