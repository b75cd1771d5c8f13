/// Heatmaps of hospitals (rows) × classes (columns): counts, or each hospital's percent per class, as
/// SVG text or as a PNG picture (`Heatmap+PNG.swift`), one plan alone or several plans side by side.
///
/// Cell shade is the value over the largest value drawn, and every cell carries its number. Both formats
/// draw the same `Panel`s, so numbers, shades and colours agree between them. The SVG is hand-written
/// text and the PNG is drawn pixel by pixel, because the toolchain's package set has no plotting library.
public enum Heatmap {
    public enum Scale: String, Sendable, CaseIterable {
        case counts, percent
    }

    /// What both renderers draw for one plan: its title, row and column labels, and per cell (rows of
    /// hospitals, columns of classes) the number, its shade, its fill colour and its text colour.
    struct Panel {
        struct Cell {
            var text: String
            var shade: Double
            var fill: RGB
            var ink: RGB
        }

        var title: String
        var rows: [String]
        var columns: [String]
        var cells: [[Cell]]
    }

    /// One panel per plan. Every panel's shades are over the largest value of all panels, in counts and in
    /// percent alike, so that the same shade means the same number everywhere in one picture.
    static func panels(_ plans: [(title: String, statistics: PartitionStatistics)], scale: Scale) -> [Panel] {
        let values = plans.map { Self.values(of: $0.statistics, scale: scale) }
        let largest = max(values.joined().joined().max() ?? 1, 1e-9)
        return zip(plans, values).map { plan, rows in
            Panel(
                title: plan.title, rows: plan.statistics.hospitals.map(\.id), columns: plan.statistics.classes,
                cells: rows.map { row in
                    row.map { value in
                        let shade = value / largest
                        // Numbers are whole: counts as they are, percentages rounded.
                        let text = scale == .counts ? String(Int(value)) : String(Int(value.rounded()))
                        return Panel.Cell(
                            text: text, shade: shade, fill: colour(shade: shade), ink: shade > 0.55 ? .white : .black)
                    }
                })
        }
    }

    /// Each hospital's row of values: class counts, or 100 × count / the hospital's samples (0 for a
    /// hospital without samples).
    static func values(of statistics: PartitionStatistics, scale: Scale) -> [[Double]] {
        statistics.hospitals.map { row in
            let total = Double(max(1, row.classCounts.reduce(0, +)))
            return row.classCounts.map { scale == .counts ? Double($0) : 100 * Double($0) / total }
        }
    }

    /// The ramp from white (shade 0) to dark blue (shade 1): red 255 − 225·s, green 255 − 185·s,
    /// blue 255 − 95·s, each truncated to an integer.
    static func colour(shade: Double) -> RGB {
        RGB(red: UInt8(255 - 225 * shade), green: UInt8(255 - 185 * shade), blue: UInt8(255 - 95 * shade))
    }

    /// A plan's heatmap as SVG text: one panel with `title` above it (none when empty).
    public static func svg(_ statistics: PartitionStatistics, scale: Scale = .counts, title: String = "") -> String {
        svg(panels: [(title: title, statistics: statistics)], scale: scale)
    }

    /// Several plans' heatmaps side by side in one SVG, left to right in the given order, each under its
    /// title. The panels share one maximum (see `panels(_:scale:)`), so their shades compare directly.
    public static func svg(panels plans: [(title: String, statistics: PartitionStatistics)], scale: Scale = .counts)
        -> String
    {
        let panels = panels(plans, scale: scale)
        let cell = 44
        let left = 70
        let top = 60 + (panels.contains { !$0.title.isEmpty } ? 20 : 0)
        // Class names are turned 60° up from the horizontal; at about 6 pixels a character of 11-pixel text,
        // the longest rises by sin 60° ≈ 0.87 of its length and leans right by half of it past its column.
        let longest = panels.flatMap(\.columns).map(\.count).max() ?? 0
        let labelHeight = max(90, longest * 6 * 87 / 100 + 12)
        let lean = max(20, longest * 3 - cell / 2 + 10)
        // A panel is as wide as its grid, or as its title at about 8 pixels a character of 14-pixel text.
        let widths = panels.map { max(cell * $0.columns.count, 8 * $0.title.count) + left + lean }
        let width = max(1, widths.reduce(0, +))
        let height = top + labelHeight + cell * (panels.map(\.rows.count).max() ?? 0) + 20
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>

            """
        var offset = 0
        for (panel, panelWidth) in zip(panels, widths) {
            svg += "<g transform=\"translate(\(offset) 0)\">\n"
            if !panel.title.isEmpty {
                svg += "<text x=\"\(left)\" y=\"20\" font-size=\"14\">\(escape(panel.title))</text>\n"
            }
            for (c, name) in panel.columns.enumerated() {
                let x = left + c * cell + cell / 2
                let y = top + labelHeight - 6
                svg += "<text x=\"\(x)\" y=\"\(y)\" transform=\"rotate(-60 \(x) \(y))\">\(escape(name))</text>\n"
            }
            for (r, row) in panel.cells.enumerated() {
                let y = top + labelHeight + r * cell
                let id = escape(panel.rows[r])
                svg += "<text x=\"\(left - 8)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(id)</text>\n"
                for (c, value) in row.enumerated() {
                    let x = left + c * cell
                    let fill = "rgb(\(value.fill.red),\(value.fill.green),\(value.fill.blue))"
                    svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(fill)\"/>"
                    let ink = value.ink == .white ? "white" : "black"
                    let anchor = "x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\""
                    svg += "<text \(anchor) fill=\"\(ink)\">\(value.text)</text>\n"
                }
            }
            svg += "</g>\n"
            offset += panelWidth
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
