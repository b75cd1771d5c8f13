/// Whether |a − b| ≤ tolerance.
func isClose(_ a: Double, _ b: Double, within tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance
}

/// Whether a and b agree entry by entry within `tolerance`.
func isClose(_ a: [Double], _ b: [Double], within tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}
