/// Hand-written SVG figures (no plotting library is available to the package): line charts and heatmaps.
///
/// Every SVG has the SVG namespace, a viewBox (so it scales inside an HTML page), sans-serif text, escaped
/// labels, and numbers with at most two decimals. Nothing in it refers to an id, so several figures can sit
/// in one HTML document without clashing.
public enum SVGPlot {
    /// Okabe and Ito's colour-blind-safe palette, used in order and then cycled.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    static let fontSize = 11.0

    /// Line chart with legend, axes, nice ticks (1-2-5 steps on linear axes, decades 10^k on log axes, see
    /// `Scale`), gridlines, optional vertical markers and optional y = x diagonal (for ROC curves), and a title.
    ///
    /// Points with a non-finite coordinate, or ≤ 0 on a log axis, are dropped and their line is broken there,
    /// not joined across; a point left alone between two gaps is drawn as a dot. Without an axis range, the
    /// x range covers the shown points and the markers, the y range the shown points. Lines are clipped to the
    /// plot area. The legend goes to the right of the plot area, or below it when the names would take more
    /// than 30% of the width, so it never covers a line. With no point to show, the SVG says "no data".
    public static func lineChart(
        title: String, series: [Series], x: Axis, y: Axis, markers: [Marker] = [],
        diagonal: Bool = false, width: Int = 640, height: Int = 380
    ) -> String {
        let width = Double(max(width, 120)), height = Double(max(height, 80))
        guard let layout = LineChartLayout(title: title, series: series, x: x, y: y, markers: markers, width: width, height: height)
        else { return noData(title: title, width: width, height: height) }
        let plot = layout.plot, xScale = layout.x, yScale = layout.y
        var svg = header(title: title, width: width, height: height)

        // Gridlines and tick labels.
        var grid = "", labels = ""
        for tick in xScale.ticks {
            guard let f = xScale.fraction(tick) else { continue }
            let px = svgNumber(plot.left + f * plot.width)
            grid += "M\(px) \(svgNumber(plot.top))V\(svgNumber(plot.bottom))"
            labels += text(NumberFormat.tick(tick), x: plot.left + f * plot.width, y: plot.bottom + 15, anchor: "middle")
        }
        for tick in yScale.ticks {
            guard let f = yScale.fraction(tick) else { continue }
            let py = svgNumber(plot.bottom - f * plot.height)
            grid += "M\(svgNumber(plot.left)) \(py)H\(svgNumber(plot.right))"
            labels += text(NumberFormat.tick(tick), x: plot.left - 6, y: plot.bottom - f * plot.height + 4, anchor: "end")
        }
        svg += "<path d=\"\(grid)\" stroke=\"#e4e4e4\" fill=\"none\"/>\n" + labels
        svg += "<rect class=\"plot-area\" x=\"\(svgNumber(plot.left))\" y=\"\(svgNumber(plot.top))\" width=\"\(svgNumber(plot.width))\" "
            + "height=\"\(svgNumber(plot.height))\" fill=\"none\" stroke=\"#888\"/>\n"

        // Everything drawn with data goes into a nested <svg>, which clips to the plot area (plus half a line
        // width) without needing a clipPath id.
        let (cx, cy) = (svgNumber(plot.left - 2), svgNumber(plot.top - 2))
        let (cw, ch) = (svgNumber(plot.width + 4), svgNumber(plot.height + 4))
        svg += "<svg x=\"\(cx)\" y=\"\(cy)\" width=\"\(cw)\" height=\"\(ch)\" viewBox=\"\(cx) \(cy) \(cw) \(ch)\" overflow=\"hidden\">\n"
        if diagonal, let path = diagonalPath(plot: plot, x: xScale, y: yScale) {
            svg += "<path class=\"diagonal\" d=\"\(path)\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n"
        }
        for marker in markers {
            guard let f = xScale.fraction(marker.x), (0...1).contains(f) else { continue }
            let px = plot.left + f * plot.width
            svg += "<path class=\"marker\" d=\"M\(svgNumber(px)) \(svgNumber(plot.top))V\(svgNumber(plot.bottom))\" "
                + "stroke=\"#555\" stroke-dasharray=\"3 3\"/>\n"
            svg += text(marker.label, x: px + 3, y: plot.top + 12, anchor: "start", extra: " font-size=\"10\" fill=\"#444\"")
        }
        for (index, line) in series.enumerated() {
            let runs = segments(line.points, x: xScale, y: yScale)
            guard !runs.isEmpty else { continue }
            let d = runs.map { run in
                let points = run.compactMap { plot.position($0, x: xScale, y: yScale) }.map { "\(svgNumber($0.x)) \(svgNumber($0.y))" }
                return "M" + points[0] + (points.count == 1 ? "h0" : "L" + points.dropFirst().joined(separator: " "))
            }.joined()
            svg += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour(index))\" stroke-width=\"1.8\" "
                + "stroke-linejoin=\"round\" stroke-linecap=\"round\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
        }
        svg += "</svg>\n"

