import Seeding

/// Fully connected layer. Shapes: x [N, F] → y [N, O]; weight [O, F] and bias [O] as PyTorch stores them.
///
/// Forward y = x · Wᵀ + b. Backward ∂W += ∂yᵀ · x, ∂b += Σₙ ∂y, ∂x = ∂y · W.
public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    private var weight = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var bias = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var input: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        precondition(inputShape == [inFeatures], "\(prefix): expects [\(inFeatures)], got \(inputShape)")
        weight = layout.add("\(prefix).weight", shape: [outFeatures, inFeatures])
        bias = layout.add("\(prefix).bias", shape: [outFeatures])
        return [outFeatures]
    }

    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        fillUniform(values, range: weight.range, bound: bound, generator: &generator)
        fillUniform(values, range: bias.range, bound: bound, generator: &generator)
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let n = x.batch
        var y = [Float](repeating: 0, count: n * outFeatures)
        y.withUnsafeMutableBufferPointer { y in
            for item in 0..<n {
                for o in 0..<outFeatures { y[item * outFeatures + o] = parameters[bias.offset + o] }
            }
            x.values.withUnsafeBufferPointer { x in
                GEMM.sgemm(
                    transA: false, transB: true, m: n, n: outFeatures, k: inFeatures, alpha: 1, a: x.baseAddress!, lda: inFeatures,
                    b: parameters.baseAddress! + weight.offset, ldb: inFeatures, beta: 1, c: y.baseAddress!, ldc: outFeatures)
            }
        }
        if context.training { input = x }
        return Tensor(shape: [n, outFeatures], values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let x = input!
        let n = x.batch
        var dx = [Float](repeating: 0, count: n * inFeatures)
        dy.values.withUnsafeBufferPointer { d in
            for item in 0..<n {
                for o in 0..<outFeatures { gradients[bias.offset + o] += d[item * outFeatures + o] }
            }
            x.values.withUnsafeBufferPointer { x in
                GEMM.sgemm(
                    transA: true, transB: false, m: outFeatures, n: inFeatures, k: n, alpha: 1, a: d.baseAddress!, lda: outFeatures,
                    b: x.baseAddress!, ldb: inFeatures, beta: 1, c: gradients.baseAddress! + weight.offset, ldc: inFeatures)
            }
            dx.withUnsafeMutableBufferPointer { dx in
                GEMM.sgemm(
                    transA: false, transB: false, m: n, n: inFeatures, k: outFeatures, alpha: 1, a: d.baseAddress!, lda: outFeatures,
                    b: parameters.baseAddress! + weight.offset, ldb: inFeatures, beta: 0, c: dx.baseAddress!, ldc: inFeatures)
            }
        }
        return Tensor(shape: x.shape, values: dx)
    }
}
