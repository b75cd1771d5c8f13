import Seeding

/// A chain of layers with its parameters in one flat buffer.
///
/// `build` fixes the input shape of one item, walks the layers to declare their parameters under
/// their names (PyTorch's state-dict names, so weights load there) and works out every shape;
/// `forward` and `backward` run the chain with `parameters.values` and accumulate into
/// `parameters.gradients`.
public final class Sequential {
    public let name: String
    public let inputShape: [Int]
    public let layers: [(name: String, layer: any Layer)]
    public private(set) var outputShape: [Int]
    public var parameters: Parameters
    /// State that is not learned (batch norm's running statistics), flat like the parameters.
    public var buffers: [Float]
    public let bufferLayout: ParameterLayout

    public init(name: String, inputShape: [Int], layers: [(String, any Layer)]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers.map { (name: $0.0, layer: $0.1) }
        var layout = ParameterLayout(), bufferLayout = ParameterLayout()
        var shape = inputShape
        for (layerName, layer) in layers {
            shape = layer.build(inputShape: shape, prefix: layerName, layout: &layout)
            layer.buildBuffers(prefix: layerName, layout: &bufferLayout)
        }
        outputShape = shape
        // Nobody needs the gradient of the network's input.
        (layers.first?.1 as? Conv2d)?.computesInputGradient = false
        parameters = Parameters(layout: layout)
        self.bufferLayout = bufferLayout
        buffers = [Float](repeating: 0, count: bufferLayout.count)
    }

    /// PyTorch-default initialisation of every layer, layer by layer from one generator.
    public func initialize(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        parameters.values.withUnsafeMutableBufferPointer { values in
            for (_, layer) in layers { layer.initialize(values, generator: &generator) }
        }
        buffers.withUnsafeMutableBufferPointer { buffers in
            for (_, layer) in layers { layer.initializeBuffers(buffers) }
        }
    }

    public func forward(_ x: Tensor, _ context: inout ForwardContext) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == inputShape, "\(name) expects items of shape \(inputShape), got \(x.shape)")
        return parameters.values.withUnsafeBufferPointer { p in
            buffers.withUnsafeMutableBufferPointer { b in
                context.buffers = b
                defer { context.buffers = UnsafeMutableBufferPointer(start: nil, count: 0) }
                var y = x
                for (_, layer) in layers { y = layer.forward(y, p, &context) }
                return y
            }
        }
    }

    /// Backward through the chain from ∂L/∂output; gradients are added to `parameters.gradients`.
    @discardableResult
    public func backward(_ dy: Tensor) -> Tensor {
        let values = parameters.values
        return values.withUnsafeBufferPointer { p in
            parameters.gradients.withUnsafeMutableBufferPointer { g in
                var d = dy
                for (_, layer) in layers.reversed() { d = layer.backward(d, p, g) }
                return d
            }
        }
    }
}
