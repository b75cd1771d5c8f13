import Testing

@testable import Reporting

@Suite struct NumberFormatTests {
    @Test func fixedByHand() {
        #expect(NumberFormat.fixed(0.5, decimals: 3) == "0.500")
        #expect(NumberFormat.fixed(0.0005, decimals: 3) == "0.001")  // half away from zero
        #expect(NumberFormat.fixed(-0.0005, decimals: 3) == "-0.001")
        #expect(NumberFormat.fixed(0.0004, decimals: 3) == "0.000")
        #expect(NumberFormat.fixed(-0.0004, decimals: 3) == "0.000")  // no negative zero
        #expect(NumberFormat.fixed(-0.0, decimals: 2) == "0.00")
        #expect(NumberFormat.fixed(12345.678, decimals: 2) == "12345.68")
        #expect(NumberFormat.fixed(2.675, decimals: 2) == "2.68")  // the decimal as printed, not 2.67499…
        #expect(NumberFormat.fixed(0.125, decimals: 2) == "0.13")
        #expect(NumberFormat.fixed(9.9996, decimals: 3) == "10.000")  // carry through every digit
        #expect(NumberFormat.fixed(999.5, decimals: 0) == "1000")
        #expect(NumberFormat.fixed(0.5, decimals: 0) == "1")
        #expect(NumberFormat.fixed(0.49, decimals: 0) == "0")
        #expect(NumberFormat.fixed(-2.5, decimals: 0) == "-3")
        #expect(NumberFormat.fixed(3, decimals: -1) == "3")
        #expect(NumberFormat.fixed(1e-7, decimals: 3) == "0.000")
        #expect(NumberFormat.fixed(1.5e-7, decimals: 7) == "0.0000002")
        #expect(NumberFormat.fixed(1e20, decimals: 1) == "100000000000000000000.0")
        #expect(NumberFormat.fixed(123456789.125, decimals: 2) == "123456789.13")
        #expect(NumberFormat.fixed(.nan, decimals: 3) == "–")
        #expect(NumberFormat.fixed(.infinity, decimals: 3) == "∞")
        #expect(NumberFormat.fixed(-.infinity, decimals: 3) == "−∞")
    }

    @Test func meanStd() {
        #expect(NumberFormat.meanStd(0.51234, 0.0126, decimals: 3) == "0.512 ± 0.013")
        #expect(NumberFormat.meanStd(0.51234, nil, decimals: 2) == "0.51")
        #expect(NumberFormat.meanStd(.nan, nil, decimals: 2) == "–")
    }

    @Test func ticksByHand() {
        #expect(NumberFormat.tick(0) == "0")
        #expect(NumberFormat.tick(-0.0) == "0")
        #expect(NumberFormat.tick(0.001) == "0.001")
        #expect(NumberFormat.tick(0.5) == "0.5")
        #expect(NumberFormat.tick(10) == "10")
        #expect(NumberFormat.tick(2500) == "2500")
        #expect(NumberFormat.tick(-1.5) == "-1.5")
        #expect(NumberFormat.tick(0.1 + 0.2) == "0.3")
        #expect(NumberFormat.tick(3 * 0.2) == "0.6")
        #expect(NumberFormat.tick(1e-4) == "0.0001")
        #expect(NumberFormat.tick(1e-5) == "1e-05")
        #expect(NumberFormat.tick(2.5e-7) == "2.5e-07")
        #expect(NumberFormat.tick(999_999) == "999999")
        #expect(NumberFormat.tick(1e6) == "1e+06")
        #expect(NumberFormat.tick(-2.5e6) == "-2.5e+06")
        #expect(NumberFormat.tick(1e100) == "1e+100")
        #expect(NumberFormat.tick(.nan) == "–")
    }

    @Test func decimalDigitsReadTheShortestForm() {
        #expect(DecimalDigits(12345.678) == DecimalDigits(digits: [1, 2, 3, 4, 5, 6, 7, 8], point: 5))
        #expect(DecimalDigits(0.0005) == DecimalDigits(digits: [5], point: -3))
        #expect(DecimalDigits(1.5e20) == DecimalDigits(digits: [1, 5], point: 21))
        #expect(DecimalDigits(0).isZero)
    }
}
