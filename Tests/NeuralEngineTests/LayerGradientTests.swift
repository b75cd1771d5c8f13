import Seeding
import Testing

@testable import NeuralEngine

/// Every layer's backward against finite differences, and the convolution against a direct one.
@Suite struct LayerGradientTests {
    @Test(arguments: [(1, 0, 5, 5), (1, 1, 5, 5), (2, 1, 6, 7), (2, 0, 7, 6), (3, 2, 8, 8)])
    func convolutionGradients(stride: Int, padding: Int, height: Int, width: Int) {
        let layer = Conv2d(2, 3, kernel: 3, stride: stride, padding: padding)
        let input = Tensor(shape: [2, 2, height, width], values: GradientCheck.random(2 * 2 * height * width, seed: 1))
        let error = GradientCheck.worstError(layer: layer, input: input, parameterCount: 3 * 2 * 9 + 3, seed: 11)
        #expect(error < GradientCheck.tolerance)
    }

    @Test func convolutionWithoutBiasAndOneByOneKernel() {
        let layer = Conv2d(3, 2, kernel: 1, bias: false)
        let input = Tensor(shape: [2, 3, 4, 4], values: GradientCheck.random(96, seed: 2))
        #expect(GradientCheck.worstError(layer: layer, input: input, parameterCount: 6, seed: 12) < GradientCheck.tolerance)
    }

    @Test(arguments: [(1, 0), (1, 1), (2, 1), (2, 0)])
    func convolutionMatchesTheDirectSum(stride: Int, padding: Int) {
        // y[n, o, p, q] = b[o] + Σ_c Σ_i Σ_j w[o, c, i, j] · x[n, c, pS − D + i, qS − D + j] (zero outside).
        let (n, c, o, k, h, w) = (2, 3, 4, 3, 7, 6)
        let layer = Conv2d(c, o, kernel: k, stride: stride, padding: padding)
        var layout = ParameterLayout()
        let shape = layer.build(inputShape: [c, h, w], prefix: "conv", layout: &layout)
        let parameters = GradientCheck.random(layout.count, seed: 3)
        let x = GradientCheck.random(n * c * h * w, seed: 4)
        var context = ForwardContext(training: false)
        let y = parameters.withUnsafeBufferPointer { layer.forward(Tensor(shape: [n, c, h, w], values: x), $0, &context) }
        #expect(y.shape == [n] + shape)
        let (p, q) = (shape[1], shape[2])
        var worst: Double = 0
        for item in 0..<n {
            for oc in 0..<o {
                for py in 0..<p {
                    for qx in 0..<q {
                        var sum = Double(parameters[o * c * k * k + oc])
                        for ic in 0..<c {
                            for i in 0..<k {
                                for j in 0..<k {
                                    let (yy, xx) = (py * stride - padding + i, qx * stride - padding + j)
                                    guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                    sum += Double(parameters[((oc * c + ic) * k + i) * k + j]) * Double(x[((item * c + ic) * h + yy) * w + xx])
                                }
                            }
                        }
                        worst = max(worst, abs(sum - Double(y.values[((item * o + oc) * p + py) * q + qx])))
                    }
                }
            }
        }
        #expect(worst < 1e-5)
    }

    @Test func linearGradients() {
        let input = Tensor(shape: [3, 5], values: GradientCheck.random(15, seed: 5))
        #expect(GradientCheck.worstError(layer: Linear(5, 4), input: input, parameterCount: 24, seed: 13) < GradientCheck.tolerance)
    }

    @Test func reluGradientsAwayFromTheKink() {
        // Inputs at least 0.05 from zero, so ±h never crosses the kink.
        let values = GradientCheck.random(40, seed: 6).map { $0 < 0 ? min($0, -0.05) : max($0, 0.05) }
        let input = Tensor(shape: [2, 2, 2, 5], values: values)
        #expect(GradientCheck.worstError(layer: ReLU(), input: input, parameterCount: 0, seed: 14) < GradientCheck.tolerance)
    }

    @Test func maxPoolGradientsWithDistinctValues() {
        // A shuffled ramp with steps of 0.05: every window has one clear maximum, ±h changes no winner.
        var generator = SeededGenerator(seed: 7)
        let values = (0..<(2 * 3 * 6 * 6)).map { Float($0) * 0.05 }.shuffled(using: &generator)
        let input = Tensor(shape: [2, 3, 6, 6], values: values)
        #expect(GradientCheck.worstError(layer: MaxPool2d(2), input: input, parameterCount: 0, seed: 15) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: MaxPool2d(3, stride: 1), input: input, parameterCount: 0, seed: 16) < GradientCheck.tolerance)
    }

    @Test func poolingFlattenAndDropoutGradients() {
        let input = Tensor(shape: [2, 3, 4, 4], values: GradientCheck.random(96, seed: 8))
        #expect(GradientCheck.worstError(layer: GlobalAveragePool(), input: input, parameterCount: 0, seed: 17) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: AvgPool2d(2), input: input, parameterCount: 0, seed: 20) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: AvgPool2d(3, stride: 1), input: input, parameterCount: 0, seed: 21) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: Flatten(), input: input, parameterCount: 0, seed: 18) < GradientCheck.tolerance)
        // The same generator seed in every forward of the check, so the mask is fixed.
        #expect(GradientCheck.worstError(layer: Dropout(0.3), input: input, parameterCount: 0, seed: 19) < GradientCheck.tolerance)
    }

