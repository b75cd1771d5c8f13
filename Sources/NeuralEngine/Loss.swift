#if canImport(Glibc)
import Glibc
#endif

/// A loss's value and its gradient with respect to the logits, plus per-sample values (membership
/// inference reads them).
public struct LossResult: Sendable {
    /// The reduced loss (a weighted mean over samples).
    public var value: Float
    /// Each sample's unreduced loss.
    public var perSample: [Float]
    /// ∂value/∂logits, same shape as the logits.
    public var gradient: Tensor
}

/// Softmax cross-entropy on logits z [N, K] and class labels y [N].
///
/// p = softmax(z) computed stably (z − max z before exp). With label smoothing ε the target is
/// t = (1 − ε)·onehot(y) + ε/K; a sample's loss is lₙ = −Σₖ tₖ log pₖ. With class weights w the mean is
/// Σ w_yₙ lₙ / Σ w_yₙ (PyTorch's weighting of the one-hot term; with both weights and smoothing PyTorch
/// weights the smoothing term per class instead — MedSilo weights whole samples). Gradient:
/// ∂/∂zₖ = w_yₙ (pₖ − tₖ) / Σ w_yₙ.
public struct SoftmaxCrossEntropy: Sendable {
    public var labelSmoothing: Float
    public var classWeights: [Float]?

    public init(labelSmoothing: Float = 0, classWeights: [Float]? = nil) {
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
    }

    /// Row-wise log-softmax of [N, K] logits. With `nonFiniteAsUniform`, a row with a NaN or infinite logit
    /// (a diverged model) reads as uniform, −log K everywhere: for scoring and auditing, where such a model
    /// says nothing about the sample and every figure computed from it (accuracy, membership scores) must
    /// stay defined. Training keeps the default, so a divergence stays visible as NaN (and the server
    /// refuses the update) instead of becoming a finite, meaningless step.
    public static func logSoftmax(_ logits: Tensor, nonFiniteAsUniform: Bool = false) -> [Float] {
        let k = logits.shape[1]
        var out = logits.values
        let uniform = -logf(Float(k))
        for row in 0..<logits.batch {
            let start = row * k
            var largest = -Float.infinity
            var finite = true
            for i in start..<start + k {
                finite = finite && out[i].isFinite
                largest = max(largest, out[i])
            }
            guard finite || !nonFiniteAsUniform else {
                for i in start..<start + k { out[i] = uniform }
                continue
            }
            var sum: Float = 0
            for i in start..<start + k { sum += expf(out[i] - largest) }
            let logSum = largest + logf(sum)
            for i in start..<start + k { out[i] -= logSum }
        }
        return out
    }

    public func callAsFunction(_ logits: Tensor, labels: [Int]) -> LossResult {
        let (n, k) = (logits.batch, logits.shape[1])
        precondition(labels.count == n, "\(labels.count) labels for \(n) samples")
        let logP = Self.logSoftmax(logits)
        var perSample = [Float](repeating: 0, count: n)
        var gradient = [Float](repeating: 0, count: n * k)
        let weights = labels.map { classWeights?[$0] ?? 1 }
        let normaliser = max(weights.reduce(0, +), .leastNormalMagnitude)
        let offTarget = labelSmoothing / Float(k)
        for row in 0..<n {
            var loss: Float = 0
            for c in 0..<k {
                let target = offTarget + (c == labels[row] ? 1 - labelSmoothing : 0)
                loss -= target * logP[row * k + c]
                gradient[row * k + c] = weights[row] * (expf(logP[row * k + c]) - target) / normaliser
            }
            perSample[row] = loss
        }
        let value = zip(weights, perSample).reduce(0) { $0 + $1.0 * $1.1 } / normaliser
        return LossResult(value: value, perSample: perSample, gradient: Tensor(shape: logits.shape, values: gradient))
    }
}

/// Multi-label binary cross-entropy on logits z [N, K] with 0/1 targets [N, K], mean over all N·K
/// terms. Each term max(z, 0) − z·y + log(1 + e^−|z|) is the stable form of −y log σ(z) − (1 − y)
/// log(1 − σ(z)); ∂/∂z = (σ(z) − y)/(N·K). A sample's loss is the mean of its K terms.
public struct BinaryCrossEntropy: Sendable {
    public init() {}

    public func callAsFunction(_ logits: Tensor, targets: [Float]) -> LossResult {
        let (n, k) = (logits.batch, logits.shape[1])
        precondition(targets.count == n * k, "targets must be [N, K]")
        var perSample = [Float](repeating: 0, count: n)
        var gradient = [Float](repeating: 0, count: n * k)
        let scale = 1 / Float(n * k)
        for i in 0..<(n * k) {
            let z = logits.values[i], y = targets[i]
            perSample[i / k] += (max(z, 0) - z * y + log1pf(expf(-abs(z)))) / Float(k)
            gradient[i] = (1 / (1 + expf(-z)) - y) * scale
        }
        return LossResult(value: perSample.reduce(0, +) / Float(n), perSample: perSample, gradient: Tensor(shape: logits.shape, values: gradient))
    }
}

