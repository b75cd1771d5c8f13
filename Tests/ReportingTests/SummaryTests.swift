import Testing

import Reporting

@Suite struct SummaryTests {
    /// [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, sample variance 5/3.
    @Test func byHand() throws {
        let (mean, std) = Summary.meanStd([1, 2, 3, 4])
        #expect(mean == 2.5)
        #expect(abs(try #require(std) - (5.0 / 3).squareRoot()) < 1e-15)
        let one = Summary.meanStd([0.7])
        #expect(one.mean == 0.7 && one.std == nil)
        let empty = Summary.meanStd([])
        #expect(empty.mean == nil && empty.std == nil)
    }

    @Test func nonFiniteValuesAreLeftOut() throws {
        let (mean, std) = Summary.meanStd([1, .nan, 2, .infinity, 3, 4, -.infinity])
        #expect(mean == 2.5)
        #expect(abs(try #require(std) - (5.0 / 3).squareRoot()) < 1e-15)
        let onlyNaN = Summary.meanStd([.nan, .nan])
        #expect(onlyNaN.mean == nil && onlyNaN.std == nil)
        let oneFinite = Summary.meanStd([.nan, 5])
        #expect(oneFinite.mean == 5 && oneFinite.std == nil)
    }

    /// Large values close together: a one-pass Σx² − n·mean² formula loses every digit here.
    @Test func accurateOnLargeCloseValues() throws {
        let (mean, std) = Summary.meanStd([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4])
        #expect(mean == 1e9 + 2.5)
        #expect(abs(try #require(std) - (5.0 / 3).squareRoot()) < 1e-6)
    }
}
