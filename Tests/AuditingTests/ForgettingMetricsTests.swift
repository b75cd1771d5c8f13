#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

import Auditing

/// Output KL, weight distance, resurfacing rate and peak, and relearn time against values worked out by hand.
@Suite struct ForgettingMetricsTests {
    /// Sample 1: p_R = [½, ½], p_U = [¼, ¾]: ½ ln(½/¼) + ½ ln(½/¾) = ½ ln 2 + ½ ln(2/3) = ½ ln(4/3).
    /// Sample 2: identical rows, 0. Mean: ¼ ln(4/3). Sample p_R = [1, 0] against p_U = [½, ½]: ln 2 (the
    /// p_R = 0 class adds nothing); against p_U = [0, 1]: the clamp makes it ln(1/1e-12), not +∞.
    @Test func meanKLDivergenceByHand() {
        let kl = ForgettingMetrics.meanKLDivergence(retrained: [0.5, 0.5, 0.2, 0.8], unlearned: [0.25, 0.75, 0.2, 0.8],
                                                    classes: 2)
        #expect(isClose(kl!, 0.25 * log(4.0 / 3)))
        let halves = ForgettingMetrics.meanKLDivergence(retrained: [1, 0], unlearned: [0.5, 0.5], classes: 2)
        #expect(isClose(halves!, log(2.0)))
        let ruledOut = ForgettingMetrics.meanKLDivergence(retrained: [1, 0], unlearned: [0, 1], classes: 2)
        #expect(isClose(ruledOut!, -log(1e-12)))
        #expect(ForgettingMetrics.meanKLDivergence(retrained: [], unlearned: [], classes: 3) == nil)
    }

    /// ‖[1, 2, 3] − [1, 0, 0]‖₂ = √(0 + 4 + 9) = √13.
    @Test func weightDistanceByHand() {
        #expect(ForgettingMetrics.weightDistance([1, 2, 3], [1, 0, 0]) == 13.0.squareRoot())
        #expect(ForgettingMetrics.weightDistance([0.5], [0.5]) == 0)
    }

    /// Original 0.9, right after unlearning 0.3, then 0.5, 0.7, 0.4 over H = 3 rounds. RR_3 =
    /// (0.4 − 0.3)/(0.9 − 0.3) = 1/6; the peak (0.7 − 0.3)/0.6 = 2/3 is what the end value hides. A curve
    /// that only falls resurfaces 0. When unlearning barely moved the accuracy (a_O = a_0 = 0.3) the
    /// denominator is ε = 0.01: a rise of 0.005 gives ½.
    @Test func resurfacingRateAndPeakByHand() {
        #expect(isClose(ForgettingMetrics.resurfacingRate(original: 0.9, start: 0.3, end: 0.4), 1.0 / 6))
        #expect(isClose(ForgettingMetrics.peakResurfacing(curve: [0.3, 0.5, 0.7, 0.4], original: 0.9)!, 2.0 / 3))
        #expect(ForgettingMetrics.resurfacingRate(original: 0.9, start: 0.3, end: 0.2) == 0)
        #expect(ForgettingMetrics.peakResurfacing(curve: [0.3, 0.25, 0.1], original: 0.9) == 0)
        #expect(isClose(ForgettingMetrics.resurfacingRate(original: 0.3, start: 0.3, end: 0.305), 0.5, within: 1e-9))
        #expect(isClose(ForgettingMetrics.resurfacingRate(original: 0.3, start: 0.3, end: 0.305, epsilon: 0.1), 0.05,
                        within: 1e-9))
        #expect(ForgettingMetrics.peakResurfacing(curve: [], original: 0.9) == nil)
    }

    /// Original 0.9; after t fine-tuning steps 0.3, 0.6, 0.89, 0.9, 0.95: back to 0.9 at t = 3, to 90% of it
    /// (0.81) at t = 2; a curve that never gets there has no relearn time; one already there has 0.
    @Test func relearnTimeByHand() {
        let curve = [0.3, 0.6, 0.89, 0.9, 0.95]
        #expect(ForgettingMetrics.relearnTime(accuracies: curve, original: 0.9) == 3)
        #expect(ForgettingMetrics.relearnTime(accuracies: curve, original: 0.9, fraction: 0.9) == 2)
        #expect(ForgettingMetrics.relearnTime(accuracies: [0.3, 0.5, 0.7], original: 0.9) == nil)
        #expect(ForgettingMetrics.relearnTime(accuracies: [0.92, 0.5], original: 0.9) == 0)
    }
}
