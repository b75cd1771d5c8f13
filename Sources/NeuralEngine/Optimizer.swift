#if canImport(Glibc)
import Glibc
#endif

/// Updates a model's flat parameter buffer from its flat gradient buffer. State (momentum, moments)
/// lives in buffers of the same layout, so it is saved, averaged or reset like the parameters.
public protocol Optimizer: Sendable {
    var learningRate: Float { get set }
    mutating func step(_ parameters: inout Parameters)
}

/// Stochastic gradient descent as PyTorch's SGD (dampening 0): g ← g + λθ; with momentum μ,
/// v ← μv + g and the step uses v (Nesterov: g + μv); θ ← θ − η·step.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public private(set) var velocity: [Float] = []

    public init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public mutating func step(_ parameters: inout Parameters) {
        if momentum != 0 && velocity.count != parameters.values.count { velocity = [Float](repeating: 0, count: parameters.values.count) }
        let (eta, mu, lambda, nesterov) = (learningRate, momentum, weightDecay, nesterov)
        parameters.values.withUnsafeMutableBufferPointer { theta in
            parameters.gradients.withUnsafeBufferPointer { g in
                velocity.withUnsafeMutableBufferPointer { v in
                    for i in theta.indices {
                        var d = g[i] + lambda * theta[i]
                        if mu != 0 {
                            v[i] = mu * v[i] + d
                            d = nesterov ? d + mu * v[i] : v[i]
                        }
                        theta[i] -= eta * d
                    }
                }
            }
        }
    }
}

/// Adam (Kingma and Ba 2015) as PyTorch's Adam, and AdamW (Loshchilov and Hutter 2019) with
/// `decoupled`: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − η·m̂/(√v̂ + ε) with
/// m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). Weight decay λ adds λθ to g (Adam) or first scales θ by 1 − ηλ (AdamW).
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float, beta2: Float, epsilon: Float
    public var weightDecay: Float
    public var decoupled: Bool
    public private(set) var steps = 0
    public private(set) var firstMoment: [Float] = []
    public private(set) var secondMoment: [Float] = []

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    public mutating func step(_ parameters: inout Parameters) {
        let count = parameters.values.count
        if firstMoment.count != count {
            firstMoment = [Float](repeating: 0, count: count)
            secondMoment = [Float](repeating: 0, count: count)
        }
        steps += 1
        let (eta, b1, b2, eps, lambda, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupled)
        let correction1 = 1 - powf(b1, Float(steps)), correction2 = 1 - powf(b2, Float(steps))
        parameters.values.withUnsafeMutableBufferPointer { theta in
            parameters.gradients.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        for i in theta.indices {
                            var gi = g[i]
                            if decoupled { theta[i] *= 1 - eta * lambda } else { gi += lambda * theta[i] }
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            theta[i] -= eta * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}

/// Learning rate by epoch: constant, step decay (× γ every `every` epochs), or cosine annealing from the
/// base rate to `minimum` over `epochs` (η = η_min + (η₀ − η_min)(1 + cos(π·e/E))/2).
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    case step(every: Int, gamma: Float)
    case cosine(epochs: Int, minimum: Float)

    public func rate(base: Float, epoch: Int) -> Float {
        switch self {
        case .constant: return base
        case .step(let every, let gamma): return base * powf(gamma, Float(epoch / max(1, every)))
        case .cosine(let epochs, let minimum):
            let t = Float(min(epoch, epochs)) / Float(max(1, epochs))
            return minimum + (base - minimum) * (1 + cosf(.pi * t)) / 2
        }
    }
}

extension Parameters {
    /// The L2 norm of all gradients together.
    public var gradientNorm: Float {
        gradients.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot().float
    }

    /// Scales the gradients so their L2 norm is at most `maximum` (as PyTorch's clip_grad_norm_);
    /// returns the norm before clipping.
    @discardableResult
    public mutating func clipGradientNorm(_ maximum: Float) -> Float {
        let norm = gradientNorm
        if norm > maximum {
            let scale = maximum / (norm + 1e-6)
            for i in gradients.indices { gradients[i] *= scale }
        }
        return norm
    }
}

extension Double {
    var float: Float { Float(self) }
}
