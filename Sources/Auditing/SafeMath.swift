#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few scalar helpers the audit formulas share, in Double.
///
/// Probabilities come from Float32 softmax rows, so exact zeros and ones happen (a confident model rounds
/// p = 1 − 1e-9 to 1). Every log of a probability therefore goes through `clampedLog`, which clamps its
/// argument to [1e-12, 1] first: log 0 would make a loss or an entropy infinite and a sum of them NaN.
enum SafeMath {
    /// The floor of a probability inside a log: log(1e-12) ≈ −27.63.
    static let probabilityFloor = 1e-12

    /// log(min(1, max(1e-12, p))).
    static func clampedLog(_ p: Double) -> Double {
        log(min(1, max(probabilityFloor, p)))
    }

    /// The standard normal CDF Φ(z) = ½·erfc(−z/√2), accurate in the lower tail; it rounds to 1 for
    /// z ≳ 8.3, where `logSurvival` keeps resolving.
    static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// log Q(z) = log(1 − Φ(z)), the log of the standard normal survival function, finite for every finite z.
    ///
    /// Q(z) = ½·erfc(z/√2) up to z = 30, where Q ≈ 5e−198 is still a normal Double; beyond, the asymptotic
    /// expansion (Abramowitz & Stegun 26.2.12)
    ///
    ///     log Q(z) ≈ −z²/2 − log(z·√(2π)) + log(1 − 1/z² + 3/z⁴ − 15/z⁶)
    ///
    /// whose relative error at z = 30 is below 105/z⁸ ≈ 2e−10.
    static func logSurvival(_ z: Double) -> Double {
        if z <= 30 { return log(0.5 * erfc(z / 2.0.squareRoot())) }
        let r = 1 / (z * z)
        return -0.5 * z * z - log(z * (2 * Double.pi).squareRoot()) + log(1 - r + 3 * r * r - 15 * r * r * r)
    }

    /// log Σᵢ exp(xᵢ) over the entries of `values` at offsets other than `skipping`, shifted by the largest
    /// so that no exp overflows: m + log Σ exp(xᵢ − m). −∞ when nothing is left (or everything is −∞).
    static func logSumExp<Row: Collection<Float>>(_ values: Row, skipping skipped: Int) -> Double {
        var largest = -Double.infinity
        for (offset, value) in values.enumerated() where offset != skipped { largest = max(largest, Double(value)) }
        guard largest > -Double.infinity else { return -Double.infinity }
        var sum = 0.0
        for (offset, value) in values.enumerated() where offset != skipped { sum += exp(Double(value) - largest) }
        return largest + log(sum)
    }

    /// The entry of a row (probabilities or logits) at class `label`, checking that the class exists.
    static func entry<Row: Collection<Float>>(_ row: Row, _ label: Int) -> Float {
        precondition((0..<row.count).contains(label), "label \(label) outside \(row.count) classes")
        return row[row.index(row.startIndex, offsetBy: label)]
    }
}
