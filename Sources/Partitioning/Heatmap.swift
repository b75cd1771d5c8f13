/// An SVG heatmap of hospitals (rows) × classes (columns): counts, or each hospital's percent per class.
/// Cell shade is proportional to the value over the largest value; every cell carries its number.
/// Hand-written SVG text (no plotting library in this toolchain's package set).
public enum Heatmap {
    public enum Scale: String, Sendable, CaseIterable {
        case counts, percent
    }

    public static func svg(_ statistics: PartitionStatistics, scale: Scale = .counts, title: String = "") -> String {
        let rows = statistics.hospitals
        let classes = statistics.classes
        let values: [[Double]] = rows.map { row in
            let total = Double(max(1, row.classCounts.reduce(0, +)))
            return row.classCounts.map { scale == .counts ? Double($0) : 100 * Double($0) / total }
        }
        let largest = max(values.flatMap { $0 }.max() ?? 1, 1e-9)
        let cell = 44, left = 70, top = 60 + (title.isEmpty ? 0 : 20), labelHeight = 90
        let width = left + cell * classes.count + 20
        let height = top + labelHeight + cell * rows.count + 20
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>

            """
        if !title.isEmpty { svg += "<text x=\"\(left)\" y=\"20\" font-size=\"14\">\(escape(title))</text>\n" }
        for (c, name) in classes.enumerated() {
            let x = left + c * cell + cell / 2
            let y = top + labelHeight - 6
            svg += "<text x=\"\(x)\" y=\"\(y)\" transform=\"rotate(-60 \(x) \(y))\">\(escape(name))</text>\n"
        }
        for (r, row) in rows.enumerated() {
            let y = top + labelHeight + r * cell
            svg += "<text x=\"\(left - 8)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(escape(row.id))</text>\n"
            for (c, value) in values[r].enumerated() {
                let x = left + c * cell
                let shade = value / largest
                // White to dark blue; text turns white on dark cells.
                let red = Int(255 - 225 * shade), green = Int(255 - 185 * shade), blue = Int(255 - 95 * shade)
                let text = scale == .counts ? String(Int(value)) : String(Int(value.rounded()))
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"rgb(\(red),\(green),\(blue))\"/>"
                svg += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" fill=\"\(shade > 0.55 ? "white" : "black")\">\(text)</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
