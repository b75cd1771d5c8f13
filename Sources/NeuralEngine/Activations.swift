import Seeding

/// y = max(0, x). Backward passes ∂y where x > 0 (the subgradient 0 at x = 0, as PyTorch).
public final class ReLU: Layer {
    private var output: [Float] = []

    public init() {}

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] { inputShape }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let y = [Float](unsafeUninitializedCapacity: x.count) { y, count in
            x.values.withUnsafeBufferPointer { x in
                for i in 0..<x.count { y[i] = max(x[i], 0) }
            }
            count = x.count
        }
        if context.training { output = y }
        return Tensor(shape: x.shape, values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        // A new array rather than editing ∂y in place: the caller still holds ∂y, so an in-place edit
        // would copy it first.
        let dx = [Float](unsafeUninitializedCapacity: dy.count) { dx, count in
            output.withUnsafeBufferPointer { y in
                dy.values.withUnsafeBufferPointer { d in
                    // Sixteen lanes at a time with a vector select: the signs of activations are
                    // unpredictable, so a branch per value mispredicts half the time.
                    let n = d.count, whole = n / 16 * 16
                    let (yp, dp, op) = (UnsafeRawPointer(y.baseAddress!), UnsafeRawPointer(d.baseAddress!), UnsafeMutableRawPointer(dx.baseAddress!))
                    var i = 0
                    while i < whole {
                        let yv = yp.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        let dv = dp.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        op.storeBytes(of: dv.replacing(with: 0, where: yv .<= 0), toByteOffset: i * 4, as: SIMD16<Float>.self)
                        i += 16
                    }
                    while i < n {
                        dx[i] = y[i] > 0 ? d[i] : 0
                        i += 1
                    }
                }
            }
            count = dy.count
        }
        return Tensor(shape: dy.shape, values: dx)
    }
}

/// [N, C, H, W] → [N, C·H·W] in C, H, W order (PyTorch's flatten). Backward restores the shape.
public final class Flatten: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] { [inputShape.reduce(1, *)] }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        if context.training { inputShape = x.shape }
        return x.reshaped([x.batch, x.itemSize])
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        dy.reshaped(inputShape)
    }
}

/// Inverted dropout: in training each value is zeroed with probability p and the rest scaled by
/// 1/(1 − p), so evaluation is the identity. The mask comes from the context's generator.
public final class Dropout: Layer {
    public let probability: Float
    private var mask: [Float] = []

    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability must lie in [0, 1)")
        self.probability = probability
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] { inputShape }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        guard context.training, probability > 0 else { return x }
        let keep = 1 / (1 - probability)
        mask = (0..<x.count).map { _ in Float(context.generator.nextUnit()) < probability ? 0 : keep }
        var y = x
        for i in y.values.indices { y.values[i] *= mask[i] }
        return y
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        guard probability > 0 else { return dy }
        var dx = dy
        for i in dx.values.indices { dx.values[i] *= mask[i] }
        return dx
    }
}
