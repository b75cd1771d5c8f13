/// One axis of a plot: its domain, whether it is logarithmic, its ticks, and where a value falls along it.
///
/// Linear ticks step by 1, 2 or 5 × 10^k: the smallest such step that cuts the span into at most 5 intervals
/// (so 0…1 gives 0, 0.2, …, 1 and 0…3 gives 0, 1, 2, 3). Log ticks are the decades 10^k inside the domain,
/// every n-th one (those with k divisible by n) when there are more than 8; a domain holding fewer than three
/// decades gets 1, 2 and 5 × 10^k, and linear ticks if even those are fewer than two.
struct Scale: Equatable {
    /// A tick step `multiple` × 10^`power`, kept apart so that ticks are computed as k·multiple / 10^−power,
    /// which gives the Double nearest 0.6 rather than 3 × 0.2 = 0.6000000000000001.
    struct Step: Equatable {
        var multiple: Int
        var power: Int

        func value(_ count: Int) -> Double {
            power >= 0 ? Double(count * multiple) * powerOfTen(power) : Double(count * multiple) / powerOfTen(-power)
        }
    }

    var lower: Double
    var upper: Double
    var logarithmic: Bool
    var ticks: [Double]

    /// A scale over `lower`…`upper`, which must be finite with `lower` < `upper` (and `lower` > 0 on a log
    /// scale). `step` gives the linear tick step (by default the one the span calls for).
    init(lower: Double, upper: Double, logarithmic: Bool, step: Step? = nil) {
        precondition((upper - lower).isFinite && lower < upper && (!logarithmic || lower > 0))
        self.lower = lower
        self.upper = upper
        self.logarithmic = logarithmic
        ticks = logarithmic ? Self.logTicks(lower, upper) : Self.linearTicks(lower, upper, step: step)
    }

    /// The scale of `axis` for the data values `values`: the axis's own range when it is usable (finite,
    /// increasing with a finite span, positive on a log axis), otherwise one fitted to the values that the axis can show (finite,
    /// and > 0 on a log axis), widened to whole tick steps or whole decades. Nil when there is no such value.
    init?(axis: Axis, values: [Double]) {
        if let range = axis.range, (range.upperBound - range.lowerBound).isFinite,
            range.lowerBound < range.upperBound, !axis.logarithmic || range.lowerBound > 0
        {
            self.init(lower: range.lowerBound, upper: range.upperBound, logarithmic: axis.logarithmic)
            return
        }
        let shown = values.filter { $0.isFinite && (!axis.logarithmic || $0 > 0) }
        // Clamped so that the span stays finite.
        guard var low = shown.min().map({ max($0, -1e300) }), var high = shown.max().map({ min($0, 1e300) }) else {
            return nil
        }
        if axis.logarithmic {
            let lowPower = floorLog10(low), highPower = floorLog10(high)
            let top = powerOfTen(highPower) == high && highPower > lowPower ? highPower : highPower + 1
            self.init(lower: powerOfTen(lowPower), upper: powerOfTen(top), logarithmic: true)
            return
        }
        if low == high {
            let pad = low == 0 ? 1 : low.magnitude / 2
            low -= pad
            high += pad
        }
        let step = Self.niceStep(span: high - low)
        let size = step.value(1)
        let first = Int((low / size + 1e-9).rounded(.down)), last = Int((high / size - 1e-9).rounded(.up))
        self.init(lower: step.value(first), upper: step.value(last), logarithmic: false, step: step)
    }

    /// Where `value` lies along the axis: 0 at `lower`, 1 at `upper`, linear in the value or in its log10.
    /// Nil when the axis cannot show it (not finite, or ≤ 0 on a log axis); values outside the domain give
    /// fractions outside 0…1.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        guard logarithmic else { return (value - lower) / (upper - lower) }
        guard value > 0 else { return nil }
        return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
    }

    /// The smallest 1, 2 or 5 × 10^k that cuts `span` into at most 5 intervals.
    static func niceStep(span: Double) -> Step {
        let raw = span / 5, power = floorLog10(raw)
        let magnitude = powerOfTen(power)
        // A relative slack, so that a span of exactly 1 (raw 0.2 = 2 × 0.1) picks 2, not 5.
        for multiple in [1, 2, 5] where Double(multiple) * magnitude >= raw * (1 - 1e-9) {
            return Step(multiple: multiple, power: power)
        }
        return Step(multiple: 1, power: power + 1)
    }

    static func linearTicks(_ lower: Double, _ upper: Double, step: Step? = nil) -> [Double] {
        let step = step ?? niceStep(span: upper - lower), size = step.value(1)
        let first = Int((lower / size - 1e-9).rounded(.up)), last = Int((upper / size + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        return (first...last).map(step.value)
    }

    static func logTicks(_ lower: Double, _ upper: Double) -> [Double] {
        let first = ceilLog10(lower * (1 - 1e-12)), last = floorLog10(upper * (1 + 1e-12))
        if last - first + 1 >= 3 {
            let every = (last - first + 8) / 8  // ⌈count / 8⌉
            return (first...last).filter { $0 % every == 0 }.map(powerOfTen)
        }
        var ticks: [Double] = []
        for power in floorLog10(lower)...floorLog10(upper) {
            for multiple in [1.0, 2, 5] {
                let value = power >= 0 ? multiple * powerOfTen(power) : multiple / powerOfTen(-power)
                if value >= lower * (1 - 1e-12) && value <= upper * (1 + 1e-12) { ticks.append(value) }
            }
        }
        return ticks.count >= 2 ? ticks : linearTicks(lower, upper)
    }
}

/// 10^`power` as a Double: exact up to 10^22, and 1 / 10^−power below 1, so that powerOfTen(−3) is the Double
/// nearest 0.001, the same as the literal.
func powerOfTen(_ power: Int) -> Double {
    func up(_ count: Int) -> Double { (0..<min(count, 400)).reduce(1.0) { product, _ in product * 10 } }
    if power >= 0 { return up(power) }
    return -power <= 308 ? 1 / up(-power) : 1 / up(308) / up(-power - 308)
}

/// ⌊log10 x⌋ for a positive finite `x`, exact at powers of ten (no floating-point log involved).
func floorLog10(_ x: Double) -> Int {
    var power = Int((Double(x.exponent) * 0.30102999566398120).rounded(.down))
    while powerOfTen(power + 1) <= x { power += 1 }
    while powerOfTen(power) > x { power -= 1 }
    return power
}

/// ⌈log10 x⌉ for a positive finite `x`.
func ceilLog10(_ x: Double) -> Int {
    let power = floorLog10(x)
    return powerOfTen(power) == x ? power : power + 1
}

/// log10 of a positive finite `x` to about 1 ulp, without Foundation: with x = m·2^e and m in [√½, √2),
/// ln m = 2·atanh(z) for z = (m − 1)/(m + 1), |z| < 0.18, whose odd series converges within 20 terms.
func log10(_ x: Double) -> Double {
    var m = x.significand, e = Double(x.exponent)
    if m > 1.4142135623730951 {
        m /= 2
        e += 1
    }
    let z = (m - 1) / (m + 1), z2 = z * z
    var term = z, sum = 0.0
    for k in stride(from: 1.0, through: 41, by: 2) {
        sum += term / k
        term *= z2
    }
    return (2 * sum + e * 0.6931471805599453) / 2.302585092994046
}
