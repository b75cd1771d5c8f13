import Seeding

/// The largest |aᵢ − bᵢ|, in Double.
func maxDifference(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
}

/// Whether a and b agree entry by entry within `tolerance`.
func isClose(_ a: [Float], _ b: [Float], within tolerance: Double = 1e-6) -> Bool {
    a.count == b.count && maxDifference(a, b) <= tolerance
}

func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

func norm(_ a: [Float]) -> Double { dot(a, a).squareRoot() }

/// `count` entries uniform in [−1, 1).
func randomVector(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float(2 * generator.nextUnit() - 1) }
}

/// a + s·b.
func adding(_ a: [Float], _ s: Double, _ b: [Float]) -> [Float] {
    zip(a, b).map { Float(Double($0) + s * Double($1)) }
}

/// `block` of a d-vector set to `values`, zeros elsewhere.
func embedded(_ values: [Float], in block: Range<Int>, count: Int) -> [Float] {
    var v = [Float](repeating: 0, count: count)
    for (k, i) in block.enumerated() { v[i] = values[k] }
    return v
}
