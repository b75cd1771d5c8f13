import NeuralEngine

extension TrainingOptions {
    /// The loss a training step descends, on logits z and labels y.
    ///
    /// - `crossEntropy`: softmax cross-entropy with the options' label smoothing, ℓ = −Σₖ tₖ log pₖ;
    ///   ordinary training.
    /// - `ascentCrossEntropy`: gradient ascent on the same cross-entropy: the step follows −∇ℓ, so an
    ///   optimiser that descends moves w ← w + η∇ℓ (Halimi et al. 2022's unlearning by reversing
    ///   learning). The reported value is ℓ itself, which ascent raises without bound.
    /// - `boundedForget`: FedOSD's unlearning cross-entropy ℓ = −log(1 − p_y/2) ∈ [0, log 2]
    ///   (`BoundedForgetLoss`), descended; label smoothing does not apply.
    /// - `uniformKL`: KL(uniform ‖ p) (`UniformKLLoss`), descended: predictions pushed toward uniform, with
    ///   a gradient p − 1/K that does not vanish on saturated samples; labels are not used.
    public enum Objective: String, Sendable, CaseIterable, Codable {
        case crossEntropy, ascentCrossEntropy, boundedForget, uniformKL

        /// The batch's reported loss and the gradient with respect to the logits that the step descends.
        func loss(_ logits: Tensor, labels: [Int], labelSmoothing: Float) -> LossResult {
            switch self {
            case .crossEntropy:
                return SoftmaxCrossEntropy(labelSmoothing: labelSmoothing)(logits, labels: labels)
            case .ascentCrossEntropy:
                var result = SoftmaxCrossEntropy(labelSmoothing: labelSmoothing)(logits, labels: labels)
                for i in result.gradient.values.indices { result.gradient.values[i].negate() }
                return result
            case .boundedForget:
                return BoundedForgetLoss()(logits, labels: labels)
            case .uniformKL:
                return UniformKLLoss()(logits)
            }
        }
    }
}
