#if canImport(Glibc)
import Glibc
#endif

/// How a synchronous server turns the round's client models into the next global model.
///
/// Server optimisers (Reddi et al. 2021) read the round as a pseudo-gradient Δ = w − mean(clients)
/// (sample-weighted) and take one step on it.
public enum ServerStrategy: Sendable, Equatable, Codable {
    /// w ← Σ nᵢwᵢ / Σ nᵢ.
    case fedAvg
    /// FedAvgM (Hsu et al. 2019): m ← βm + Δ, w ← w − η·m.
    case fedAvgM(learningRate: Double, momentum: Double)
    /// FedAdam (Reddi et al. 2021): m ← β₁m + (1 − β₁)Δ, v ← β₂v + (1 − β₂)Δ², w ← w − η·m/(√v + τ).
    case fedAdam(learningRate: Double, beta1: Double, beta2: Double, tau: Double)
    /// The coordinate-wise median of the client models (unweighted).
    case median
    /// The coordinate-wise mean after dropping the `trim` largest and smallest values (unweighted).
    case trimmedMean(trim: Int)
}

/// A server strategy with its state (momentum, moments), applied round after round.
public struct ServerAggregator: Sendable {
    public let strategy: ServerStrategy
    var first: [Double] = []
    var second: [Double] = []

    public init(_ strategy: ServerStrategy) {
        self.strategy = strategy
    }

    /// The next global model from the current one and the participants' models and sample counts.
    public mutating func aggregate(global: [Float], clients: [[Float]], samples: [Int]) -> [Float] {
        switch strategy {
        case .fedAvg: return Aggregation.weightedMean(clients, weights: samples.map(Double.init))
        case .median: return Aggregation.median(clients)
        case .trimmedMean(let trim): return Aggregation.trimmedMean(clients, trim: min(trim, (clients.count - 1) / 2))
        case .fedAvgM(let eta, let beta):
            let mean = Aggregation.weightedMean(clients, weights: samples.map(Double.init))
            if first.count != global.count { first = [Double](repeating: 0, count: global.count) }
            return (0..<global.count).map { i in
                first[i] = beta * first[i] + Double(global[i] - mean[i])
                return Float(Double(global[i]) - eta * first[i])
            }
        case .fedAdam(let eta, let beta1, let beta2, let tau):
            let mean = Aggregation.weightedMean(clients, weights: samples.map(Double.init))
            if first.count != global.count {
                first = [Double](repeating: 0, count: global.count)
                second = [Double](repeating: 0, count: global.count)
            }
            return (0..<global.count).map { i in
                let delta = Double(global[i] - mean[i])
                first[i] = beta1 * first[i] + (1 - beta1) * delta
                second[i] = beta2 * second[i] + (1 - beta2) * delta * delta
                return Float(Double(global[i]) - eta * first[i] / (second[i].squareRoot() + tau))
            }
        }
    }
}
