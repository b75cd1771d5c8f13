/// The models MedSilo trains, by name, with PyTorch state-dict names for their parameters.
public enum ModelZoo {
    public static let names = ["cnn-small", "cnn-large", "resnet8-gn"]

    public struct UnknownModel: Error, CustomStringConvertible {
        public var description: String
    }

    /// The model `name` for items of `channels` × `size` × `size` and `classes` outputs.
    ///
    /// - `cnn-small` (28 × 28): conv3×3(C→16, pad 1), ReLU, maxpool 2 → conv3×3(16→32, pad 1), ReLU,
    ///   maxpool 2 → Linear(32·7·7 → 128), ReLU → Linear(128 → K).
    /// - `cnn-large` (64 × 64): the two stages above, then conv3×3(32→64, pad 1), ReLU, maxpool 2 →
    ///   Linear(64·8·8 → 128), ReLU → Linear(128 → K).
    /// - `resnet8-gn` (any size from 16 up, meant for 64 and more): conv3×3(C→16, no bias), GroupNorm,
    ///   ReLU → residual blocks 16 → 16 (stride 1), 16 → 32 (stride 2), 32 → 64 (stride 2) → global
    ///   average pool → Linear(64 → K): seven convolutions and one dense layer. GroupNorm with 8 groups
    ///   (2, 4 and 8 channels per group), because batch statistics misbehave under federated averaging.
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
            return Sequential(name: name, inputShape: [channels, 28, 28]) { stage(1, channels, 16) + stage(2, 16, 32) + head(32 * 7 * 7) }
        case "cnn-large":
            guard size == 64 else { throw UnknownModel(description: "cnn-large takes 64×64 images, the store has \(size)×\(size)") }
            return Sequential(name: name, inputShape: [channels, 64, 64]) {
                stage(1, channels, 16) + stage(2, 16, 32) + stage(3, 32, 64) + head(64 * 8 * 8)
            }
        case "resnet8-gn":
            guard size >= 16 else { throw UnknownModel(description: "resnet8-gn takes images of 16×16 or more, the store has \(size)×\(size)") }
            return Sequential(name: name, inputShape: [channels, size, size]) {
                [
                    ("conv1", Conv2d(channels, 16, kernel: 3, padding: 1, bias: false)), ("gn1", GroupNorm(groups: 8, channels: 16)),
                    ("relu", ReLU()), ("layer1.0", ResidualBlock(16, 16, stride: 1, groups: 8)),
                    ("layer2.0", ResidualBlock(16, 32, stride: 2, groups: 8)), ("layer3.0", ResidualBlock(32, 64, stride: 2, groups: 8)),
                    ("avgpool", GlobalAveragePool()), ("fc", Linear(64, classes)),
                ]
            }
        default:
            throw UnknownModel(description: "unknown model '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