/// FedOSD's unlearning cross-entropy on logits z [N, K] and class labels y [N]: descending it lowers the
/// probability of the true class, with a loss and a gradient that stay bounded (unlike gradient ascent on
/// cross-entropy, whose loss grows without limit as p_y → 0).
///
/// p = softmax(z) computed stably (from the log-softmax, z − max z before exp). A sample's loss is
///
///     lₙ = −log(1 − p_y/2) = log 2 − log(2 − p_y)  ∈ [0, log 2],
///
/// 0 when p_y = 0 and log 2 when p_y = 1; the reduced value is the mean over the batch. With
/// ∂lₙ/∂p_y = 1/(2 − p_y) and the softmax Jacobian ∂p_y/∂z_j = p_y(δ_jy − p_j):
///
///     ∂L/∂z_j = p_y (δ_jy − p_j) / ((2 − p_y) · N),
///
/// where 2 − p_y ∈ [1, 2], so no sample's gradient exceeds 1/N in any coordinate.
///
/// Source: Pan et al., "Federated Unlearning with Gradient Descent and Conflict Mitigation" (FedOSD,
/// AAAI 2025, arXiv 2412.20200), their unlearning cross-entropy L = −Σ_c 1[c = y] log(1 − p_c/2).
public struct BoundedForgetLoss: Sendable {
    public init() {}

    public func callAsFunction(_ logits: Tensor, labels: [Int]) -> LossResult {
        let (n, k) = (logits.batch, logits.shape[1])
        precondition(labels.count == n, "\(labels.count) labels for \(n) samples")
        let logP = SoftmaxCrossEntropy.logSoftmax(logits)
        var perSample = [Float](repeating: 0, count: n)
        var gradient = [Float](repeating: 0, count: n * k)
        let scale = 1 / Float(max(n, 1))
        for row in 0..<n {
            let y = labels[row]
            precondition((0..<k).contains(y), "label \(y) outside 0..<\(k)")
            let py = expf(logP[row * k + y])
            // −log(1 − p_y/2) through log1p, accurate when p_y is small.
            perSample[row] = -log1pf(-py / 2)
            let factor = py / (2 - py) * scale
            for j in 0..<k {
                let pj = expf(logP[row * k + j])
                gradient[row * k + j] = factor * ((j == y ? 1 : 0) - pj)
            }
        }
        let value = n == 0 ? 0 : perSample.reduce(0, +) * scale
        return LossResult(value: value, perSample: perSample, gradient: Tensor(shape: logits.shape, values: gradient))
    }
}

/// KL(u ‖ p) from the uniform distribution u over K classes to p = softmax(z), on logits z [N, K]: an
/// unlearning loss that pushes a sample's prediction toward "don't know" rather than toward a wrong class,
/// and whose gradient does not vanish however confident the model is. A sample's loss is
///
///     lₙ = Σ_c (1/K) log((1/K) / p_c) = −log K − (1/K) Σ_c log p_c  ≥ 0,
///
/// 0 exactly when p is uniform; the reduced value is the mean over the batch. With ∂log p_c/∂z_j = δ_cj − p_j:
///
///     ∂L/∂z_j = (p_j − 1/K) / N,
///
/// so at p_y → 1 the true class's logit still gets (1 − 1/K)/N, where the bounded loss −log(1 − p_y/2)
/// gives p_y(1 − p_y)/(2 − p_y)/N → 0. Labels are not used (every class is pushed toward 1/K).
public struct UniformKLLoss: Sendable {
    public init() {}

    public func callAsFunction(_ logits: Tensor) -> LossResult {
        let (n, k) = (logits.batch, logits.shape[1])
        let logP = SoftmaxCrossEntropy.logSoftmax(logits)
        var perSample = [Float](repeating: 0, count: n)
        var gradient = [Float](repeating: 0, count: n * k)
        let scale = 1 / Float(max(n, 1))
        let uniform = 1 / Float(k)
        let logK = logf(Float(k))
        for row in 0..<n {
            var sum: Float = 0
            for j in 0..<k {
                let lp = logP[row * k + j]
                sum += lp
                gradient[row * k + j] = (expf(lp) - uniform) * scale
            }
            perSample[row] = -logK - sum * uniform
        }
        let value = n == 0 ? 0 : perSample.reduce(0, +) * scale
        return LossResult(value: value, perSample: perSample, gradient: Tensor(shape: logits.shape, values: gradient))
    }
}

/// KL(q ‖ p) between given target distributions q [N, K] (rows summing to 1) and p = softmax(z): a
/// sample's loss is Σₖ qₖ (log qₖ − log pₖ) (terms with qₖ = 0 are 0), the mean over the batch is
/// reported; gradient ∂/∂zₖ = (pₖ − qₖ) / N. Distillation toward a teacher's outputs; with q uniform it is
/// `UniformKLLoss`.
public struct SoftTargetKLLoss: Sendable {
    public init() {}

    public func callAsFunction(_ logits: Tensor, targets: [Float]) -> LossResult {
        let (n, k) = (logits.batch, logits.shape[1])
        precondition(targets.count == n * k, "\(targets.count) target values for \(n) × \(k) logits")
        let logP = SoftmaxCrossEntropy.logSoftmax(logits)
        var perSample = [Float](repeating: 0, count: n)
        var gradient = [Float](repeating: 0, count: n * k)
        let scale = 1 / Float(max(n, 1))
        for row in 0..<n {
            var loss: Float = 0
            for j in 0..<k {
                let q = targets[row * k + j], lp = logP[row * k + j]
                if q > 0 { loss += q * (logf(q) - lp) }
                gradient[row * k + j] = (expf(lp) - q) * scale
            }
            perSample[row] = loss
        }
        let value = n == 0 ? 0 : perSample.reduce(0, +) * scale
        return LossResult(value: value, perSample: perSample, gradient: Tensor(shape: logits.shape, values: gradient))
    }
}
