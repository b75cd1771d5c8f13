import Seeding

/// Shared normalisation arithmetic: a set of values is normalised as x̂ = (x − μ)/√(σ² + ε) with its
/// mean μ and biased variance σ², then scaled per channel: y = γ_c x̂ + β_c.
///
/// Backward for one set of M values, with g = ∂y·γ_c (∂x̂) and s = 1/√(σ² + ε):
/// ∂x = s/M · (M·g − Σg − x̂·Σ(g·x̂)), ∂γ_c += Σ ∂y·x̂, ∂β_c += Σ ∂y over the channel's values.
enum Normalization {
    /// Declares the per-channel scale γ (`prefix.weight`) and shift β (`prefix.bias`).
    static func declareAffine(_ inputShape: [Int], channels: Int, prefix: String, layout: inout ParameterLayout)
        -> (ParameterLayout.Entry, ParameterLayout.Entry)
    {
        precondition(inputShape.first == channels, "\(prefix): expects \(channels) channels, got \(inputShape)")
        return (layout.add("\(prefix).weight", shape: [channels]), layout.add("\(prefix).bias", shape: [channels]))
    }

    /// γ = 1, β = 0: the identity until trained.
    static func initializeAffine(_ values: UnsafeMutableBufferPointer<Float>, weight: ParameterLayout.Entry, bias: ParameterLayout.Entry) {
        for i in weight.range { values[i] = 1 }
        for i in bias.range { values[i] = 0 }
    }

    /// Mean and biased variance of the values at `indices`.
    static func moments(_ x: UnsafeBufferPointer<Float>, _ indices: some Sequence<Int>, count: Int) -> (mean: Float, variance: Float) {
        var sum = 0.0, squares = 0.0
        for i in indices {
            sum += Double(x[i])
            squares += Double(x[i]) * Double(x[i])
        }
        let mean = sum / Double(count)
        return (Float(mean), Float(max(0, squares / Double(count) - mean * mean)))
    }
}

