import Foundation
import Testing

@testable import Reporting

/// The SVG figures read back with an XML parser: well-formed, namespaced, escaped, with the structure and
/// coordinates the layout promises.
@Suite struct SVGPlotTests {
    static let nasty = "A <b> & \"c\" 'd'"
    static let roc = [
        Series("AFU-IC", [PlotPoint(0, 0), PlotPoint(0.1, 0.4), PlotPoint(0.5, 0.8), PlotPoint(1, 1)]),
        Series("retrain", [PlotPoint(0, 0), PlotPoint(0.3, 0.35), PlotPoint(1, 1)], dashed: true),
    ]

    /// Every kind of chart the brief lists, each with a label that needs escaping somewhere.
    static var charts: [(name: String, svg: String)] {
        [
            ("linear", SVGPlot.lineChart(title: nasty, series: roc, x: Axis("FPR"), y: Axis("TPR"))),
            ("ROC with diagonal", SVGPlot.lineChart(
                title: "ROC", series: roc, x: Axis("FPR", range: 0...1), y: Axis(nasty, range: 0...1), diagonal: true)),
            ("log-log", SVGPlot.lineChart(
                title: "low FPR", series: [Series(nasty, [PlotPoint(1e-4, 1e-3), PlotPoint(1e-2, 0.05), PlotPoint(1, 1)])],
                x: Axis("FPR", logarithmic: true), y: Axis("TPR", logarithmic: true), diagonal: true)),
            ("log x, linear y, diagonal", SVGPlot.lineChart(
                title: "mixed", series: roc, x: Axis("FPR", logarithmic: true), y: Axis("TPR"), diagonal: true)),
            ("markers", SVGPlot.lineChart(
                title: "accuracy", series: roc, x: Axis("round"), y: Axis("acc"),
                markers: [Marker(x: 0.4, label: nasty), Marker(x: 7, label: "outside")])),
            ("empty", SVGPlot.lineChart(title: nasty, series: [], x: Axis("x"), y: Axis("y"))),
            ("only NaN", SVGPlot.lineChart(
                title: "t", series: [Series("s", [PlotPoint(.nan, 1), PlotPoint(1, .infinity)])], x: Axis("x"), y: Axis("y"))),
            ("NaN points", SVGPlot.lineChart(
                title: "t", series: [Series("s", [PlotPoint(0, 1), PlotPoint(1, .nan), PlotPoint(2, 3), PlotPoint(3, 2)])],
                x: Axis("x"), y: Axis("y"))),
            ("far outside an explicit range", SVGPlot.lineChart(
                title: "t", series: [Series("s", [PlotPoint(0, 0), PlotPoint(1e300, -1e300)])], x: Axis("x", range: 0...1),
                y: Axis("y", range: 0...1))),
            ("long legend below", SVGPlot.lineChart(
                title: "t", series: [Series(String(repeating: "long name ", count: 10), [PlotPoint(0, 0), PlotPoint(1, 1)])],
                x: Axis("x"), y: Axis("y"))),
            ("heatmap", SVGPlot.heatmap(
                title: nasty, values: [[12, 0, 3.5], [.nan, 7, 1]], rowLabels: ["h1", "h<2>"], columnLabels: ["a&b", "c", "d"])),
            ("heatmap with long labels and a ragged row", SVGPlot.heatmap(
                title: "t", values: [[1, 2, 3], [4]], rowLabels: ["h1"], columnLabels: ["basal cell carcinoma", "naevus", "x"],
                height: 300)),
            ("empty heatmap", SVGPlot.heatmap(title: nasty, values: [], rowLabels: [], columnLabels: [])),
        ]
    }

    /// The check itself can fail: a bare "&", a mismatched or unclosed element, or a second root.
    @Test func parserRejectsMalformedXML() {
        #expect(ParsedXML("<svg><text>a</text></svg>").wellFormed)
        #expect(!ParsedXML("<svg><text>a & b</text></svg>").wellFormed)
        #expect(!ParsedXML("<svg><a></b></svg>").wellFormed)
        #expect(!ParsedXML("<svg><text>a</svg>").wellFormed)
        #expect(!ParsedXML("<svg/><svg/>").wellFormed)
    }

