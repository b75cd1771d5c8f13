#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A normal distribution N(μ, σ²) fitted to one example's φ observations from shadow models (LiRA's
/// per-example IN or OUT distribution).
///
/// μ is the sample mean, or the median (what Carlini et al.'s reference code uses, robust to a shadow model
/// that diverged); σ is the population standard deviation about the mean, √((1/n) Σᵢ (φᵢ − φ̄)²) (NumPy's
/// `np.std`, also the reference code's), raised to `minimumStandardDeviation` so that a single observation
/// or identical ones still give a density (the reference code adds 1e-30 instead).
public struct GaussianFit: Sendable, Codable, Equatable {
    /// Where the fit puts μ.
    public enum Centre: String, Sendable, Codable, CaseIterable {
        case mean
        case median
    }

    public var mean: Double
    public var standardDeviation: Double

    public init(mean: Double, standardDeviation: Double) {
        precondition(standardDeviation > 0, "a Gaussian needs σ > 0, got \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// The fit to `observations` (at least one).
    public init(fitting observations: [Double], centre: Centre = .mean, minimumStandardDeviation: Double = 1e-30) {
        self.init(fitting: observations, centre: centre,
                  standardDeviation: max(minimumStandardDeviation, Self.populationStandardDeviation(observations)))
    }

    /// The fit to `observations` with a given σ (LiRA's fixed-variance option).
    public init(fitting observations: [Double], centre: Centre = .mean, standardDeviation: Double) {
        precondition(!observations.isEmpty, "a Gaussian fit needs at least one observation")
        let mean = observations.reduce(0, +) / Double(observations.count)
        switch centre {
        case .mean: self.init(mean: mean, standardDeviation: standardDeviation)
        case .median: self.init(mean: Self.median(observations), standardDeviation: standardDeviation)
        }
    }

    /// z = (x − μ)/σ.
    public func standardScore(_ x: Double) -> Double {
        (x - mean) / standardDeviation
    }

    /// log N(x; μ, σ²) = −½ log(2πσ²) − (x − μ)²/(2σ²).
    public func logDensity(_ x: Double) -> Double {
        let z = standardScore(x)
        return -0.5 * log(2 * Double.pi) - log(standardDeviation) - 0.5 * z * z
    }

    /// √((1/n) Σ (xᵢ − x̄)²), 0 for a single value.
    static func populationStandardDeviation(_ values: [Double]) -> Double {
        (sumOfSquaredDeviations(values) / Double(values.count)).squareRoot()
    }

    /// Σ (xᵢ − x̄)², two passes (mean first) so that large, close values do not cancel.
    static func sumOfSquaredDeviations(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    }

    /// The middle value, or the mean of the two middle values.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle])
    }
}
