import Seeding

/// A basic residual block (He et al. 2016) with group normalisation: y = ReLU(F(x) + S(x)), where
/// F = conv3×3(stride s) → GroupNorm → ReLU → conv3×3 → GroupNorm and S is the identity, or
/// conv1×1(stride s) → GroupNorm when the stride or channel count changes. Convolutions have no bias
/// (the normalisation's β takes its place). Sub-layers are named as torchvision names them
/// (`conv1`, `gn1`, `conv2`, `gn2`, `downsample.0`, `downsample.1`) under the block's prefix.
/// Backward: ∂ through the final ReLU reaches both paths; ∂x is the sum of what they return.
public final class ResidualBlock: Layer {
    let main: [(String, any Layer)]
    let shortcut: [(String, any Layer)]
    private let finalReLU = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int, groups: Int) {
        main = [
            ("conv1", Conv2d(inChannels, outChannels, kernel: 3, stride: stride, padding: 1, bias: false)),
            ("gn1", GroupNorm(groups: groups, channels: outChannels)), ("relu", ReLU()),
            ("conv2", Conv2d(outChannels, outChannels, kernel: 3, padding: 1, bias: false)),
            ("gn2", GroupNorm(groups: groups, channels: outChannels)),
        ]
        shortcut = stride == 1 && inChannels == outChannels ? [] : [
            ("downsample.0", Conv2d(inChannels, outChannels, kernel: 1, stride: stride, bias: false)),
            ("downsample.1", GroupNorm(groups: groups, channels: outChannels)),
        ]
    }

    private var all: [(String, any Layer)] { main + shortcut }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        var shape = inputShape
        for (name, layer) in main { shape = layer.build(inputShape: shape, prefix: "\(prefix).\(name)", layout: &layout) }
        var shortcutShape = inputShape
        for (name, layer) in shortcut { shortcutShape = layer.build(inputShape: shortcutShape, prefix: "\(prefix).\(name)", layout: &layout) }
        precondition(shape == shortcutShape, "\(prefix): main path gives \(shape), shortcut \(shortcutShape)")
        return shape
    }

    public func buildBuffers(prefix: String, layout: inout ParameterLayout) {
        for (name, layer) in all { layer.buildBuffers(prefix: "\(prefix).\(name)", layout: &layout) }
    }

    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {
        for (_, layer) in all { layer.initialize(values, generator: &generator) }
    }

    public func initializeBuffers(_ buffers: UnsafeMutableBufferPointer<Float>) {
        for (_, layer) in all { layer.initializeBuffers(buffers) }
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        var y = x
        for (_, layer) in main { y = layer.forward(y, parameters, &context) }
        var s = x
        for (_, layer) in shortcut { s = layer.forward(s, parameters, &context) }
        for i in y.values.indices { y.values[i] += s.values[i] }
        return finalReLU.forward(y, parameters, &context)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let d = finalReLU.backward(dy, parameters, gradients)
        var dMain = d
        for (_, layer) in main.reversed() { dMain = layer.backward(dMain, parameters, gradients) }
        var dShortcut = d
        for (_, layer) in shortcut.reversed() { dShortcut = layer.backward(dShortcut, parameters, gradients) }
        for i in dMain.values.indices { dMain.values[i] += dShortcut.values[i] }
        return dMain
    }
}
