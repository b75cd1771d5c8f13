/// Summaries of repeated measurements (seeds, folds) for tables.
public enum Summary {
    /// Mean and sample standard deviation (divisor n − 1) of the finite values in `values`; NaN and ±∞ are
    /// left out, as a failed run's missing figure should not poison the others. The mean is nil when no value
    /// is finite, the standard deviation when fewer than two are. Two passes (mean, then squared deviations),
    /// which stays accurate when the values are large and close together.
    public static func meanStd(_ values: [Double]) -> (mean: Double?, std: Double?) {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return (nil, nil) }
        let mean = finite.reduce(0, +) / Double(finite.count)
        guard finite.count > 1 else { return (mean, nil) }
        let squares = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(finite.count - 1)).squareRoot())
    }
}
