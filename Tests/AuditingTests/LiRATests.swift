#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

import Auditing

/// log N(x; μ, σ²) written out in plain Double arithmetic: the test's own formula.
private func normalLogPDF(_ x: Double, mean: Double, variance: Double) -> Double {
    -0.5 * log(2 * Double.pi * variance) - (x - mean) * (x - mean) / (2 * variance)
}

/// LiRA's φ, Gaussian fits and online/offline scores against direct computations, high-precision
/// reference values (mpmath, 40 digits, computed once) and the orientation "higher = member".
@Suite struct LiRATests {
    /// IN φ's [2, 2.5, 3]: μ_in = 2.5, σ_in² = (¼ + 0 + ¼)/3 = 1/6. OUT φ's [0, 1]: μ_out = ½, σ_out² = ¼.
    /// φ_obs = 2.2.
    @Test func onlineScoreIsTheGaussianLogLikelihoodRatio() {
        let inside = GaussianFit(fitting: [2, 2.5, 3]), outside = GaussianFit(fitting: [0, 1])
        #expect(isClose(inside.mean, 2.5) && isClose(inside.standardDeviation, (1.0 / 6).squareRoot()))
        #expect(outside.mean == 0.5 && outside.standardDeviation == 0.5)
        let expected = normalLogPDF(2.2, mean: 2.5, variance: 1.0 / 6) - normalLogPDF(2.2, mean: 0.5, variance: 0.25)
        #expect(isClose(LiRA.onlineScore(observed: 2.2, in: inside, out: outside), expected))
        let batch = LiRA.onlineScores(observed: [2.2], inObservations: [[2, 2.5, 3]], outObservations: [[0, 1]])
        #expect(isClose(batch, [expected]))
    }

    /// z = (2.2 − ½)/½ = 3.4. mpmath: Φ(3.4) = 0.99966307073432311895…, −log(1 − Φ(3.4)) = 7.99563754377665304…
    /// Also Φ(1) = 0.84134474606854294859 and Φ(−2) = 0.02275013194817920720 on N(0, 1).
    @Test func offlineScoreIsTheOneSidedNormalCDF() {
        let outside = GaussianFit(fitting: [0, 1])
        #expect(isClose(LiRA.offlineScore(observed: 2.2, out: outside), 0.99966307073432311895, within: 1e-15))
        #expect(isClose(LiRA.offlineLogSurvivalScore(observed: 2.2, out: outside), 7.99563754377665304, within: 1e-12))
        let standard = GaussianFit(mean: 0, standardDeviation: 1)
        #expect(isClose(LiRA.offlineScore(observed: 1, out: standard), 0.84134474606854294859, within: 1e-15))
        #expect(isClose(LiRA.offlineScore(observed: -2, out: standard), 0.02275013194817920720, within: 1e-16))
        #expect(LiRA.offlineScore(observed: 0, out: standard) == 0.5)
        let batch = LiRA.offlineScores(observed: [2.2], outObservations: [[0, 1]], form: .probability)
        #expect(isClose(batch, [0.99966307073432311895], within: 1e-15))
    }