    @Test(arguments: charts.map(\.name))
    func wellFormedWithNamespaceAndViewBox(_ name: String) throws {
        let svg = try #require(Self.charts.first { $0.name == name }).svg
        let xml = ParsedXML(svg)
        #expect(xml.wellFormed)
        let root = try #require(xml.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"]?.hasPrefix("0 0 ") == true)
        // At most two decimals in every number of every attribute.
        for element in xml.elements {
            for (key, value) in element.attributes where key != "xmlns" {
                #expect(value.range(of: #"\d\.\d{3}"#, options: .regularExpression) == nil, "\(key)=\(value)")
            }
        }
    }

    /// Titles, axis labels, legend names, marker labels and heatmap labels come back from the parser exactly
    /// as given, and the raw text never appears unescaped.
    @Test func textIsEscaped() throws {
        let withNastyText = ["linear", "ROC with diagonal", "log-log", "markers", "empty", "heatmap", "empty heatmap"]
        for name in withNastyText {
            let svg = try #require(Self.charts.first { $0.name == name }).svg
            let xml = ParsedXML(svg)
            #expect(xml.wellFormed, "\(name)")
            #expect(!svg.contains("<b>") && svg.contains("A &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"), "\(name)")
            #expect(xml.texts.contains(Self.nasty), "\(name)")
        }
        let heatmap = ParsedXML(Self.charts.first { $0.name == "heatmap" }!.svg)
        #expect(heatmap.texts.contains("a&b") && heatmap.texts.contains("h<2>"))
        // Control characters XML cannot hold are replaced, not passed through.
        let control = SVGPlot.lineChart(title: "bell\u{7}", series: [], x: Axis("x"), y: Axis("y"))
        #expect(ParsedXML(control).wellFormed && ParsedXML(control).texts.contains("bell\u{FFFD}"))
    }

    @Test func emptyInputSaysNoData() {
        for name in ["empty", "only NaN", "empty heatmap"] {
            let xml = ParsedXML(Self.charts.first { $0.name == name }!.svg)
            #expect(xml.texts.contains("no data"), "\(name)")
            #expect(xml.all("path").isEmpty, "\(name)")
        }
    }

    /// A chart whose explicit ranges are the data's ends: the first point (the minima) is drawn at the plot
    /// area's bottom-left corner and the last (the maxima) at its top-right corner.
    @Test func pointsAtTheRangeEndsLandOnThePlotAreaCorners() throws {
        let svg = SVGPlot.lineChart(
            title: "t", series: [Series("s", [PlotPoint(2, -1), PlotPoint(3, 0), PlotPoint(6, 4)])],
            x: Axis("x", range: 2...6), y: Axis("y", range: -1...4))
        let xml = ParsedXML(svg)
        let area = try #require(xml.all("rect").first { $0.attributes["class"] == "plot-area" }?.attributes)
        let (left, top) = (try #require(number(area["x"])), try #require(number(area["y"])))
        let (width, height) = (try #require(number(area["width"])), try #require(number(area["height"])))
        let d = try #require(xml.all("path").first { $0.attributes["class"] == "series" }?.attributes["d"])
        let points = try #require(subpaths(d).first)
        #expect(points.count == 3)
        #expect(abs(points[0].x - left) < 0.01 && abs(points[0].y - (top + height)) < 0.01)
        #expect(abs(points[2].x - (left + width)) < 0.01 && abs(points[2].y - top) < 0.01)
        // (3, 0) is a quarter along x and a fifth up y.
        #expect(abs(points[1].x - (left + width / 4)) < 0.01 && abs(points[1].y - (top + height * 4 / 5)) < 0.01)
    }

    /// The layout's own mapping, with the same expectations, on log axes too.
    @Test func frameMapsDomainEndsToEdges() throws {
        let layout = try #require(LineChartLayout(
            title: "t", series: [Series("s", [PlotPoint(0.001, 10), PlotPoint(0.1, 1000)])],
            x: Axis("x", logarithmic: true), y: Axis("y", logarithmic: true), markers: [], width: 640, height: 380))
        let plot = layout.plot
        #expect(layout.x.lower == 0.001 && layout.x.upper == 0.1 && layout.y.lower == 10 && layout.y.upper == 1000)
        let low = try #require(plot.position(PlotPoint(0.001, 10), x: layout.x, y: layout.y))
        let high = try #require(plot.position(PlotPoint(0.1, 1000), x: layout.x, y: layout.y))
        let middle = try #require(plot.position(PlotPoint(0.01, 100), x: layout.x, y: layout.y))
        #expect(abs(low.x - plot.left) < 1e-9 && abs(low.y - plot.bottom) < 1e-9)
        #expect(abs(high.x - plot.right) < 1e-9 && abs(high.y - plot.top) < 1e-9)
        #expect(abs(middle.x - (plot.left + plot.width / 2)) < 1e-9 && abs(middle.y - (plot.top + plot.height / 2)) < 1e-9)
        #expect(plot.position(PlotPoint(0, 100), x: layout.x, y: layout.y) == nil)
        // The legend sits right of the plot area, clear of it.
        #expect(!layout.legendBelow && layout.legendOrigin.x > plot.right)
    }

