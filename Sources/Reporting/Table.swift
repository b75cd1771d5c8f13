/// A table of text cells, written as a GitHub Markdown table, an HTML table or CSV.
///
/// Rows shorter than the widest row (or the header) are padded with empty cells, so every output is
/// rectangular; nothing is cut.
public struct Table: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The number of columns: the widest of the header and the rows.
    var columnCount: Int { ([header] + rows).map(\.count).max() ?? 0 }

    func padded(_ row: [String]) -> [String] { row + Array(repeating: "", count: columnCount - row.count) }

    /// A GitHub pipe table, first column left-aligned and the others right-aligned as in `html()`. A cell's
    /// `\` and `|` are escaped with a backslash and its line breaks become `<br>` (a table row is one line);
    /// anything else is left as Markdown, so `<` and `&` pass through and `**bold**` stays bold.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| " + padded(cells).map(Self.markdownCell).joined(separator: " | ") + " |\n"
        }
        let rule = "|" + (0..<columnCount).map { $0 == 0 ? " :--- " : " ---: " }.joined(separator: "|") + "|\n"
        return line(header) + rule + rows.map(line).joined()
    }

    /// An HTML `<table>` with a `<thead>` and a `<tbody>`, cells escaped and line breaks as `<br>`. Alignment
    /// is set on each cell (first column left, others right) so the table looks right on any page, not only
    /// inside an `HTMLReport`.
    public func html() -> String {
        func line(_ cells: [String], tag: String) -> String {
            "<tr>" + padded(cells).enumerated().map { index, cell in
                let align = index == 0 ? "left" : "right"
                return "<\(tag) style=\"text-align:\(align)\">\(Self.htmlCell(cell))</\(tag)>"
            }.joined() + "</tr>\n"
        }
        return "<table>\n<thead>\n" + line(header, tag: "th") + "</thead>\n<tbody>\n"
            + rows.map { line($0, tag: "td") }.joined() + "</tbody>\n</table>\n"
    }

    /// RFC 4180 CSV with "\n" line ends (the last line too): a field holding a comma, a double quote, CR or LF
    /// is quoted, with its quotes doubled; any other field is written bare.
    public func csv() -> String {
        func field(_ text: String) -> String {
            let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
            guard needsQuotes else { return text }
            return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
        }
        return ([header] + rows).map { padded($0).map(field).joined(separator: ",") + "\n" }.joined()
    }

    static func markdownCell(_ text: String) -> String {
        lineBreaksAsBR(text.replacingAll("\\", with: "\\\\").replacingAll("|", with: "\\|"))
    }

    static func htmlCell(_ text: String) -> String { lineBreaksAsBR(Markup.escape(text)) }

    /// CR LF, CR and LF each become one `<br>`.
    static func lineBreaksAsBR(_ text: String) -> String {
        var result = ""
        for scalar in text.replacingAll("\r\n", with: "\n").unicodeScalars {
            if scalar == "\n" || scalar == "\r" { result += "<br>" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}

extension String {
    /// Every occurrence of `target` replaced, left to right, comparing Unicode scalars (Foundation's
    /// `replacingOccurrences` is not available here).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(unicodeScalars), pattern = Array(target.unicodeScalars)
        guard !pattern.isEmpty, source.count >= pattern.count else { return self }
        var result = String.UnicodeScalarView(), index = 0
        while index < source.count {
            if index + pattern.count <= source.count && source[index..<(index + pattern.count)].elementsEqual(pattern) {
                result.append(contentsOf: replacement.unicodeScalars)
                index += pattern.count
            } else {
                result.append(source[index])
                index += 1
            }
        }
        return String(result)
    }
}
