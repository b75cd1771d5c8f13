/// Per-sample membership scores of one model, as a table to export: one row per sample (its id, label and
/// whether it really was a member) and one column per attack.
///
/// The CSV (`csv`) is RFC 4180 with LF line ends, which NumPy, pandas and R read as is:
///
///     id,label,member,loss,lira_online
///     "derm/h3/0001.jpg",2,1,-0.0132,4.71
///
/// - header `id,label,member` then the column names in order;
/// - `member` is 1 for a member, 0 for a non-member;
/// - a field is quoted when it holds a comma, a double quote, CR or LF, or starts or ends with a space
///   (some readers trim those), and a quote inside is doubled; anything else (also every number) is
///   written bare;
/// - scores are written in Swift's shortest round-trip form (`0.1`, `1e-05`), so reading them back gives
///   the same Double; non-finite ones as `inf`, `-inf` and `nan`, which NumPy and pandas read.
public struct ScoreTable: Sendable, Equatable {
    /// One attack's scores, one per row.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var scores: [Double]

        public init(name: String, scores: [Double]) {
            self.name = name
            self.scores = scores
        }
    }

    public var ids: [String]
    public var labels: [Int]
    public var isMember: [Bool]
    public var columns: [Column]

    public init(ids: [String], labels: [Int], isMember: [Bool], columns: [Column] = []) {
        precondition(labels.count == ids.count && isMember.count == ids.count,
                     "one label and one membership truth per id")
        precondition(columns.allSatisfy { $0.scores.count == ids.count }, "one score per id in every column")
        self.ids = ids
        self.labels = labels
        self.isMember = isMember
        self.columns = columns
    }

    /// Adds a column of scores, one per row.
    public mutating func append(_ name: String, scores: [Double]) {
        precondition(scores.count == ids.count, "\(scores.count) scores for \(ids.count) rows")
        columns.append(Column(name: name, scores: scores))
    }

    /// The table as CSV text: a header line and one line per row, each ended by "\n".
    public var csv: String {
        var text = (["id", "label", "member"] + columns.map(\.name)).map(Self.field).joined(separator: ",") + "\n"
        for row in ids.indices {
            var fields = [Self.field(ids[row]), String(labels[row]), isMember[row] ? "1" : "0"]
            for column in columns { fields.append(String(describing: column.scores[row])) }
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// The CSV as UTF-8 bytes, ready to write to a file.
    public var csvBytes: [UInt8] {
        Array(csv.utf8)
    }

    /// One text field, quoted if it needs to be.
    static func field(_ text: String) -> String {
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}
