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
        [inputShape[0], (inputShape[1] - kernel) / stride + 1, (inputShape[2] - kernel) / stride + 1]
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (p, q) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        var y = [Float](repeating: 0, count: planes * p * q)
        var winners = [Int32](repeating: 0, count: context.training ? planes * p * q : 0)
        let keep = context.training
        x.values.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                winners.withUnsafeMutableBufferPointer { winners in
                    for plane in 0..<planes {
                        for py in 0..<p {
                            for qx in 0..<q {
                                var best = plane * h * w + py * stride * w + qx * stride
                                for i in 0..<kernel {
                                    for j in 0..<kernel {
                                        let at = plane * h * w + (py * stride + i) * w + qx * stride + j
                                        if x[at] > x[best] { best = at }
                                    }
                                }
                                let out = (plane * p + py) * q + qx
                                y[out] = x[best]
                                if keep { winners[out] = Int32(best) }
                            }
                        }
                    }
                }
            }
        }
        if keep {
            self.winners = winners
            inputShape = x.shape
        }
        return Tensor(shape: [x.shape[0], x.shape[1], p, q], values: y)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        for (out, winner) in winners.enumerated() { dx[Int(winner)] += dy.values[out] }
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
        inputShape = x.shape
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