    /// NaN, ±∞ and (on a log axis) values ≤ 0 break the line: the path has one subpath per run, and a lone
    /// point between two gaps is kept as a dot.
    @Test func linesBreakAtDroppedPoints() throws {
        func runs(_ points: [PlotPoint], logY: Bool = false) throws -> [Int] {
            let svg = SVGPlot.lineChart(title: "t", series: [Series("s", points)], x: Axis("x"), y: Axis("y", logarithmic: logY))
            let d = try #require(ParsedXML(svg).all("path").first { $0.attributes["class"] == "series" }?.attributes["d"])
            return subpaths(d).map(\.count)
        }
        let p = PlotPoint.init
        #expect(try runs([p(0, 1), p(1, 2), p(2, 3)]) == [3])
        #expect(try runs([p(0, 1), p(1, 2), p(2, .nan), p(3, 4), p(4, 5), p(5, .infinity), p(6, 7), p(7, 8)]) == [2, 2, 2])
        #expect(try runs([p(0, 1), p(.nan, 2), p(2, 3), p(-.infinity, 3), p(4, 5), p(5, 6)]) == [1, 1, 2])
        #expect(try runs([p(1, 1), p(2, 0), p(3, 3), p(4, -2), p(5, 5), p(6, 6)], logY: true) == [1, 1, 2])
        #expect(try runs([p(.nan, 1), p(1, 2), p(2, 3), p(3, .nan)]) == [2])
        let scale = Scale(lower: 0, upper: 10, logarithmic: false)
        #expect(SVGPlot.segments([p(0, 1), p(1, .nan), p(2, 3)], x: scale, y: scale) == [[p(0, 1)], [p(2, 3)]])
    }