    @Test func maxPoolAndAveragePoolValues() {
        // One 4×4 plane 0…15: 2×2 max pool gives 5, 7, 13, 15; the average is 7.5.
        let x = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init))
        var context = ForwardContext(training: false)
        let none = UnsafeBufferPointer<Float>(start: nil, count: 0)
        #expect(MaxPool2d(2).forward(x, none, &context).values == [5, 7, 13, 15])
        #expect(GlobalAveragePool().forward(x, none, &context).values == [7.5])
        // 2×2 average pool: (0+1+4+5)/4 = 2.5, 4.5, 10.5, 12.5.
        #expect(AvgPool2d(2).forward(x, none, &context).values == [2.5, 4.5, 10.5, 12.5])
    }
}

/// Normalisation layers and residual blocks against finite differences and hand-computed values.
@Suite struct NormalizationTests {
    @Test func batchAndGroupNormGradients() {
        let input = Tensor(shape: [3, 4, 3, 3], values: GradientCheck.random(108, seed: 31, scale: 2))
        #expect(GradientCheck.worstError(layer: BatchNorm2d(4), input: input, parameterCount: 8, seed: 32) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: GroupNorm(groups: 2, channels: 4), input: input, parameterCount: 8, seed: 33) < GradientCheck.tolerance)
        #expect(GradientCheck.worstError(layer: GroupNorm(groups: 4, channels: 4), input: input, parameterCount: 8, seed: 34) < GradientCheck.tolerance)
    }

    @Test(arguments: [(4, 4, 1), (4, 6, 2), (3, 6, 1)])
    func residualBlockGradients(inChannels: Int, outChannels: Int, stride: Int) {
        let block = ResidualBlock(inChannels, outChannels, stride: stride, groups: 2)
        let input = Tensor(shape: [2, inChannels, 5, 5], values: GradientCheck.random(2 * inChannels * 25, seed: 35))
        var layout = ParameterLayout()
        _ = block.build(inputShape: [inChannels, 5, 5], prefix: "b", layout: &layout)
        let downsample = stride != 1 || inChannels != outChannels
        // conv1 O·C·9 + conv2 O·O·9 + two GroupNorms 2·2·O, plus conv1×1 O·C and a GroupNorm 2·O when downsampling.
        let expected = outChannels * inChannels * 9 + outChannels * outChannels * 9 + 4 * outChannels
            + (downsample ? outChannels * inChannels + 2 * outChannels : 0)
        #expect(layout.count == expected)
        // Every GroupNorm gets γ = 0.5 and β = ±3 (the same sign per channel on both paths): with |x̂| below
        // about 2.5, every ReLU input stays more than 0.5 from zero, so no finite-difference step crosses
        // a kink, and half the channels exercise the ReLU's zero branch.
        let error = GradientCheck.worstError(layer: block, input: input, parameterCount: expected, seed: 36) { layout, values in
            for entry in layout.entries where entry.name.contains("gn") || entry.name.hasSuffix("downsample.1.weight") || entry.name.hasSuffix("downsample.1.bias") {
                for (c, i) in entry.range.enumerated() { values[i] = entry.name.hasSuffix("weight") ? 0.5 : (c % 2 == 0 ? 3 : -3) }
            }
        }
        #expect(error < GradientCheck.tolerance)
    }

    @Test func batchNormKeepsRunningStatisticsAndUsesThemInEvaluation() {
        // One channel, values 1…4: batch mean 2.5, biased variance 1.25, unbiased 5/3.
        let layer = BatchNorm2d(1)
        var layout = ParameterLayout(), bufferLayout = ParameterLayout()
        _ = layer.build(inputShape: [1, 2, 2], prefix: "bn", layout: &layout)
        layer.buildBuffers(prefix: "bn", layout: &bufferLayout)
        #expect(bufferLayout.entries.map(\.name) == ["bn.running_mean", "bn.running_var"])
        var parameters = [Float](repeating: 0, count: 2)
        var generator = SeededGenerator(seed: 0)
        parameters.withUnsafeMutableBufferPointer { layer.initialize($0, generator: &generator) }
        var buffers = [Float](repeating: 0, count: 2)
        buffers.withUnsafeMutableBufferPointer { layer.initializeBuffers($0) }
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        var training = ForwardContext(training: true)
        let y = buffers.withUnsafeMutableBufferPointer { b in
            training.buffers = b
            return parameters.withUnsafeBufferPointer { layer.forward(x, $0, &training) }
        }
        let s = 1 / (1.25 + 1e-5 as Float).squareRoot()
        #expect(zip(y.values, [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s]).allSatisfy { abs($0 - $1) < 1e-6 })
        // Running mean 0.9·0 + 0.1·2.5, running variance 0.9·1 + 0.1·5/3.
        #expect(abs(buffers[0] - 0.25) < 1e-6 && abs(buffers[1] - (0.9 + 0.5 / 3)) < 1e-6)
        var evaluation = ForwardContext(training: false)
        let z = buffers.withUnsafeMutableBufferPointer { b in
            evaluation.buffers = b
            return parameters.withUnsafeBufferPointer { layer.forward(x, $0, &evaluation) }
        }
        let t = 1 / (buffers[1] + 1e-5).squareRoot()
        #expect(abs(z.values[3] - (4 - 0.25) * t) < 1e-5)
    }
}
