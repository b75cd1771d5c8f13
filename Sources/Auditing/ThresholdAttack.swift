#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threshold attacks' score functions on one sample's predicted probabilities p (a row of K
/// probabilities summing to 1) and its true label y, oriented so that a higher score means "member".
///
/// - `loss` (Yeom et al., CSF 2018): ℓ = −log p_y; score −ℓ = log p_y. A member iff ℓ ≤ τ.
/// - `confidence` (Song & Mittal, USENIX Security 2021): score p_y.
/// - `entropy` (Song & Mittal 2021): H(p) = −Σ_c p_c log p_c; score −H.
/// - `modifiedEntropy` (Song & Mittal 2021):
///
///       Mentr(p, y) = −(1 − p_y) log p_y − Σ_{c≠y} p_c log(1 − p_c);   score −Mentr.
///
///   Unlike H it uses the label: a confident *wrong* prediction has a high Mentr (non-member-like),
///   while H calls it as certain as a confident right one.
///
/// Every log is of a probability clamped to [1e-12, 1] (log p and log(1 − p) alike), so a row with exact
/// zeros and ones gives finite scores: ℓ ≤ 27.64, Mentr ≤ 2·27.64. Sums are taken in Double.
///
/// `loss` and `confidence` order samples identically (log is increasing), hence give the same ROC and,
/// with thresholds chosen on the same data, the same decisions; both are kept because papers report
/// both. The thresholds themselves are `ClassThresholds`.
public enum ThresholdAttack: String, Sendable, Codable, CaseIterable {
    case loss
    case confidence
    case entropy
    case modifiedEntropy

    /// The member-oriented score of one sample (higher = more member-like).
    public func score<Row: Collection<Float>>(probabilities row: Row, label: Int) -> Double {
        switch self {
        case .loss: -Self.crossEntropy(row, label: label)
        case .confidence: Self.labelProbability(row, label: label)
        case .entropy: -Self.entropy(row)
        case .modifiedEntropy: -Self.modifiedEntropy(row, label: label)
        }
    }

    /// Scores of N samples from row-major [N, K] probabilities.
    public func scores(probabilities: [Float], labels: [Int], classes: Int) -> [Double] {
        precondition(classes > 0 && probabilities.count == labels.count * classes,
                     "probabilities must be [N, K] with N = \(labels.count) labels and K = \(classes)")
        return labels.indices.map { n in
            score(probabilities: probabilities[n * classes..<(n + 1) * classes], label: labels[n])
        }
    }

    /// Scores of N samples from row-major [N, K] logits, through a softmax computed in Double (z − max z
    /// before exp, so no overflow).
    public func scores(logits: [Float], labels: [Int], classes: Int) -> [Double] {
        precondition(classes > 0 && logits.count == labels.count * classes,
                     "logits must be [N, K] with N = \(labels.count) labels and K = \(classes)")
        return labels.indices.map { n in
            score(probabilities: Self.softmax(logits[n * classes..<(n + 1) * classes]), label: labels[n])
        }
    }

    // MARK: The quantities themselves (unsigned, as in the papers).

    /// p_y, checking that y is one of the row's classes.
    public static func labelProbability<Row: Collection<Float>>(_ row: Row, label: Int) -> Double {
        Double(SafeMath.entry(row, label))
    }

    /// The cross-entropy loss ℓ = −log p_y (p_y clamped to [1e-12, 1]).
    public static func crossEntropy<Row: Collection<Float>>(_ row: Row, label: Int) -> Double {
        -SafeMath.clampedLog(labelProbability(row, label: label))
    }

    /// The Shannon entropy H(p) = −Σ_c p_c log p_c in nats (a zero p_c contributes 0).
    public static func entropy<Row: Collection<Float>>(_ row: Row) -> Double {
        var h = 0.0
        for p in row {
            let p = Double(p)
            h -= p * SafeMath.clampedLog(p)
        }
        return h
    }

    /// Song & Mittal's modified entropy Mentr(p, y) = −(1 − p_y) log p_y − Σ_{c≠y} p_c log(1 − p_c), in nats.
    public static func modifiedEntropy<Row: Collection<Float>>(_ row: Row, label: Int) -> Double {
        let py = labelProbability(row, label: label)
        var m = -(1 - py) * SafeMath.clampedLog(py)
        for (c, p) in row.enumerated() where c != label {
            let p = Double(p)
            m -= p * SafeMath.clampedLog(1 - p)
        }
        return m
    }

    /// softmax(z) of one row of logits, in Double, rounded to Float once.
    static func softmax<Row: Collection<Float>>(_ logits: Row) -> [Float] {
        let largest = Double(logits.max() ?? 0)
        let exps = logits.map { exp(Double($0) - largest) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }
}
