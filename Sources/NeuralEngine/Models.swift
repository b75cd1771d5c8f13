/// The models MedSilo trains, by name, with PyTorch state-dict names for their parameters.
public enum ModelZoo {
    public static let names = ["cnn-small", "cnn-large"]

    public struct UnknownModel: Error, CustomStringConvertible {
        public var description: String
    }

    /// The model `name` for items of `channels` × `size` × `size` and `classes` outputs.
    ///
    /// - `cnn-small` (28 × 28): conv3×3(C→16, pad 1), ReLU, maxpool 2 → conv3×3(16→32, pad 1), ReLU,
    ///   maxpool 2 → Linear(32·7·7 → 128), ReLU → Linear(128 → K).
    /// - `cnn-large` (64 × 64): the two stages above, then conv3×3(32→64, pad 1), ReLU, maxpool 2 →
    ///   Linear(64·8·8 → 128), ReLU → Linear(128 → K).
    public static func make(_ name: String, channels: Int, size: Int, classes: Int) throws(UnknownModel) -> Sequential {
        func stage(_ index: Int, _ input: Int, _ output: Int) -> [(String, any Layer)] {
            [("conv\(index)", Conv2d(input, output, kernel: 3, padding: 1)), ("relu\(index)", ReLU()), ("pool\(index)", MaxPool2d(2))]
        }
        func head(_ features: Int) -> [(String, any Layer)] {
            [("flatten", Flatten()), ("fc1", Linear(features, 128)), ("relu_fc1", ReLU()), ("fc2", Linear(128, classes))]
        }
        switch name {
        case "cnn-small":
            guard size == 28 else { throw UnknownModel(description: "cnn-small takes 28×28 images, the store has \(size)×\(size)") }
            return Sequential(
                name: name, inputShape: [channels, 28, 28], layers: stage(1, channels, 16) + stage(2, 16, 32) + head(32 * 7 * 7))
        case "cnn-large":
            guard size == 64 else { throw UnknownModel(description: "cnn-large takes 64×64 images, the store has \(size)×\(size)") }
            return Sequential(
                name: name, inputShape: [channels, 64, 64],
                layers: stage(1, channels, 16) + stage(2, 16, 32) + stage(3, 32, 64) + head(64 * 8 * 8))
        default:
            throw UnknownModel(description: "unknown model '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
