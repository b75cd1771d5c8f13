import Foundation
import Imaging
import Testing

@testable import Partitioning

@Suite struct HeatmapTests {
    static func hospital(_ id: String, _ counts: [Int]) -> PartitionStatistics.Hospital {
        let samples = counts.reduce(0, +)
        return .init(
            id: id, samples: samples, train: samples, val: 0, test: 0, patients: samples, classCounts: counts,
            jensenShannon: 0, hellinger: 0, earthMovers: 0)
    }

    /// Two hospitals × three classes; the largest count is 12.
    static let plan = PartitionStatistics(
        classes: ["benign", "malignant", "normal"],
        hospitals: [hospital("h00", [12, 0, 3]), hospital("h01", [1, 8, 6])],
        globalTest: 0, meanJensenShannon: 0)

    /// The ramp, written out again from its definition: white to dark blue, truncated to integers.
    static func expectedColour(_ value: Double, largest: Double) -> [Int] {
        let shade = value / largest
        return [Int(255 - 225 * shade), Int(255 - 185 * shade), Int(255 - 95 * shade)]
    }

    /// A decoded PNG: its size and its 8-bit RGB samples, read back through Imaging's libpng decoder.
    struct Picture {
        var width: Int
        var height: Int
        var samples: [Float]

        init(_ png: [UInt8]) throws {
            let reader = try ImageReader(bytes: png)
            #expect(reader.info.format == .png && reader.info.decodedSamplesPerPixel == 3)
            width = reader.info.columns
            height = reader.info.rows
            samples = try reader.decodeFrame(0)
        }

        func rgb(_ x: Int, _ y: Int) -> [Int] {
            let offset = (y * width + x) * 3
            return [Int(samples[offset]), Int(samples[offset + 1]), Int(samples[offset + 2])]
        }

        /// How many pixels of the rectangle satisfy `test`.
        func count(_ box: (x: Int, y: Int, width: Int, height: Int), where test: ([Int]) -> Bool) -> Int {
            var count = 0
            for y in box.y..<box.y + box.height {
                for x in box.x..<box.x + box.width where test(rgb(x, y)) { count += 1 }
            }
            return count
        }
    }

    static func setPixels(_ text: String) -> Int {
        text.reduce(0) { sum, character in sum + BitmapFont.glyph(character).reduce(0) { $0 + $1.nonzeroBitCount } }
    }

