import Seeding
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import NeuralEngine

/// FedOSD's bounded unlearning cross-entropy against a hand-worked example, finite differences and its bound.
@Suite struct BoundedForgetLossTests {
    /// Logits z = (0, 0, ln 2): e^z = (1, 1, 2), p = (1/4, 1/4, 1/2).
    ///
    /// Label 2: p_y = 1/2, l = −log(1 − 1/4) = log 4/3. The factor p_y/(2 − p_y) = (1/2)/(3/2) = 1/3, so
    /// ∂l/∂z = 1/3·(0 − 1/4, 0 − 1/4, 1 − 1/2) = (−1/12, −1/12, 1/6) (sums to 0, as any softmax gradient).
    ///
    /// Label 0: p_y = 1/4, l = −log(1 − 1/8) = log 8/7; factor (1/4)/(7/4) = 1/7, so
    /// ∂l/∂z = 1/7·(1 − 1/4, −1/4, −1/2) = (3/28, −1/28, −1/14).
    @Test func handWorkedExample() {
        let z: [Float] = [0, 0, logf(2)]
        let loss = BoundedForgetLoss()
        let two = loss(Tensor(shape: [1, 3], values: z), labels: [2])
        #expect(abs(two.value - logf(4.0 / 3)) < 1e-6)
        for (g, expected) in zip(two.gradient.values, [-1.0 / 12, -1.0 / 12, 1.0 / 6] as [Float]) { #expect(abs(g - expected) < 1e-6) }
        let zero = loss(Tensor(shape: [1, 3], values: z), labels: [0])
        #expect(abs(zero.value - logf(8.0 / 7)) < 1e-6)
        for (g, expected) in zip(zero.gradient.values, [3.0 / 28, -1.0 / 28, -1.0 / 14] as [Float]) { #expect(abs(g - expected) < 1e-6) }
        // Both rows in one batch: the mean of the two values, each row's gradient halved.
        let both = loss(Tensor(shape: [2, 3], values: z + z), labels: [2, 0])
        #expect(abs(both.value - (logf(4.0 / 3) + logf(8.0 / 7)) / 2) < 1e-6)
        #expect(both.perSample.count == 2 && abs(both.perSample[1] - logf(8.0 / 7)) < 1e-6)
        let halves = (two.gradient.values + zero.gradient.values).map { $0 / 2 }
        for (g, expected) in zip(both.gradient.values, halves) { #expect(abs(g - expected) < 1e-7) }
    }

    @Test(arguments: [1 as Float, 3, 8])
    func gradientMatchesFiniteDifferences(scale: Float) {
        let logits = Tensor(shape: [4, 5], values: GradientCheck.random(20, seed: 33, scale: scale))
        let labels = [0, 3, 4, 1]
        // Gradients are at most 1/N = 1/4 per coordinate; truncation (h²/6 times a third derivative of order
        // 1) and Float32 rounding of a value below log 2 both stay under 1e-4.
        #expect(GradientCheck.worstLossError({ BoundedForgetLoss()($0, labels: labels) }, logits: logits) < 1e-4)
    }

    @Test func valueStaysWithinZeroAndLogTwo() {
        // p_y → 1 gives log 2, p_y → 0 gives 0; huge logits stay finite.
        let sure = BoundedForgetLoss()(Tensor(shape: [1, 3], values: [1000, 0, -1000]), labels: [0])
        #expect(abs(sure.value - logf(2)) < 1e-6)
        let wrong = BoundedForgetLoss()(Tensor(shape: [1, 3], values: [1000, 0, -1000]), labels: [2])
        #expect(wrong.value >= 0 && wrong.value < 1e-6)
        #expect(sure.gradient.values.allSatisfy { $0.isFinite } && wrong.gradient.values.allSatisfy { $0.isFinite })
        var generator = SeededGenerator(seed: 8)
        for trial in 0..<200 {
            let scale = Float([0.1, 1, 10, 100][trial % 4])
            let logits = (0..<12).map { _ in Float(generator.nextUnit() * 2 - 1) * scale }
            let labels = (0..<3).map { _ in Int(generator.next() % 4) }
            let result = BoundedForgetLoss()(Tensor(shape: [3, 4], values: logits), labels: labels)
            #expect(result.value >= 0 && result.value <= logf(2) + 1e-6, "trial \(trial): \(result.value)")
            #expect(result.perSample.allSatisfy { $0 >= 0 && $0 <= logf(2) + 1e-6 })
            // |∂L/∂z_j| ≤ p_y/(2 − p_y)/N ≤ 1/N.
            #expect(result.gradient.values.allSatisfy { abs($0) <= 1.0 / 3 + 1e-6 })
        }
    }
}