    @Test func seriesColoursDashesAndLegend() throws {
        let series = (0..<9).map { Series("s\($0)", [PlotPoint(0, Double($0)), PlotPoint(1, 1)], dashed: $0 == 1) }
        let xml = ParsedXML(SVGPlot.lineChart(title: "t", series: series, x: Axis("x"), y: Axis("y")))
        let paths = xml.all("path").filter { $0.attributes["class"] == "series" }
        #expect(paths.map { $0.attributes["stroke"] } == [
            "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000", "#0072B2",
        ])
        #expect(paths.map { $0.attributes["stroke-dasharray"] != nil } == [false, true] + Array(repeating: false, count: 7))
        #expect((0..<9).allSatisfy { xml.texts.contains("s\($0)") })
        // The y label is rotated.
        let yLabel = try #require(xml.all("text").first { $0.text == "y" })
        #expect(yLabel.attributes["transform"]?.hasPrefix("rotate(-90") == true)
    }

    @Test func longNamesPutTheLegendBelow() throws {
        let layout = try #require(LineChartLayout(
            title: "t", series: [Series(String(repeating: "x", count: 60), [PlotPoint(0, 0), PlotPoint(1, 1)])],
            x: Axis("x"), y: Axis("y"), markers: [], width: 640, height: 380))
        #expect(layout.legendBelow && layout.legendOrigin.y > layout.plot.bottom)
    }

    @Test func markersAndDiagonal() throws {
        let xml = ParsedXML(SVGPlot.lineChart(
            title: "t", series: Self.roc, x: Axis("x", range: 0...1), y: Axis("y", range: 0...1),
            markers: [Marker(x: 0.5, label: "request"), Marker(x: 2, label: "off the axis")], diagonal: true))
        let area = try #require(xml.all("rect").first { $0.attributes["class"] == "plot-area" }?.attributes)
        let (left, top) = (number(area["x"])!, number(area["y"])!)
        let (width, height) = (number(area["width"])!, number(area["height"])!)
        let markers = xml.all("path").filter { $0.attributes["class"] == "marker" }
        #expect(markers.count == 1 && markers[0].attributes["stroke-dasharray"] != nil)
        #expect(xml.texts.contains("request") && !xml.texts.contains("off the axis"))
        let diagonal = try #require(xml.all("path").first { $0.attributes["class"] == "diagonal" }?.attributes["d"])
        let ends = try #require(subpaths(diagonal).first)
        #expect(abs(ends[0].x - left) < 0.01 && abs(ends[0].y - (top + height)) < 0.01)
        #expect(abs(ends[1].x - (left + width)) < 0.01 && abs(ends[1].y - top) < 0.01)
        // A marker outside the data widens an automatic x range to show it.
        let widened = try #require(LineChartLayout(
            title: "", series: Self.roc, x: Axis("x"), y: Axis("y"), markers: [Marker(x: 3, label: "m")], width: 640, height: 380))
        #expect(widened.x.upper >= 3)
    }

    @Test func heatmapCellsColoursAndNumbers() throws {
        let xml = ParsedXML(SVGPlot.heatmap(
            title: "samples", values: [[12, 0, 3.5], [.nan, 6, 1]], rowLabels: ["h1", "h2"], columnLabels: ["a", "b", "c"]))
        #expect(xml.wellFormed)
        let cells = xml.all("rect").filter { $0.attributes["width"] != "14" && $0.attributes["fill"] != "#fff" }
        #expect(cells.count == 6)
        #expect(cells.map { $0.attributes["fill"] } == [
            "#fde725", "#440154", SVGPlot.viridis(3.5 / 12), "#bdbdbd", SVGPlot.viridis(0.5), SVGPlot.viridis(1.0 / 12),
        ])
        #expect(SVGPlot.viridis(0.5) == "#21908d")
        for text in ["12", "0", "3.50", "–", "6", "1", "h1", "h2", "a", "b", "c", "samples"] {
            #expect(xml.texts.contains(text), "\(text)")
        }
        // The colour scale is labelled with its ends.
        #expect(xml.all("rect").contains { $0.attributes["class"] == "colour-scale" })
        // Cells are equal and tile the grid row by row.
        let xs = cells.map { number($0.attributes["x"])! }, ys = cells.map { number($0.attributes["y"])! }
        let w = number(cells[0].attributes["width"])!, h = number(cells[0].attributes["height"])!
        #expect(abs(xs[1] - xs[0] - w) < 0.02 && xs[3] == xs[0] && abs(ys[3] - ys[0] - h) < 0.02 && h == 24)
    }

    @Test func heatmapLongColumnLabelsStandUpright() throws {
        let xml = ParsedXML(SVGPlot.heatmap(
            title: "t", values: [[1, 2]], rowLabels: ["h"], columnLabels: ["a very long class name indeed", "b"], width: 200))
        let label = try #require(xml.all("text").first { $0.text == "a very long class name indeed" })
        #expect(label.attributes["transform"]?.hasPrefix("rotate(-90") == true)
        #expect(number(xml.elements[0].attributes["height"])! > 150)
    }
}
