extension SVGPlot {
    /// Heatmap of `values` (rows × columns, values ≥ 0, e.g. samples per hospital × class) with row and column
    /// labels, a title and a small colour scale.
    ///
    /// A cell's colour is its value over the largest finite value, on a viridis ramp (sequential, readable in
    /// grey and by colour-blind readers; a value ≤ 0 is at the dark end), and every cell is annotated with its
    /// value: whole numbers without decimals, others with two. Non-finite cells, and the missing cells of a
    /// row shorter than the longest, are grey with "–". Column labels are rotated upright when they do not fit
    /// across their cells. Without `height`, rows are 24 px tall and the height follows from them.
    public static func heatmap(
        title: String, values: [[Double]], rowLabels: [String], columnLabels: [String],
        width: Int = 640, height: Int? = nil
    ) -> String {
        let width = Double(max(width, 120))
        let rowCount = values.count, columnCount = values.map(\.count).max() ?? 0
        guard rowCount > 0, columnCount > 0 else {
            return noData(title: title, width: width, height: Double(max(height ?? 200, 80)))
        }
        func value(_ row: Int, _ column: Int) -> Double { column < values[row].count ? values[row][column] : .nan }
        func label(_ labels: [String], _ index: Int) -> String { index < labels.count ? labels[index] : "" }
        let largest = max(values.joined().filter(\.isFinite).max() ?? 0, 0)

        let scaleLabels = [cellText(largest), cellText(0)]
        let left = 8 + ((0..<rowCount).map { textWidth(label(rowLabels, $0)) }.max() ?? 0) + 8
        let right = 16 + 14 + 6 + (scaleLabels.map { textWidth($0) }.max() ?? 0) + 8
        let cellWidth = max((width - left - right) / Double(columnCount), 1)
        let columnLabelWidth = (0..<columnCount).map { textWidth(label(columnLabels, $0)) }.max() ?? 0
        let upright = columnLabelWidth + 4 > cellWidth
        let top = (title.isEmpty ? 12 : 34) + (upright ? columnLabelWidth + 10 : 18)
        let bottom = 12.0
        let totalHeight = height.map { Double(max($0, 80)) } ?? top + max(Double(rowCount) * 24, 60) + bottom
        let cellHeight = max((height == nil ? 24 : (totalHeight - top - bottom) / Double(rowCount)), 1)
        let gridRight = left + Double(columnCount) * cellWidth
        var svg = header(title: title, width: width, height: totalHeight)

        // Column labels above the cells (upright ones read upwards), row labels to the left.
        for column in 0..<columnCount {
            let cx = left + (Double(column) + 0.5) * cellWidth
            if upright {
                let (x, y) = (cx + fontSize * 0.35, top - 6)
                svg += text(label(columnLabels, column), x: x, y: y, anchor: "start",
                            extra: " transform=\"rotate(-90 \(svgNumber(x)) \(svgNumber(y)))\"")
            } else {
                svg += text(label(columnLabels, column), x: cx, y: top - 6, anchor: "middle")
            }
        }
        for row in 0..<rowCount {
            svg += text(label(rowLabels, row), x: left - 6, y: top + (Double(row) + 0.5) * cellHeight + 4, anchor: "end")
        }

        // Cells, then their numbers in a size that fits the narrowest cell.
        var cells = "", numbers = ""
        let longest = (0..<rowCount).flatMap { row in (0..<columnCount).map { cellText(value(row, $0)).count } }.max() ?? 1
        let numberSize = max(min(fontSize, cellHeight * 0.6, (cellWidth - 2) / (Double(longest) * 0.6)), 4)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                let v = value(row, column), (x, y) = (left + Double(column) * cellWidth, top + Double(row) * cellHeight)
                let shade = largest > 0 ? min(max(v / largest, 0), 1) : 0
                let (fill, ink) = v.isFinite ? (viridis(shade), shade < 0.6 ? "#fff" : "#000") : ("#bdbdbd", "#000")
                cells += "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(cellWidth))\" "
                    + "height=\"\(svgNumber(cellHeight))\" fill=\"\(fill)\"/>\n"
                numbers += text(cellText(v), x: x + cellWidth / 2, y: y + cellHeight / 2 + numberSize * 0.35,
                                anchor: "middle", extra: ink == "#000" ? "" : " fill=\"\(ink)\"")
            }
        }
        svg += "<g stroke=\"#fff\">\n" + cells + "</g>\n<g font-size=\"\(svgNumber(numberSize))\">\n" + numbers + "</g>\n"

        // Colour scale: 32 steps from 0 (bottom) to the largest value (top), with both ends labelled.
        let barHeight = max(min(max(Double(rowCount) * cellHeight, 60), totalHeight - top - bottom), 1)
        let barLeft = gridRight + 16, steps = 32
        for step in 0..<steps {
            let y = top + barHeight * (1 - Double(step + 1) / Double(steps))
            svg += "<rect x=\"\(svgNumber(barLeft))\" y=\"\(svgNumber(y))\" width=\"14\" "
                + "height=\"\(svgNumber(barHeight / Double(steps) + 0.5))\" fill=\"\(viridis((Double(step) + 0.5) / Double(steps)))\"/>\n"
        }
        svg += "<rect class=\"colour-scale\" x=\"\(svgNumber(barLeft))\" y=\"\(svgNumber(top))\" width=\"14\" "
            + "height=\"\(svgNumber(barHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += text(scaleLabels[0], x: barLeft + 20, y: top + 8, anchor: "start")
        svg += text(scaleLabels[1], x: barLeft + 20, y: top + barHeight, anchor: "start")
        return svg + "</svg>\n"
    }

    /// A cell's annotation: "–" when not finite, a whole number without decimals, anything else with two.
    static func cellText(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value == value.rounded() && value.magnitude < 1e15 { return String(Int(value)) }
        return NumberFormat.fixed(value, decimals: 2)
    }

    /// Nine samples of matplotlib's viridis at 0, ⅛, …, 1, from dark purple to yellow.
    static let viridisStops: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x47, 0x2C, 0x7A), (0x3B, 0x51, 0x8B), (0x2C, 0x71, 0x8E), (0x21, 0x90, 0x8D),
        (0x27, 0xAD, 0x81), (0x5C, 0xC8, 0x63), (0xAA, 0xDC, 0x32), (0xFD, 0xE7, 0x25),
    ]

    /// The viridis colour at `shade` in 0…1 (clamped), interpolated linearly between the stops, as "#rrggbb".
    static func viridis(_ shade: Double) -> String {
        let position = min(max(shade, 0), 1) * Double(viridisStops.count - 1)
        let index = min(Int(position), viridisStops.count - 2), t = position - Double(index)
        let (a, b) = (viridisStops[index], viridisStops[index + 1])
        return "#" + [(a.0, b.0), (a.1, b.1), (a.2, b.2)].map { low, high in
            let channel = String(Int((low + (high - low) * t).rounded()), radix: 16)
            return channel.count == 1 ? "0" + channel : channel
        }.joined()
    }
}
