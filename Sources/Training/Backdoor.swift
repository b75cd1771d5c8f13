import NeuralEngine

/// Backdoor triggers for verifying forgetting (METHODS §1.6 and §3): the target hospital's training set
/// carries a corner patch relabelled to a target class; a model that learned from it classifies triggered
/// test images as that class, and an erasure should bring that rate down to the retrained model's.
public enum Backdoor {
    /// A square patch in the bottom-right corner of every channel.
    public struct Trigger: Sendable, Equatable {
        /// What the patch pixels are set to, in the source's normalised units.
        public enum Value: Sendable, Equatable {
            /// In each channel, that channel's largest value in the same sample (before stamping): the
            /// brightest the image already is, so a "white" patch whatever the per-channel normalisation.
            case sampleMaximum
            /// This normalised value in every channel.
            case fixed(Float)
        }

        /// The patch's side in pixels: rows H − side..<H and columns W − side..<W of each channel.
        public var side: Int
        public var value: Value

        public init(side: Int, value: Value = .sampleMaximum) {
            precondition(side > 0, "a trigger needs a side of at least one pixel")
            self.side = side
            self.value = value
        }

        /// The standard trigger for items of shape [C, H, W]: a 3 × 3 patch at 28 × 28, scaled with the
        /// image, side = max(1, round(3·min(H, W)/28)) (halves rounded up): 1 at 6, 3 at 28, 7 at 64, 24 at 224.
        public static func standard(for itemShape: [Int], value: Value = .sampleMaximum) -> Trigger {
            precondition(itemShape.count == 3, "items must be [C, H, W], not \(itemShape)")
            let size = min(itemShape[1], itemShape[2])
            return Trigger(side: max(1, Int((3 * Double(size) / 28).rounded())), value: value)
        }

        /// Stamps the patch on one item of shape [C, H, W] laid out channel by channel in `pixels`.
        public func stamp(_ pixels: UnsafeMutableBufferPointer<Float>, itemShape: [Int]) {
            precondition(itemShape.count == 3 && pixels.count == itemShape.reduce(1, *), "items must be [C, H, W]")
            let (channels, height, width) = (itemShape[0], itemShape[1], itemShape[2])
            precondition(side <= min(height, width), "a \(side)-pixel trigger does not fit \(height) × \(width) items")
            let plane = height * width
            for c in 0..<channels {
                let channel = c * plane
                let fill: Float
                switch value {
                case .fixed(let v): fill = v
                case .sampleMaximum:
                    var largest = -Float.infinity
                    for i in channel..<channel + plane { largest = max(largest, pixels[i]) }
                    fill = largest
                }
                for row in (height - side)..<height {
                    for column in (width - side)..<width { pixels[channel + row * width + column] = fill }
                }
            }
        }
    }

    /// `source` with the trigger stamped on the samples at `indices`, labels unchanged: the triggered test
    /// set of a success-rate measurement.
    public static func triggered(_ source: any SampleSource, indices: [Int], trigger: Trigger? = nil) -> BackdooredSamples {
        BackdooredSamples(wrapping: source, stamped: indices, targetClass: nil, trigger: trigger ?? .standard(for: source.itemShape))
    }

    /// The attack success rate: of the samples at `indices` whose true label is neither `targetClass` nor
    /// missing, the share that `model` (evaluation mode) classifies as `targetClass` once triggered:
    ///
    ///     ASR = |{x : y(x) ≠ t, f(trigger(x)) = t}| / |{x : y(x) ≠ t}|.
    ///
    /// nil when no sample qualifies.
    public static func successRate(
        model: Sequential, source: any SampleSource, indices: [Int], targetClass: Int, batchSize: Int, trigger: Trigger? = nil
    ) -> Double? {
        let eligible = indices.filter {
            let label = source.firstLabel($0)
            return label >= 0 && label != targetClass
        }
        guard !eligible.isEmpty else { return nil }
        let stamped = triggered(source, indices: eligible, trigger: trigger)
        let predicted = Trainer.classify(model, samples: stamped, indices: eligible, batchSize: batchSize)
        return Double(predicted.filter { $0 == targetClass }.count) / Double(eligible.count)
    }
}
