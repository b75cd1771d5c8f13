import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import NeuralEngine

/// KL(uniform ‖ softmax) against a hand-worked example, finite differences, and its non-vanishing gradient.
@Suite struct UniformKLLossTests {
    /// Logits z = (0, 0, ln 2): p = (1/4, 1/4, 1/2), K = 3.
    ///
    /// l = −log 3 − (1/3)(log ¼ + log ¼ + log ½) = −log 3 + (1/3)(5 log 2) = (5/3) log 2 − log 3 ≈ 0.05663.
    /// ∂l/∂z = p − 1/3 = (−1/12, −1/12, 1/6).
    @Test func handWorkedExample() {
        let z: [Float] = [0, 0, logf(2)]
        let result = UniformKLLoss()(Tensor(shape: [1, 3], values: z))
        #expect(abs(result.value - (5.0 / 3 * logf(2) - logf(3))) < 1e-6)
        for (g, expected) in zip(result.gradient.values, [-1.0 / 12, -1.0 / 12, 1.0 / 6] as [Float]) { #expect(abs(g - expected) < 1e-6) }
        // A uniform prediction is the minimum: loss 0, gradient 0.
        let flat = UniformKLLoss()(Tensor(shape: [2, 4], values: [Float](repeating: 7, count: 8)))
        #expect(abs(flat.value) < 1e-6 && flat.gradient.values.allSatisfy { abs($0) < 1e-7 })
    }

    @Test(arguments: [1 as Float, 3, 8])
    func gradientMatchesFiniteDifferences(scale: Float) {
        let logits = Tensor(shape: [4, 5], values: GradientCheck.random(20, seed: 41, scale: scale))
        #expect(GradientCheck.worstLossError({ UniformKLLoss()($0) }, logits: logits) < 1e-3)
    }

    @Test func theGradientDoesNotVanishOnASaturatedSample() {
        // p_y ≈ 1 − 2e−9: the bounded loss's gradient on z_y is about 1e-9, this one's (1 − 1/K) = 2/3.
        let z: [Float] = [20, 0, 0]
        let kl = UniformKLLoss()(Tensor(shape: [1, 3], values: z))
        #expect(abs(kl.gradient.values[0] - 2.0 / 3) < 1e-6)
        let bounded = BoundedForgetLoss()(Tensor(shape: [1, 3], values: z), labels: [0])
        #expect(bounded.gradient.values[0] < 1e-8)
        #expect(kl.value.isFinite && kl.value > 0)
    }
}

/// KL(q ‖ softmax) toward given targets: a hand-worked value, the uniform case, finite differences.
@Suite struct SoftTargetKLLossTests {
    /// z = (0, 0, ln 2): p = (¼, ¼, ½); q = (½, 0, ½): l = ½(log ½ − log ¼) + ½(log ½ − log ½) = ½ log 2.
    /// ∂l/∂z = p − q = (−¼, ¼, 0).
    @Test func handWorkedExample() {
        let result = SoftTargetKLLoss()(Tensor(shape: [1, 3], values: [0, 0, logf(2)]), targets: [0.5, 0, 0.5])
        #expect(abs(result.value - 0.5 * logf(2)) < 1e-6 && abs(result.perSample[0] - 0.5 * logf(2)) < 1e-6)
        for (g, expected) in zip(result.gradient.values, [-0.25, 0.25, 0] as [Float]) { #expect(abs(g - expected) < 1e-6) }
        // Matching the targets exactly is the minimum: loss 0, gradient 0.
        let exact = SoftTargetKLLoss()(Tensor(shape: [1, 3], values: [0, 0, logf(2)]), targets: [0.25, 0.25, 0.5])
        #expect(abs(exact.value) < 1e-6 && exact.gradient.values.allSatisfy { abs($0) < 1e-7 })
    }

    @Test func uniformTargetsAreTheUniformKL() {
        let logits = Tensor(shape: [3, 4], values: GradientCheck.random(12, seed: 5, scale: 3))
        let soft = SoftTargetKLLoss()(logits, targets: [Float](repeating: 0.25, count: 12))
        let uniform = UniformKLLoss()(logits)
        #expect(abs(soft.value - uniform.value) < 1e-5)
        for (a, b) in zip(soft.gradient.values, uniform.gradient.values) { #expect(abs(a - b) < 1e-7) }
    }

    @Test func gradientMatchesFiniteDifferences() {
        let logits = Tensor(shape: [4, 5], values: GradientCheck.random(20, seed: 43, scale: 3))
        // Each row a distribution: softmax of other random numbers.
        let raw = GradientCheck.random(20, seed: 44, scale: 2)
        var targets: [Float] = []
        for row in 0..<4 {
            let e = raw[row * 5..<(row + 1) * 5].map { expf($0) }
            let sum = e.reduce(0, +)
            targets += e.map { $0 / sum }
        }
        #expect(GradientCheck.worstLossError({ SoftTargetKLLoss()($0, targets: targets) }, logits: logits) < 1e-3)
    }
}

