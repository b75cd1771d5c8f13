import Seeding

@testable import NeuralEngine

/// Central finite differences in Float32 against the analytic backward.
///
/// The probe loss is L = Σ y ⊙ R for a fixed random R (so ∂L/∂y = R), summed in Double. For a value v
/// the numerical derivative is (L(v + h) − L(v − h)) / 2h with h = 1e-2; Float32 rounding of y (relative
/// 2⁻²⁴) over |L| of order 10 then errs by about 1e-3 in absolute terms, and layers with kinks (ReLU,
/// max pooling) are probed away from them. Tolerance: |numerical − analytic| ≤ 2e-2·max(1, |analytic|).
enum GradientCheck {
    static let step: Float = 1e-2
    static let tolerance: Float = 2e-2

    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(generator.nextUnit() * 2 - 1) * scale }
    }

    static func probe(_ y: Tensor, _ r: [Float]) -> Double {
        zip(y.values, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Worst |numerical − analytic| / max(1, |analytic|) over the input and every parameter of `layer`.
    /// `adjust` may set chosen parameters (e.g. to keep ReLU inputs away from their kink).
    static func worstError(
        layer: any Layer, input: Tensor, parameterCount: Int, seed: UInt64, adjust: (ParameterLayout, inout [Float]) -> Void = { _, _ in }
    ) -> Float {
        var layout = ParameterLayout()
        _ = layer.build(inputShape: Array(input.shape.dropFirst()), prefix: "l", layout: &layout)
        var parameters = random(layout.count, seed: seed &+ 1, scale: 0.5)
        adjust(layout, &parameters)
        precondition(layout.count == parameterCount)
        var bufferLayout = ParameterLayout()
        layer.buildBuffers(prefix: "l", layout: &bufferLayout)
        var startBuffers = [Float](repeating: 0, count: bufferLayout.count)
        startBuffers.withUnsafeMutableBufferPointer { layer.initializeBuffers($0) }
        // Every forward starts from the same state buffers and the same generator (fixed dropout masks).
        func run(_ x: Tensor, _ p: [Float]) -> Tensor {
            var context = ForwardContext(training: true, generator: SeededGenerator(seed: seed &+ 7))
            var buffers = startBuffers
            return buffers.withUnsafeMutableBufferPointer { b in
                context.buffers = b
                return p.withUnsafeBufferPointer { layer.forward(x, $0, &context) }
            }
        }
        let output = run(input, parameters)
        let r = random(output.count, seed: seed &+ 2)
        var gradients = [Float](repeating: 0, count: layout.count)
        let dx = parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in layer.backward(Tensor(shape: output.shape, values: r), p, g) }
        }
        var worst: Float = 0
        func compare(_ numerical: Double, _ analytic: Float) {
            let error = abs(Float(numerical) - analytic) / max(1, abs(analytic))
            // NaN counts as infinitely wrong (max(worst, .nan) would keep worst).
            worst = error.isNaN ? .infinity : max(worst, error)
        }
        var x = input
        for i in x.values.indices {
            let saved = x.values[i]
            x.values[i] = saved + step
            let plus = probe(run(x, parameters), r)
            x.values[i] = saved - step
            let minus = probe(run(x, parameters), r)
            x.values[i] = saved
            compare((plus - minus) / Double(2 * step), dx.values[i])
        }
        for i in parameters.indices {
            let saved = parameters[i]
            parameters[i] = saved + step
            let plus = probe(run(input, parameters), r)
            parameters[i] = saved - step
            let minus = probe(run(input, parameters), r)
            parameters[i] = saved
            compare((plus - minus) / Double(2 * step), gradients[i])
        }
        return worst
    }

    /// Worst |numerical − analytic| over the logits of a loss's gradient, by central differences with
    /// h = 1e-2 on the loss value (summed in Double); NaN counts as infinitely wrong.
    static func worstLossError(_ loss: (Tensor) -> LossResult, logits: Tensor) -> Float {
        let analytic = loss(logits).gradient.values
        var worst: Float = 0
        var z = logits
        let h: Float = 1e-2
        for i in z.values.indices {
            let saved = z.values[i]
            z.values[i] = saved + h
            let plus = Double(loss(z).value)
            z.values[i] = saved - h
            let minus = Double(loss(z).value)
            z.values[i] = saved
            let error = abs(Float((plus - minus) / Double(2 * h)) - analytic[i])
            worst = error.isNaN ? .infinity : max(worst, error)
        }
        return worst
    }
}
