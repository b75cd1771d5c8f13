import Imaging

extension Heatmap {
    /// A plan's heatmap as a PNG file's bytes (8-bit RGB, through libpng): the same picture as `svg`, with
    /// text in the hand-drawn `BitmapFont` at scale 2. Throws what `PNGWriter` throws if libpng fails.
    public static func png(_ statistics: PartitionStatistics, scale: Scale = .counts, title: String = "")
        throws(ImagingError) -> [UInt8]
    {
        try png(panels: [(title: title, statistics: statistics)], scale: scale)
    }

    /// Several plans' heatmaps side by side in one PNG, left to right in the given order, each under its
    /// title. The panels share one maximum (see `panels(_:scale:)`), so their shades compare directly, and
    /// one cell size and label band, so their grids line up.
    public static func png(panels plans: [(title: String, statistics: PartitionStatistics)], scale: Scale = .counts)
        throws(ImagingError) -> [UInt8]
    {
        let canvas = raster(panels(plans, scale: scale))
        return try PNGWriter.encode(canvas.samples, width: canvas.width, height: canvas.height, channels: 3)
    }

    /// Draws `panels` where `RasterLayout` puts them: per panel its title, its class names turned to read
    /// upwards above the columns, hospital ids right-aligned left of the rows, and the cells with their
    /// numbers centred.
    static func raster(_ panels: [Panel]) -> RasterCanvas {
        let layout = RasterLayout(panels)
        let scale = RasterLayout.scale
        let textHeight = BitmapFont.capHeight * scale
        var canvas = RasterCanvas(width: layout.width, height: layout.height)
        for (p, panel) in panels.enumerated() {
            canvas.draw(layout.titles[p], x: layout.panelLeft[p], y: RasterLayout.margin, scale: scale, .black)
            for c in panel.columns.indices {
                let x = layout.gridLeft[p] + c * layout.cellWidth + (layout.cellWidth - 1 - textHeight) / 2
                canvas.draw(
                    layout.columnLabels[p][c], x: x, y: layout.gridTop - RasterLayout.gap, scale: scale, .black,
                    vertical: true)
            }
            for (r, row) in panel.cells.enumerated() {
                let label = layout.rowLabels[p][r]
                let labelX = layout.gridLeft[p] - RasterLayout.gap - BitmapFont.width(of: label, scale: scale)
                let top = layout.cell(panel: p, row: r, column: 0).y
                canvas.draw(
                    label, x: labelX, y: top + (RasterLayout.cellHeight - 1 - textHeight) / 2, scale: scale, .black)
                for (c, value) in row.enumerated() {
                    let box = layout.cell(panel: p, row: r, column: c)
                    canvas.fill(x: box.x, y: box.y, width: box.width, height: box.height, value.fill)
                    let x = box.x + (box.width - BitmapFont.width(of: value.text, scale: scale)) / 2
                    canvas.draw(value.text, x: x, y: box.y + (box.height - textHeight) / 2, scale: scale, value.ink)
                }
            }
        }
        return canvas
    }

    /// Where the PNG puts everything, in pixels. Panels stand in one row; each is as wide as its row labels
    /// and grid, or its title if wider. All panels share the cell size (wide enough for the longest number)
    /// and the band of column labels (tall enough for the longest class name), so their grids line up.
    struct RasterLayout {
        static let scale = 2
        /// Blank border around the picture, and the space between panels.
        static let margin = 12
        static let panelSpacing = 32
        /// Space between a label and the grid.
        static let gap = 8
        static let cellHeight = 36
        /// Longest labels and titles drawn, in characters; longer ones end in "..".
        static let rowLabelLimit = 16
        static let columnLabelLimit = 20
        static let titleLimit = 64

        let width: Int
        let height: Int
        let titles: [String]
        let rowLabels: [[String]]
        let columnLabels: [[String]]
        let panelLeft: [Int]
        let gridLeft: [Int]
        let gridTop: Int
        /// Horizontal pitch of the cells; each cell is painted one pixel narrower and shorter than its
        /// pitch, leaving a white line between cells.
        let cellWidth: Int

        init(_ panels: [Panel]) {
            let scale = Self.scale
            titles = panels.map { BitmapFont.truncated($0.title, to: Self.titleLimit) }
            rowLabels = panels.map { $0.rows.map { BitmapFont.truncated($0, to: Self.rowLabelLimit) } }
            columnLabels = panels.map { $0.columns.map { BitmapFont.truncated($0, to: Self.columnLabelLimit) } }
            let widestNumber =
                panels.flatMap { $0.cells.joined() }.map { BitmapFont.width(of: $0.text, scale: scale) }.max() ?? 0
            cellWidth = max(Self.cellHeight, widestNumber + 12)
            let longestColumnLabel = columnLabels.joined().map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0
            let titleBand = titles.contains { !$0.isEmpty } ? BitmapFont.height * scale + 10 : 0
            gridTop = Self.margin + titleBand + longestColumnLabel + Self.gap
            var left = Self.margin
            var panelLeft: [Int] = []
            var gridLeft: [Int] = []
            for (p, panel) in panels.enumerated() {
                let labels = (rowLabels[p].map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + Self.gap
                let panelWidth = max(
                    labels + cellWidth * panel.columns.count, BitmapFont.width(of: titles[p], scale: scale))
                panelLeft.append(left)
                gridLeft.append(left + labels)
                left += panelWidth + Self.panelSpacing
            }
            self.panelLeft = panelLeft
            self.gridLeft = gridLeft
            width = left - (panels.isEmpty ? 0 : Self.panelSpacing) + Self.margin
            height = gridTop + Self.cellHeight * (panels.map(\.rows.count).max() ?? 0) + Self.margin
        }

        /// The painted rectangle of one cell.
        func cell(panel: Int, row: Int, column: Int) -> (x: Int, y: Int, width: Int, height: Int) {
            (gridLeft[panel] + column * cellWidth, gridTop + row * Self.cellHeight, cellWidth - 1, Self.cellHeight - 1)
        }
    }
}
