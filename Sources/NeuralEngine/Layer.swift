import Seeding

/// What a forward pass needs besides the input: whether this is training (layers then keep what
/// backward needs, dropout drops, batch norm uses batch statistics) and the generator for random steps.
public struct ForwardContext: Sendable {
    public var training: Bool
    public var generator: SeededGenerator

    public init(training: Bool, generator: SeededGenerator = SeededGenerator(seed: 0)) {
        self.training = training
        self.generator = generator
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
    /// Fills the layer's parameters in the model's buffer as PyTorch initialises them by default.
    func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator)
    /// y = f(x). With `context.training`, keeps what `backward` needs.
    func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor
    /// Given ∂L/∂y for the last training forward, adds ∂L/∂θ into `gradients` and returns ∂L/∂x.
    func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor
}

extension Layer {
    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {}
}

/// PyTorch's default initialisation of convolution and linear layers: weights and biases uniform in
/// ±1/√fan_in (kaiming_uniform with a = √5 gives gain √(1/3), so the bound √(1/3)·√(3/fan_in) =
/// 1/√fan_in; the bias bound is 1/√fan_in as well).
func fillUniform(_ values: UnsafeMutableBufferPointer<Float>, range: Range<Int>, bound: Float, generator: inout SeededGenerator) {
    for i in range { values[i] = Float(generator.nextUnit() * 2 - 1) * bound }
}
