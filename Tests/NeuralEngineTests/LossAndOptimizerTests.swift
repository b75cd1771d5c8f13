import Seeding
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import NeuralEngine

/// Losses against hand-computed values and finite differences; optimiser steps against their formulas.
@Suite struct LossAndOptimizerTests {
    @Test func crossEntropyValues() {
        // Two equal logits: loss ln 2 whatever the label; logits (0, ln 3) with label 1: p = 3/4, loss ln 4/3.
        let loss = SoftmaxCrossEntropy()(Tensor(shape: [2, 2], values: [0, 0, 0, logf(3)]), labels: [0, 1])
        #expect(abs(loss.perSample[0] - logf(2)) < 1e-6)
        #expect(abs(loss.perSample[1] - logf(4.0 / 3)) < 1e-6)
        #expect(abs(loss.value - (logf(2) + logf(4.0 / 3)) / 2) < 1e-6)
        // Huge logits stay finite (the max is subtracted before exp).
        let big = SoftmaxCrossEntropy()(Tensor(shape: [1, 3], values: [1000, 0, -1000]), labels: [1])
        #expect(abs(big.value - 1000) < 1e-3)
        // Class weights 1 and 3: (1·ln 2 + 3·ln 4/3) / 4.
        let weighted = SoftmaxCrossEntropy(classWeights: [1, 3])(Tensor(shape: [2, 2], values: [0, 0, 0, logf(3)]), labels: [0, 1])
        #expect(abs(weighted.value - (logf(2) + 3 * logf(4.0 / 3)) / 4) < 1e-6)
        // Smoothing 0.2 over 2 classes: targets (0.9, 0.1) for label 0 at p = (1/2, 1/2): loss ln 2.
        let smooth = SoftmaxCrossEntropy(labelSmoothing: 0.2)(Tensor(shape: [1, 2], values: [0, 0]), labels: [0])
        #expect(abs(smooth.value - logf(2)) < 1e-6)
    }

