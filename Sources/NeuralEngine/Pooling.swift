/// Max pooling over K×K windows with stride S (no padding). Shapes: [N, C, H, W] → [N, C, P, Q] with
/// P = (H − K)/S + 1. Backward sends each ∂y to the position that won its window (the first maximum in
/// row-major order on ties).
public final class MaxPool2d: Layer {
    public let kernel: Int, stride: Int
    private var winners: [Int32] = []
    private var inputShape: [Int] = []

    public init(_ kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        pooledShape(inputShape, kernel: kernel, stride: stride, prefix: prefix)
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        let total = planes * p * q
        let keep = context.training
        var winners = [Int32](unsafeUninitializedCapacity: keep ? total : 0) { $1 = keep ? total : 0 }
        let (k, s) = (kernel, stride)
        let y = [Float](unsafeUninitializedCapacity: total) { y, count in
            x.values.withUnsafeBufferPointer { xb in
                winners.withUnsafeMutableBufferPointer { wb in
                    let x = xb.baseAddress!
                    var out = 0
                    for plane in 0..<planes {
                        let base = plane * h * w
                        for py in 0..<p {
                            let top = base + py * s * w
                            if k == 2 {
                                // The common 2×2 window, unrolled: candidates in row-major order, the
                                // first maximum wins.
                                // Selects instead of branches: on real activations the winner is
                                // unpredictable, and mispredicted branches cost more than the work.
                                for qx in 0..<q {
                                    let a = top + qx * s
                                    var best = a, value = x[a]
                                    let v1 = x[a + 1], v2 = x[a + w], v3 = x[a + w + 1]
                                    best = v1 > value ? a + 1 : best
                                    value = v1 > value ? v1 : value
                                    best = v2 > value ? a + w : best
                                    value = v2 > value ? v2 : value
                                    best = v3 > value ? a + w + 1 : best
                                    value = v3 > value ? v3 : value
                                    y[out] = value
                                    if keep { wb[out] = Int32(best) }
                                    out += 1
                                }
                            } else {
                                for qx in 0..<q {
                                    var best = top + qx * s
                                    for i in 0..<k {
                                        for j in 0..<k where x[top + i * w + qx * s + j] > x[best] { best = top + i * w + qx * s + j }
                                    }
                                    y[out] = x[best]
                                    if keep { wb[out] = Int32(best) }
                                    out += 1
                                }
                            }
                        }
                    }
                }
            }
            count = total
        }
        if keep {
            self.winners = winners
            inputShape = x.shape
        }
        return Tensor(shape: [x.shape[0], x.shape[1], p, q], values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        // Cleared, then one store per output at its winner: no branch per value.
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        dx.withUnsafeMutableBufferPointer { dx in
            winners.withUnsafeBufferPointer { winners in
                dy.values.withUnsafeBufferPointer { d in
                    for out in 0..<winners.count { dx[Int(winners[out])] += d[out] }
                }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Global average pooling: [N, C, H, W] → [N, C], the mean of each plane. Backward spreads ∂y/(H·W).
public final class GlobalAveragePool: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] { [inputShape[0]] }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let plane = x.shape[2] * x.shape[3]
        if context.training { inputShape = x.shape }
        let y = (0..<(x.shape[0] * x.shape[1])).map { index in
            x.values[index * plane..<(index + 1) * plane].reduce(0, +) / Float(plane)
        }
        return Tensor(shape: [x.shape[0], x.shape[1]], values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let plane = inputShape[2] * inputShape[3]
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        for (index, d) in dy.values.enumerated() {
            for i in 0..<plane { dx[index * plane + i] = d / Float(plane) }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Average pooling over K×K windows with stride S (no padding): [N, C, H, W] → [N, C, P, Q] with
/// P = (H − K)/S + 1. Backward spreads each ∂y/(K·K) over its window (overlapping windows add up).
public final class AvgPool2d: Layer {
    public let kernel: Int, stride: Int
    private var inputShape: [Int] = []

    public init(_ kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        pooledShape(inputShape, kernel: kernel, stride: stride, prefix: prefix)
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        let scale = 1 / Float(kernel * kernel)
        var y = [Float](repeating: 0, count: planes * p * q)
        for plane in 0..<planes {
            for py in 0..<p {
                for qx in 0..<q {
                    var sum: Float = 0
                    for i in 0..<kernel {
                        for j in 0..<kernel { sum += x.values[plane * h * w + (py * stride + i) * w + qx * stride + j] }
                    }
                    y[(plane * p + py) * q + qx] = sum * scale
                }
            }
        }
        if context.training { inputShape = x.shape }
        return Tensor(shape: [x.shape[0], x.shape[1], p, q], values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let (planes, h, w) = (inputShape[0] * inputShape[1], inputShape[2], inputShape[3])
        let (p, q) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        let scale = 1 / Float(kernel * kernel)
        var dx = [Float](repeating: 0, count: planes * h * w)
        for plane in 0..<planes {
            for py in 0..<p {
                for qx in 0..<q {
                    let share = dy.values[(plane * p + py) * q + qx] * scale
                    for i in 0..<kernel {
                        for j in 0..<kernel { dx[plane * h * w + (py * stride + i) * w + qx * stride + j] += share }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// [C, H, W] → [C, P, Q] for K×K windows with stride S and no padding: P = (H − K)/S + 1.
func pooledShape(_ input: [Int], kernel: Int, stride: Int, prefix: String) -> [Int] {
    precondition(input.count == 3 && input[1] >= kernel && input[2] >= kernel, "\(prefix): the window is larger than the input \(input)")
    return [input[0], (input[1] - kernel) / stride + 1, (input[2] - kernel) / stride + 1]
}