        // Legend: a line sample and the name per series, one per row.
        for (index, line) in series.enumerated() {
            let (lx, ly) = (layout.legendOrigin.x, layout.legendOrigin.y + Double(index) * 16)
            svg += "<path d=\"M\(svgNumber(lx)) \(svgNumber(ly))h24\" stroke=\"\(colour(index))\" stroke-width=\"1.8\""
                + "\(line.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            svg += text(line.name, x: lx + 30, y: ly + 4, anchor: "start")
        }

        // Axis labels, the y one rotated to read upwards.
        svg += text(x.label, x: plot.left + plot.width / 2, y: plot.bottom + 34, anchor: "middle")
        let (yx, yy) = (svgNumber(14), svgNumber(plot.top + plot.height / 2))
        svg += text(y.label, x: 14, y: plot.top + plot.height / 2, anchor: "middle", extra: " transform=\"rotate(-90 \(yx) \(yy))\"")
        return svg + "</svg>\n"
    }

    /// The runs of consecutive points that both axes can show; a point they cannot show ends a run.
    static func segments(_ points: [PlotPoint], x: Scale, y: Scale) -> [[PlotPoint]] {
        var runs: [[PlotPoint]] = [], run: [PlotPoint] = []
        for point in points {
            if x.fraction(point.x) != nil && y.fraction(point.y) != nil {
                run.append(point)
            } else if !run.isEmpty {
                runs.append(run)
                run = []
            }
        }
        return run.isEmpty ? runs : runs + [run]
    }

    /// y = x over the part of the x domain that the y domain also covers: a straight line when both axes are
    /// of the same kind, 64 short segments otherwise (the line is curved when one axis is logarithmic).
    static func diagonalPath(plot: Frame, x: Scale, y: Scale) -> String? {
        let low = max(x.lower, y.lower), high = min(x.upper, y.upper)
        guard low < high else { return nil }
        let count = x.logarithmic == y.logarithmic ? 1 : 64
        let points = (0...count).compactMap { step in
            let value = low + (high - low) * Double(step) / Double(count)
            return plot.position(PlotPoint(value, value), x: x, y: y)
        }
        guard points.count >= 2 else { return nil }
        return "M" + points.map { "\(svgNumber($0.x)) \(svgNumber($0.y))" }.joined(separator: "L")
    }

    static func colour(_ index: Int) -> String { palette[index % palette.count] }

    /// The opening `<svg>` with namespace, size and viewBox, an accessible `<title>`, a white background
    /// and the visible title (when not empty).
    static func header(title: String, width: Double, height: Double) -> String {
        let (w, h) = (svgNumber(width), svgNumber(height))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
            + "font-family=\"sans-serif\" font-size=\"\(svgNumber(fontSize))\" role=\"img\">\n"
        svg += "<title>\(Markup.escape(title))</title>\n<rect width=\"\(w)\" height=\"\(h)\" fill=\"#fff\"/>\n"
        if !title.isEmpty {
            svg += text(title, x: width / 2, y: 22, anchor: "middle", extra: " font-size=\"14\" font-weight=\"bold\"")
        }
        return svg
    }

    /// A chart with nothing to show: the title and "no data" in the middle.
    static func noData(title: String, width: Double, height: Double) -> String {
        header(title: title, width: width, height: height)
            + text("no data", x: width / 2, y: height / 2, anchor: "middle", extra: " fill=\"#777\"") + "</svg>\n"
    }

    /// A `<text>` element with escaped content; nothing for empty text.
    static func text(_ content: String, x: Double, y: Double, anchor: String, extra: String = "") -> String {
        guard !content.isEmpty else { return "" }
        return "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\"\(extra)>\(Markup.escape(content))</text>\n"
    }

    /// Approximate width of `text` in pixels at `size` (0.6 em per character, generous for sans-serif digits).
    static func textWidth(_ text: String, size: Double = fontSize) -> Double { Double(text.count) * size * 0.6 }
}