/// Batch normalisation over [N, C, H, W] (Ioffe and Szegedy 2015), as PyTorch's BatchNorm2d: in training
/// each channel is normalised with its batch mean and biased variance over N·H·W values, and the running
/// mean and (unbiased) variance move by `momentum` (0.1); in evaluation the running statistics are used.
/// Learned γ (weight, starting at 1) and β (bias, 0); running statistics are state buffers
/// (`running_mean`, `running_var`), not learned parameters.
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let epsilon: Float, momentum: Float
    private var weight = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var bias = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var runningMean = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var runningVariance = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var normalized: [Float] = []
    private var inverseDeviation: [Float] = []
    private var inputShape: [Int] = []

    public init(_ channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        (weight, bias) = Normalization.declareAffine(inputShape, channels: channels, prefix: prefix, layout: &layout)
        return inputShape
    }

    public func buildBuffers(prefix: String, layout: inout ParameterLayout) {
        runningMean = layout.add("\(prefix).running_mean", shape: [channels])
        runningVariance = layout.add("\(prefix).running_var", shape: [channels])
    }

    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {
        Normalization.initializeAffine(values, weight: weight, bias: bias)
    }

    public func initializeBuffers(_ buffers: UnsafeMutableBufferPointer<Float>) {
        for c in 0..<channels {
            buffers[runningMean.offset + c] = 0
            buffers[runningVariance.offset + c] = 1
        }
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (n, plane) = (x.shape[0], x.shape[2] * x.shape[3])
        let count = n * plane
        var y = x
        var inverse = [Float](repeating: 0, count: channels)
        x.values.withUnsafeBufferPointer { xs in
            for c in 0..<channels {
                let channelCount = channels
                let indices: [Int] = (0..<n).flatMap { (item: Int) -> Range<Int> in
                    let start = (item * channelCount + c) * plane
                    return start..<(start + plane)
                }
                let mean: Float, variance: Float
                if context.training {
                    (mean, variance) = Normalization.moments(xs, indices, count: count)
                    let unbiased = count > 1 ? variance * Float(count) / Float(count - 1) : variance
                    context.buffers[runningMean.offset + c] = (1 - momentum) * context.buffers[runningMean.offset + c] + momentum * mean
                    context.buffers[runningVariance.offset + c] = (1 - momentum) * context.buffers[runningVariance.offset + c] + momentum * unbiased
                } else {
                    (mean, variance) = (context.buffers[runningMean.offset + c], context.buffers[runningVariance.offset + c])
                }
                inverse[c] = 1 / (variance + epsilon).squareRoot()
                for i in indices { y.values[i] = (xs[i] - mean) * inverse[c] }
            }
        }
        if context.training {
            normalized = y.values
            inverseDeviation = inverse
            inputShape = x.shape
        }
        for c in 0..<channels {
            let (gamma, beta) = (parameters[weight.offset + c], parameters[bias.offset + c])
            for item in 0..<n {
                let start = (item * channels + c) * plane
                for i in start..<start + plane { y.values[i] = gamma * y.values[i] + beta }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let (n, plane) = (inputShape[0], inputShape[2] * inputShape[3])
        let m = Float(n * plane)
        var dx = [Float](repeating: 0, count: dy.count)
        for c in 0..<channels {
            let gamma = parameters[weight.offset + c]
            let ranges = (0..<n).map { item in ((item * channels + c) * plane)..<((item * channels + c + 1) * plane) }
            var sumG: Float = 0, sumGX: Float = 0, sumDy: Float = 0, sumDyX: Float = 0
            for range in ranges {
                for i in range {
                    let g = dy.values[i] * gamma
                    sumG += g
                    sumGX += g * normalized[i]
                    sumDy += dy.values[i]
                    sumDyX += dy.values[i] * normalized[i]
                }
            }
            gradients[weight.offset + c] += sumDyX
            gradients[bias.offset + c] += sumDy
            let scale = inverseDeviation[c] / m
            for range in ranges {
                for i in range { dx[i] = scale * (m * dy.values[i] * gamma - sumG - normalized[i] * sumGX) }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}

/// Group normalisation (Wu and He 2018), as PyTorch's GroupNorm: the C channels of each sample fall in G
/// groups of C/G consecutive channels, and each (sample, group) is normalised over its (C/G)·H·W values
/// with its own mean and biased variance, in training and evaluation alike; then per-channel γ (1) and
/// β (0). No batch statistics, which is why it suits federated averaging.
public final class GroupNorm: Layer {
    public let groups: Int, channels: Int
    public let epsilon: Float
    private var weight = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var bias = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var normalized: [Float] = []
    private var inverseDeviation: [Float] = []
    private var inputShape: [Int] = []

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        self.groups = groups
        self.channels = channels
        self.epsilon = epsilon
    }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        (weight, bias) = Normalization.declareAffine(inputShape, channels: channels, prefix: prefix, layout: &layout)
        return inputShape
    }

    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {
        Normalization.initializeAffine(values, weight: weight, bias: bias)
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (n, plane) = (x.shape[0], x.shape[2] * x.shape[3])
        let size = channels / groups * plane
        var y = x
        var inverse = [Float](repeating: 0, count: n * groups)
        x.values.withUnsafeBufferPointer { xs in
            for set in 0..<(n * groups) {
                let range = set * size..<(set + 1) * size
                let (mean, variance) = Normalization.moments(xs, range, count: size)
                inverse[set] = 1 / (variance + epsilon).squareRoot()
                for i in range { y.values[i] = (xs[i] - mean) * inverse[set] }
            }
        }
        if context.training {
            normalized = y.values
            inverseDeviation = inverse
            inputShape = x.shape
        }
        for item in 0..<n {
            for c in 0..<channels {
                let (gamma, beta) = (parameters[weight.offset + c], parameters[bias.offset + c])
                let start = (item * channels + c) * plane
                for i in start..<start + plane { y.values[i] = gamma * y.values[i] + beta }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let (n, plane) = (inputShape[0], inputShape[2] * inputShape[3])
        let perGroup = channels / groups
        let m = Float(perGroup * plane)
        var dx = [Float](repeating: 0, count: dy.count)
        for item in 0..<n {
            for group in 0..<groups {
                let set = item * groups + group
                var sumG: Float = 0, sumGX: Float = 0
                for c in group * perGroup..<(group + 1) * perGroup {
                    let gamma = parameters[weight.offset + c]
                    let start = (item * channels + c) * plane
                    for i in start..<start + plane {
                        let g = dy.values[i] * gamma
                        sumG += g
                        sumGX += g * normalized[i]
                        gradients[weight.offset + c] += dy.values[i] * normalized[i]
                        gradients[bias.offset + c] += dy.values[i]
                    }
                }
                let scale = inverseDeviation[set] / m
                for c in group * perGroup..<(group + 1) * perGroup {
                    let gamma = parameters[weight.offset + c]
                    let start = (item * channels + c) * plane
                    for i in start..<start + plane { dx[i] = scale * (m * dy.values[i] * gamma - sumG - normalized[i] * sumGX) }
                }
            }
        }
        return Tensor(shape: inputShape, values: dx)
    }
}
