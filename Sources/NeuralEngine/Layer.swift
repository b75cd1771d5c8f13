import Seeding

/// What a forward pass needs besides the input: whether this is training (layers then keep what
/// backward needs, dropout drops, batch norm uses and updates batch statistics), the generator for
/// random steps, and the model's state buffers (running statistics), set by the model for the call.
public struct ForwardContext {
    public var training: Bool
    public var generator: SeededGenerator
    public var buffers: UnsafeMutableBufferPointer<Float>

    public init(training: Bool, generator: SeededGenerator = SeededGenerator(seed: 0)) {
        self.training = training
        self.generator = generator
        buffers = UnsafeMutableBufferPointer(start: nil, count: 0)
    }
}

/// One layer: forward and backward side by side.
///
/// Parameters are not stored in the layer: the model owns one flat buffer (`Parameters`) and each layer
/// reads its own tensors at the offsets it declared in `build`. Layers are classes because a training
/// forward keeps activations (im2col columns, masks, pooling choices) for the backward that follows.
public protocol Layer: AnyObject {
    /// Declares the layer's parameters (named `prefix.weight`, `prefix.bias`, …) and returns the shape
    /// of one output item (without the batch dimension) for one input item of `inputShape`.
    func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int]
    /// Declares state that is not learned (batch norm's running statistics) in the model's buffer layout.
    func buildBuffers(prefix: String, layout: inout ParameterLayout)
    /// Fills the layer's parameters in the model's buffer as PyTorch initialises them by default.
    func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator)
    /// Sets the layer's state buffers to their starting values.
    func initializeBuffers(_ buffers: UnsafeMutableBufferPointer<Float>)
    /// y = f(x). With `context.training`, keeps what `backward` needs.
    func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor
    /// Given ∂L/∂y for the last training forward, adds ∂L/∂θ into `gradients` and returns ∂L/∂x.
    func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor
}

extension Layer {
    public func buildBuffers(prefix: String, layout: inout ParameterLayout) {}
    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {}
    public func initializeBuffers(_ buffers: UnsafeMutableBufferPointer<Float>) {}
}

/// PyTorch's default initialisation of convolution and linear layers: weights and biases uniform in
/// ±1/√fan_in (kaiming_uniform with a = √5 gives gain √(1/3), so the bound √(1/3)·√(3/fan_in) =
/// 1/√fan_in; the bias bound is 1/√fan_in as well).
func fillUniform(_ values: UnsafeMutableBufferPointer<Float>, range: Range<Int>, bound: Float, generator: inout SeededGenerator) {
    for i in range { values[i] = Float(generator.nextUnit() * 2 - 1) * bound }
}