/// A rectangle in SVG pixels (y grows downwards).
struct Frame: Equatable {
    var left: Double
    var top: Double
    var width: Double
    var height: Double

    var right: Double { left + width }
    var bottom: Double { top + height }

    /// The pixel position of `point`: the x domain's lower end at `left`, its upper end at `right`, the y
    /// domain's lower end at `bottom`, its upper end at `top`. Nil when an axis cannot show the point.
    func position(_ point: PlotPoint, x: Scale, y: Scale) -> (x: Double, y: Double)? {
        guard let fx = x.fraction(point.x), let fy = y.fraction(point.y) else { return nil }
        return (left + fx * width, bottom - fy * height)
    }
}

/// Where a line chart's parts go: the plot area, the two scales, and the top-left of the legend's first entry.
struct LineChartLayout {
    var plot: Frame
    var x: Scale
    var y: Scale
    var legendOrigin: (x: Double, y: Double)
    var legendBelow: Bool

    /// Nil when no point of any series can be shown on these axes.
    init?(title: String, series: [Series], x: Axis, y: Axis, markers: [Marker], width: Double, height: Double) {
        let shown = series.flatMap(\.points).filter {
            $0.x.isFinite && $0.y.isFinite && (!x.logarithmic || $0.x > 0) && (!y.logarithmic || $0.y > 0)
        }
        guard !shown.isEmpty,
            let xScale = Scale(axis: x, values: shown.map(\.x) + markers.map(\.x)),
            let yScale = Scale(axis: y, values: shown.map(\.y))
        else { return nil }
        self.x = xScale
        self.y = yScale

        let tickWidth = yScale.ticks.map { SVGPlot.textWidth(NumberFormat.tick($0)) }.max() ?? 0
        let left = 8 + (y.label.isEmpty ? 0 : 16) + tickWidth + 8
        let top = title.isEmpty ? 12.0 : 34
        var bottom = 8 + 16 + (x.label.isEmpty ? 0 : 18) + 4.0
        var right = 20.0
        let nameWidth = series.map { SVGPlot.textWidth($0.name) }.max() ?? 0
        let legendWidth = series.isEmpty ? 0 : 12 + 30 + nameWidth + 8
        legendBelow = legendWidth > 0.3 * width
        if legendBelow {
            bottom += Double(series.count) * 16 + 6
        } else if !series.isEmpty {
            right = legendWidth
        }
        plot = Frame(left: left, top: top, width: max(width - left - right, 10), height: max(height - top - bottom, 10))
        legendOrigin = legendBelow
            ? (plot.left, plot.bottom + 8 + 16 + (x.label.isEmpty ? 0 : 18) + 10)
            : (plot.right + 12, plot.top + 8)
    }
}
