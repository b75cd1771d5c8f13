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
    }
}
