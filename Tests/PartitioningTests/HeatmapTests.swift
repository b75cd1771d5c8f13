import Foundation
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
}