    /// For scoring, a diverged model's row (NaN or infinite logits) reads as uniform and finite rows are
    /// untouched; for training (the default) the NaN stays, so the divergence is seen and its update refused.
    @Test func aNonFiniteRowReadsAsUniformWhenScoringOnly() {
        let logits = Tensor(shape: [3, 4], values: [0, 0, 0, logf(5), .nan, 1, 2, 3, 1, .infinity, 0, 0])
        let logP = SoftmaxCrossEntropy.logSoftmax(logits, nonFiniteAsUniform: true)
        // Row 0: p = (1, 1, 1, 5) / 8.
        for (value, p) in zip(logP[0..<4], [1.0 / 8, 1.0 / 8, 1.0 / 8, 5.0 / 8] as [Float]) { #expect(abs(value - logf(p)) < 1e-6) }
        #expect(logP[4...].allSatisfy { abs($0 + logf(4)) < 1e-6 })
        let exact = SoftmaxCrossEntropy.logSoftmax(logits)
        #expect(Array(exact[0..<4]) == Array(logP[0..<4]) && exact[4...].contains { $0.isNaN })
        let loss = SoftmaxCrossEntropy()(Tensor(shape: [1, 4], values: [.nan, 0, 0, 0]), labels: [2])
        #expect(loss.value.isNaN && loss.gradient.values.contains { $0.isNaN })
    }

    @Test func lossGradientsMatchFiniteDifferences() {
        let logits = Tensor(shape: [4, 5], values: GradientCheck.random(20, seed: 21, scale: 3))
        let labels = [0, 3, 4, 3]
        let plain = SoftmaxCrossEntropy()
        let both = SoftmaxCrossEntropy(labelSmoothing: 0.1, classWeights: [1, 2, 0.5, 3, 1])
        #expect(GradientCheck.worstLossError({ plain($0, labels: labels) }, logits: logits) < 1e-3)
        #expect(GradientCheck.worstLossError({ both($0, labels: labels) }, logits: logits) < 1e-3)
        let targets: [Float] = (0..<20).map { $0 % 3 == 0 ? 1 : 0 }
        #expect(GradientCheck.worstLossError({ BinaryCrossEntropy()($0, targets: targets) }, logits: logits) < 1e-3)
    }

    @Test func binaryCrossEntropyValues() {
        // z = 0: each term ln 2; z = ln 3 with y = 1: −ln σ(ln 3) = ln 4/3; z = 100, y = 0: 100.
        let loss = BinaryCrossEntropy()(Tensor(shape: [1, 3], values: [0, logf(3), 100]), targets: [1, 1, 0])
        #expect(abs(loss.value - (logf(2) + logf(4.0 / 3) + 100) / 3) < 1e-4)
    }

    static func parameters(_ values: [Float], _ gradients: [Float]) -> Parameters {
        var layout = ParameterLayout()
        layout.add("w", shape: [values.count])
        var p = Parameters(layout: layout)
        p.values = values
        p.gradients = gradients
        return p
    }

    @Test func sgdStepsFollowPyTorchsFormulas() {
        // θ = 1, g = 0.5 twice, η = 0.1, μ = 0.9, λ = 0.01.
        // Step 1: d = 0.5 + 0.01 = 0.51, v = 0.51, θ = 1 − 0.051 = 0.949.
        // Step 2: d = 0.5 + 0.00949 = 0.50949, v = 0.9·0.51 + 0.50949 = 0.96849, θ = 0.949 − 0.096849 = 0.852151.
        var p = Self.parameters([1], [0.5])
        var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        sgd.step(&p)
        #expect(abs(p.values[0] - 0.949) < 1e-6)
        sgd.step(&p)
        #expect(abs(p.values[0] - 0.852151) < 1e-6)
        // Nesterov, no decay: step 1 v = 0.5, d = 0.5 + 0.45 = 0.95, θ = 1 − 0.095.
        var q = Self.parameters([1], [0.5])
        var nesterov = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        nesterov.step(&q)
        #expect(abs(q.values[0] - 0.905) < 1e-6)
    }

    @Test func adamAndAdamWFirstSteps() {
        // First Adam step: m̂ = g, v̂ = g², so θ moves by η·g/(|g| + ε) ≈ η·sign(g).
        var p = Self.parameters([1, -2], [0.3, -4])
        var adam = Adam(learningRate: 0.01)
        adam.step(&p)
        #expect(abs(p.values[0] - 0.99) < 1e-6 && abs(p.values[1] - -1.99) < 1e-6)
        // AdamW with λ = 0.1 first scales θ by 1 − 0.001: 1 → 0.999 → 0.989.
        var q = Self.parameters([1], [0.3])
        var adamW = Adam(learningRate: 0.01, weightDecay: 0.1, decoupled: true)
        adamW.step(&q)
        #expect(abs(q.values[0] - 0.989) < 1e-6)
        // Adam with L2 λ = 0.1 adds 0.1 to g: still a step of η in the sign of g + λθ.
        var r = Self.parameters([1], [0.3])
        var adamL2 = Adam(learningRate: 0.01, weightDecay: 0.1)
        adamL2.step(&r)
        #expect(abs(r.values[0] - 0.99) < 1e-6)
    }

    @Test func schedulesAndClipping() {
        #expect(abs(LearningRateSchedule.step(every: 2, gamma: 0.5).rate(base: 0.1, epoch: 5) - 0.025) < 1e-9)
        let cosine = LearningRateSchedule.cosine(epochs: 10, minimum: 0.001)
        #expect(abs(cosine.rate(base: 0.1, epoch: 0) - 0.1) < 1e-7)
        #expect(abs(cosine.rate(base: 0.1, epoch: 5) - 0.0505) < 1e-6)
        #expect(abs(cosine.rate(base: 0.1, epoch: 10) - 0.001) < 1e-7)
        var p = Self.parameters([0, 0], [3, 4])
        #expect(p.clipGradientNorm(1) == 5)
        #expect(abs(p.gradientNorm - 1) < 1e-5)
        #expect(p.clipGradientNorm(10) < 1.0001)
    }
}
