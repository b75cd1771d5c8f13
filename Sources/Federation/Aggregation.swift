/// How a server combines hospitals' models (or updates) into one, coordinate by coordinate over whole
/// flat parameter buffers (see `Parameters`: every model is one [Float] in the same layout).
public enum Aggregation {
    /// Σ wᵢ·xᵢ / Σ wᵢ (FedAvg with wᵢ the hospitals' sample counts). Accumulates in Double, so the
    /// result does not depend on how many hospitals there are beyond rounding of the final value.
    public static func weightedMean(_ vectors: [[Float]], weights: [Double]) -> [Float] {
        precondition(!vectors.isEmpty && vectors.count == weights.count, "one weight per vector")
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights must sum to more than 0")
        let count = vectors[0].count
        var sum = [Double](repeating: 0, count: count)
        for (vector, weight) in zip(vectors, weights) {
            precondition(vector.count == count, "vectors of different lengths")
            let w = weight / total
            vector.withUnsafeBufferPointer { v in
                for i in 0..<count { sum[i] += w * Double(v[i]) }
            }
        }
        return sum.map { Float($0) }
    }

    /// The coordinate-wise median (the mean of the two middle values for an even count): robust to a
    /// minority of arbitrary updates (Yin et al. 2018).
    public static func median(_ vectors: [[Float]]) -> [Float] {
        trimmedMean(vectors, trim: (vectors.count - 1) / 2)
    }

    /// The coordinate-wise mean after dropping the `trim` largest and `trim` smallest values of each
    /// coordinate (Yin et al. 2018); trim 0 is the plain mean, trim ⌊(n − 1)/2⌋ the median.
    public static func trimmedMean(_ vectors: [[Float]], trim: Int) -> [Float] {
        let n = vectors.count
        precondition(n > 0 && trim >= 0 && 2 * trim < n, "trim must leave at least one value")
        let count = vectors[0].count
        var column = [Float](repeating: 0, count: n)
        return (0..<count).map { i in
            for k in 0..<n { column[k] = vectors[k][i] }
            column.sort()
            var sum = 0.0
            for k in trim..<(n - trim) { sum += Double(column[k]) }
            return Float(sum / Double(n - 2 * trim))
        }
    }
}

/// How much an asynchronous update counts given its staleness τ (server versions since the model the
/// hospital started from).
public enum Staleness: Sendable, Equatable, Codable {
    /// s(τ) = 1.
    case constant
    /// s(τ) = (1 + τ)^−a (FedAsync, Xie et al. 2019).
    case polynomial(a: Double)
    /// s(τ) = 1 for τ ≤ b, else 1/(a(τ − b) + 1) (FedAsync).
    case hinge(a: Double, b: Double)
    /// s(τ) = 1/√(1 + τ) (FedBuff, Nguyen et al. 2022).
    case inverseSquareRoot

    public func weight(_ staleness: Int) -> Double {
        let tau = Double(max(0, staleness))
        switch self {
        case .constant: return 1
        case .polynomial(let a): return 1 / pow(1 + tau, a)
        case .hinge(let a, let b): return tau <= b ? 1 : 1 / (a * (tau - b) + 1)
        case .inverseSquareRoot: return 1 / (1 + tau).squareRoot()
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
