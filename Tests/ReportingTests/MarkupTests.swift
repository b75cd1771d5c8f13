import Testing

@testable import Reporting

@Suite struct MarkupTests {
    @Test func escapesAllFive() {
        #expect(Markup.escape("a & b < c > d \"e\" 'f'") == "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;")
        #expect(Markup.escape("tab\tline\n\u{0}x") == "tab\tline\n\u{FFFD}x")
        #expect(Markup.escape("µ ± ∞ 🙂") == "µ ± ∞ 🙂")
    }

    @Test func svgNumbersHaveAtMostTwoDecimals() {
        #expect(svgNumber(64) == "64")
        #expect(svgNumber(36.5) == "36.5")
        #expect(svgNumber(0.254) == "0.25")
        #expect(svgNumber(0.255001) == "0.26")
        #expect(svgNumber(-3.04) == "-3.04")
        #expect(svgNumber(-0.001) == "0")
        #expect(svgNumber(1e300) == "1000000")
        #expect(svgNumber(.nan) == "0")
    }
}