    @Test func svgHasOneCellPerHospitalAndClassWithItsValueAndEscapedNames() {
        let statistics = PartitionStatistics(
            classes: ["a<b", "c&d"], hospitals: [Self.hospital("h00", [3, 1]), Self.hospital("h01", [0, 2])],
            globalTest: 0, meanJensenShannon: 0)
        let counts = Heatmap.svg(statistics, scale: .counts)
        #expect(counts.components(separatedBy: "<rect ").count - 1 == 1 + 4)
        for value in [">3<", ">1<", ">0<", ">2<"] { #expect(counts.contains(value)) }
        #expect(counts.contains("a&lt;b") && counts.contains("c&amp;d") && !counts.contains("a<b"))
        let percent = Heatmap.svg(statistics, scale: .percent)
        for value in [">75<", ">25<", ">0<", ">100<"] { #expect(percent.contains(value)) }
        #expect(percent.hasPrefix("<svg") && percent.hasSuffix("</svg>\n"))
    }

    @Test func svgPanelsShowEveryTitleAndHospitalAndShareOneMaximum() {
        let other = PartitionStatistics(
            classes: Self.plan.classes,
            hospitals: [Self.hospital("h07", [24, 0, 0]), Self.hospital("h09", [0, 2, 2])],
            globalTest: 0, meanJensenShannon: 0)
        let svg = Heatmap.svg(panels: [
            (title: "iid", statistics: Self.plan), (title: "dirichlet a=0.1", statistics: other),
        ])
        for text in [">iid<", ">dirichlet a=0.1<", ">h00<", ">h01<", ">h07<", ">h09<"] { #expect(svg.contains(text)) }
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 1 + 6 + 6)
        #expect(svg.components(separatedBy: "<g ").count - 1 == 2)
        // Alone, the first plan's 12 is its darkest cell; beside the second plan's 24 it is not, and 24 is
        // the only darkest cell of the two panels.
        func cells(_ svg: String, shadedAs value: Double, of largest: Double) -> Int {
            let rgb = Self.expectedColour(value, largest: largest)
            return svg.components(separatedBy: "fill=\"rgb(\(rgb[0]),\(rgb[1]),\(rgb[2]))\"").count - 1
        }
        #expect(cells(Heatmap.svg(Self.plan), shadedAs: 12, of: 12) == 1)
        #expect(cells(svg, shadedAs: 24, of: 24) == 1)
    }

    @Test func pngRoundTripsWithTheRampColoursAndTheNumbersInTheCells() throws {
        let png = try Heatmap.png(Self.plan, scale: .counts, title: "iid seed 1")
        let picture = try Picture(png)
        let layout = Heatmap.RasterLayout(
            Heatmap.panels([(title: "iid seed 1", statistics: Self.plan)], scale: .counts))
        #expect(picture.width == layout.width && picture.height == layout.height)
        #expect(picture.rgb(0, 0) == [255, 255, 255])

        // The top middle of each cell, above its number, has the ramp's colour for its count.
        for (r, row) in Self.plan.hospitals.enumerated() {
            for (c, count) in row.classCounts.enumerated() {
                let box = layout.cell(panel: 0, row: r, column: c)
                #expect(
                    picture.rgb(box.x + box.width / 2, box.y + 3) == Self.expectedColour(Double(count), largest: 12))
            }
        }
        let zero = layout.cell(panel: 0, row: 0, column: 1)
        #expect(picture.rgb(zero.x + zero.width / 2, zero.y + 3) == [255, 255, 255])

        // A light cell's number is black: exactly the glyph's pixels, each a 2×2 square.
        let isBlack: ([Int]) -> Bool = { $0 == [0, 0, 0] }
        #expect(picture.count(layout.cell(panel: 0, row: 1, column: 0), where: isBlack) == 4 * Self.setPixels("1"))
        #expect(picture.count(layout.cell(panel: 0, row: 0, column: 2), where: isBlack) == 4 * Self.setPixels("3"))
        // The darkest cell (12, shade 1) has its number in white, and no black.
        let darkest = layout.cell(panel: 0, row: 0, column: 0)
        #expect(picture.count(darkest, where: { $0 == [255, 255, 255] }) == 4 * Self.setPixels("12"))
        #expect(picture.count(darkest, where: isBlack) == 0)
        // Labels and the title are drawn too: black pixels left of the grid and above it.
        let leftBand = (x: 0, y: layout.gridTop, width: layout.gridLeft[0], height: picture.height - layout.gridTop)
        #expect(picture.count(leftBand, where: isBlack) == 4 * Self.setPixels("h00h01"))
        let topBand = (x: 0, y: 0, width: picture.width, height: layout.gridTop)
        #expect(picture.count(topBand, where: isBlack) == 4 * Self.setPixels("iid seed 1benignmalignantnormal"))
    }

    @Test func pngInPercentShadesByEachHospitalsShare() throws {
        let picture = try Picture(try Heatmap.png(Self.plan, scale: .percent))
        let layout = Heatmap.RasterLayout(Heatmap.panels([(title: "", statistics: Self.plan)], scale: .percent))
        // h00 is 12/15 = 80 % benign, the largest share; h01 is 8/15 malignant and 6/15 normal.
        for (r, c, percent) in [(0, 0, 80.0), (1, 1, 800.0 / 15), (1, 2, 600.0 / 15)] {
            let box = layout.cell(panel: 0, row: r, column: c)
            #expect(picture.rgb(box.x + box.width / 2, box.y + 3) == Self.expectedColour(percent, largest: 80))
        }
        // 53 % is above 0.55 of 80 %, so its text is white; 40 % is not.
        let fiftyThree = layout.cell(panel: 0, row: 1, column: 1)
        let forty = layout.cell(panel: 0, row: 1, column: 2)
        #expect(picture.count(fiftyThree, where: { $0 == [255, 255, 255] }) == 4 * Self.setPixels("53"))
        #expect(picture.count(forty, where: { $0 == [0, 0, 0] }) == 4 * Self.setPixels("40"))
    }

    @Test func pngPanelsStandSideBySideWithASharedMaximum() throws {
        let doubled = PartitionStatistics(
            classes: Self.plan.classes,
            hospitals: Self.plan.hospitals.map { Self.hospital($0.id, $0.classCounts.map { 2 * $0 }) },
            globalTest: 0, meanJensenShannon: 0)
        let single = try Picture(try Heatmap.png(Self.plan, title: "iid"))
        let plans = [(title: "iid", statistics: Self.plan), (title: "iid x2", statistics: doubled)]
        let both = try Picture(try Heatmap.png(panels: plans))
        // One more panel of the same size: wider by about a panel (the single picture less its margins,
        // plus the space between panels), and no taller.
        #expect(both.height == single.height)
        #expect(both.width - single.width > single.width * 3 / 4 && both.width - single.width < single.width * 5 / 4)

        // With the doubled plan's 24 as the shared maximum, the first panel's 12 is half shaded and the
        // second panel's 24 is the darkest.
        let layout = Heatmap.RasterLayout(Heatmap.panels(plans, scale: .counts))
        let first = layout.cell(panel: 0, row: 0, column: 0)
        let second = layout.cell(panel: 1, row: 0, column: 0)
        #expect(second.x > first.x + single.width / 2)
        #expect(both.rgb(first.x + first.width / 2, first.y + 3) == Self.expectedColour(12, largest: 24))
        #expect(both.rgb(second.x + second.width / 2, second.y + 3) == Self.expectedColour(24, largest: 24))
    }
}