    /// Where Φ(z) has rounded to 1 the log-survival form still orders the samples. mpmath: −log Q(9) =
    /// 43.628149113332115497, −log Q(29.99) = 454.02096130446809840, −log Q(30) = 454.32124395634319711
    /// (the last through erfc), −log Q(30.01) = 454.62162649784113859, −log Q(30.5) = 469.46273732291211439
    /// and −log Q(40) = 804.60844201375378817 (through the asymptotic expansion).
    @Test func logSurvivalFormKeepsResolvingWhereTheCDFSaturates() {
        let standard = GaussianFit(mean: 0, standardDeviation: 1)
        #expect(LiRA.offlineScore(observed: 9, out: standard) == 1)
        #expect(LiRA.offlineScore(observed: 40, out: standard) == 1)
        let references: [(Double, Double)] = [
            (9, 43.628149113332115497), (29.99, 454.02096130446809840), (30, 454.32124395634319711),
            (30.01, 454.62162649784113859), (30.5, 469.46273732291211439), (40, 804.60844201375378817),
        ]
        for (z, expected) in references {
            let score = LiRA.offlineLogSurvivalScore(observed: z, out: standard)
            #expect(abs(score - expected) <= 1e-12 * expected, "z = \(z)")
        }
        let scores = references.map { LiRA.offlineLogSurvivalScore(observed: $0.0, out: standard) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// With μ_in > μ_out and one variance for IN and OUT (the fixed-variance option), a larger φ_obs is more
    /// member-like online and offline; the offline score is increasing for any OUT fit.
    @Test func largerPhiIsMoreMemberLike() {
        let observed = stride(from: -5.0, through: 12, by: 0.5).map { $0 }
        let ins = Array(repeating: [3.0, 4.0, 5.0], count: observed.count)
        let outs = Array(repeating: [-1.0, 0.0, 1.0], count: observed.count)
        let online = LiRA.onlineScores(observed: observed, inObservations: ins, outObservations: outs,
                                       options: LiRA.Options(fixedVariance: true))
        #expect(zip(online, online.dropFirst()).allSatisfy { $0 < $1 })
        for form in LiRA.OfflineForm.allCases {
            let offline = LiRA.offlineScores(observed: observed, outObservations: outs, form: form)
            #expect(zip(offline, offline.dropFirst()).allSatisfy { $0 <= $1 })
        }
        let logSurvival = LiRA.offlineScores(observed: observed, outObservations: outs)
        #expect(zip(logSurvival, logSurvival.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// As documented: with unequal variances the online ratio is a quadratic in φ_obs. IN N(2, ½²), OUT
    /// N(0, 2²): far above both means the narrow IN density has fallen more, so φ_obs = 10 scores below 2.
    @Test func onlineScoreWithUnequalVariancesIsNotMonotone() {
        let inside = GaussianFit(mean: 2, standardDeviation: 0.5), outside = GaussianFit(mean: 0, standardDeviation: 2)
        #expect(LiRA.onlineScore(observed: 10, in: inside, out: outside)
                < LiRA.onlineScore(observed: 2, in: inside, out: outside))
    }

    /// IN φ's per example [1, 3] (mean 2, squared deviations 1 + 1) and [10, 10, 16] (mean 12: 4 + 4 + 16):
    /// pooled σ_in² = 26/5. OUT [0, ½, 1] (¼ + 0 + ¼) and [8, 9] (¼ + ¼): σ_out² = 1/5.
    @Test func fixedVariancePoolsWithinExampleSpread() {
        let ins: [[Double]] = [[1, 3], [10, 10, 16]], outs: [[Double]] = [[0, 0.5, 1], [8, 9]]
        #expect(isClose(LiRA.pooledStandardDeviation(ins)!, 5.2.squareRoot()))
        #expect(isClose(LiRA.pooledStandardDeviation(outs)!, 0.2.squareRoot()))
        #expect(LiRA.pooledStandardDeviation([[], []]) == nil)
        let observed = [2.5, 12.0]
        let scores = LiRA.onlineScores(observed: observed, inObservations: ins, outObservations: outs,
                                       options: LiRA.Options(fixedVariance: true))
        let expected = [
            normalLogPDF(2.5, mean: 2, variance: 5.2) - normalLogPDF(2.5, mean: 0.5, variance: 0.2),
            normalLogPDF(12, mean: 12, variance: 5.2) - normalLogPDF(12, mean: 8.5, variance: 0.2),
        ]
        #expect(isClose(scores, expected, within: 1e-9))
        // Median centres (the reference code's): 2 and 10 for IN, ½ and 8.5 for OUT; σ still pooled.
        let medians = LiRA.onlineScores(observed: observed, inObservations: ins, outObservations: outs,
                                        options: LiRA.Options(centre: .median, fixedVariance: true))
        let expectedMedian = normalLogPDF(12, mean: 10, variance: 5.2) - normalLogPDF(12, mean: 8.5, variance: 0.2)
        #expect(isClose(medians[1], expectedMedian, within: 1e-9))
    }

    /// A single observation has σ = 0: the floor keeps the density finite.
    @Test func singleObservationUsesTheFloor() {
        let fit = GaussianFit(fitting: [1.5], minimumStandardDeviation: 0.1)
        #expect(fit.mean == 1.5 && fit.standardDeviation == 0.1)
        #expect(LiRA.onlineScore(observed: 1.6, in: fit, out: GaussianFit(fitting: [0])).isFinite)
    }

    /// φ from logits against log(p_y/(1 − p_y)) computed naively on moderate logits, and finite on extreme
    /// ones where the naive form is not. z = [2, ½, −1], y = 0: mpmath gives 2 − log(e^½ + e^−1) =
    /// 1.2985867220172475905. z = [−1000, 1000, 999], y = 0: −1000 − (1000 + log(1 + e^−1)) =
    /// −2000.3132616875182228.
    @Test func phiFromLogitsIsStable() {
        let z: [Float] = [2, 0.5, -1]
        let exps = z.map { exp(Double($0)) }
        let p0 = exps[0] / exps.reduce(0, +)
        let phi = LiRA.logitScaledConfidence(logits: z, label: 0)
        #expect(isClose(phi, log(p0 / (1 - p0))))
        #expect(isClose(phi, 1.2985867220172475905))
        for label in 0..<3 {
            let p = exps[label] / exps.reduce(0, +)
            #expect(isClose(LiRA.logitScaledConfidence(logits: z, label: label), log(p / (1 - p)), within: 1e-12))
        }

        let extreme: [Float] = [-1000, 1000, 999]
        let naive = extreme.map { exp(Double($0)) }  // e^1000 overflows to +∞, e^−1000 underflows to 0
        #expect(!(log(naive[0] / naive.reduce(0, +))).isFinite)
        #expect(isClose(LiRA.logitScaledConfidence(logits: extreme, label: 0), -2000.3132616875182228, within: 1e-9))
        #expect(LiRA.logitScaledConfidence(logits: [1000, -1000, 0], label: 0) == 1000)
        // y = 1: 1000 − (999 + log(1 + e^−1999)) = 1000 − 999.
        #expect(LiRA.logitScaledConfidence(logits: extreme, label: 1) == 1)
        #expect(LiRA.logitScaledConfidences(logits: z + extreme, labels: [0, 0], classes: 3)
                == [phi, LiRA.logitScaledConfidence(logits: extreme, label: 0)])
    }

    /// From probabilities: p = [½, ¼, ¼], y = 1 → log(¼ / ¾) = −log 3; a one-hot row hits the clamp.
    @Test func phiFromProbabilities() {
        #expect(isClose(LiRA.logitScaledConfidence(probabilities: [0.5, 0.25, 0.25] as [Float], label: 1), -log(3.0)))
        #expect(isClose(LiRA.logitScaledConfidence(probabilities: [1, 0, 0] as [Float], label: 0), -log(1e-12)))
    }
}
