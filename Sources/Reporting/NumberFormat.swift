/// Numbers as text for tables, captions and axis ticks, without Foundation.
///
/// Rounding works on the shortest decimal that reads back as the same Double (what `print` shows), not on
/// the binary value: 2.675 is stored as 2.67499999…, but it prints and is meant as 2.675, so `fixed(2.675,
/// decimals: 2)` gives "2.68" where C's printf gives "2.67". Halves round away from zero. Negative numbers use
/// ASCII "-" so that tables stay machine-readable; a value that rounds to zero has no sign.
public enum NumberFormat {
    /// `value` with exactly `decimals` digits after the point (none for `decimals` ≤ 0): `fixed(0.5,
    /// decimals: 3)` is "0.500", `fixed(-0.0004, decimals: 3)` is "0.000", `fixed(12345.678, decimals: 2)` is
    /// "12345.68". NaN is "–" (en dash), ±∞ are "∞" and "−∞".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if let special = nonFinite(value) { return special }
        let decimals = max(0, decimals)
        let rounded = DecimalDigits(value.magnitude).rounded(decimals: decimals)
        var text = rounded.isZero || value > 0 ? "" : "-"
        text += rounded.point <= 0 ? "0" : rounded.digitString(0..<rounded.point)
        if decimals > 0 { text += "." + rounded.digitString(rounded.point..<(rounded.point + decimals)) }
        return text
    }

    /// "0.512 ± 0.013": mean and standard deviation with the same decimals; just the mean when `std` is nil.
    public static func meanStd(_ mean: Double, _ std: Double?, decimals: Int) -> String {
        let text = fixed(mean, decimals: decimals)
        guard let std else { return text }
        return text + " ± " + fixed(std, decimals: decimals)
    }

    /// A short axis label: the value at 12 significant digits (so 0.1 + 0.2 shows as "0.3") without trailing
    /// zeros, plain from 10⁻⁴ up to below 10⁶ ("0.0001", "0.5", "10", "2500") and in exponent form outside
    /// that ("1e-05", "2.5e+06", exponent signed and at least two digits, as printf's %g writes it).
    public static func tick(_ value: Double) -> String {
        if let special = nonFinite(value) { return special }
        let rounded = DecimalDigits(value.magnitude).rounded(significant: 12)
        if rounded.isZero { return "0" }
        let sign = value < 0 ? "-" : "", exponent = rounded.point - 1
        if exponent < -4 || exponent >= 6 {
            let rest = rounded.digitString(1..<rounded.digits.count)
            let power = String(abs(exponent))
            return sign + rounded.digitString(0..<1) + (rest.isEmpty ? "" : "." + rest) + "e"
                + (exponent < 0 ? "-" : "+") + (power.count < 2 ? "0" : "") + power
        }
        let whole = rounded.point <= 0 ? "0" : rounded.digitString(0..<rounded.point)
        let fraction = rounded.digits.count > rounded.point ? rounded.digitString(rounded.point..<rounded.digits.count) : ""
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    static func nonFinite(_ value: Double) -> String? {
        if value.isNaN { return "–" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        return nil
    }
}

/// A finite, non-negative Double as decimal digits: value = 0.d₀d₁d₂… × 10^point with d₀ ≠ 0 and no trailing
/// zero digits (no digits at all for zero). Read from `description`, the shortest round-trip decimal.
struct DecimalDigits: Equatable {
    var digits: [UInt8]
    var point: Int

    init(digits: [UInt8], point: Int) {
        var digits = digits, point = point
        while digits.first == 0 { digits.removeFirst(); point -= 1 }
        while digits.last == 0 { digits.removeLast() }
        self.digits = digits
        self.point = digits.isEmpty ? 0 : point
    }

    /// From `magnitude.description`, which reads "12345.678", "0.0005", "1e-05" or "1.5e+20".
    init(_ magnitude: Double) {
        precondition(magnitude.isFinite && magnitude >= 0)
        let parts = magnitude.description.split(separator: "e", maxSplits: 1)
        var digits: [UInt8] = [], point = parts.count > 1 ? Int(parts[1]) ?? 0 : 0, afterPoint = false
        for byte in parts[0].utf8 {
            if byte == UInt8(ascii: ".") { afterPoint = true; continue }
            digits.append(byte - UInt8(ascii: "0"))
            if !afterPoint { point += 1 }
        }
        self.init(digits: digits, point: point)
    }

    var isZero: Bool { digits.isEmpty }

    /// Rounded half away from zero to `decimals` digits after the decimal point.
    func rounded(decimals: Int) -> DecimalDigits {
        let keep = point + decimals
        guard keep < digits.count else { return self }
        guard keep >= 0 else { return DecimalDigits(digits: [], point: 0) }
        var kept = Array(digits[..<keep]), point = self.point
        if digits[keep] >= 5 {
            var index = kept.count - 1
            while index >= 0 && kept[index] == 9 { kept[index] = 0; index -= 1 }
            if index >= 0 { kept[index] += 1 } else { kept.insert(1, at: 0); point += 1 }
        }
        return DecimalDigits(digits: kept, point: point)
    }

    /// Rounded half away from zero to `significant` significant digits.
    func rounded(significant: Int) -> DecimalDigits { rounded(decimals: significant - point) }

    /// Digits at the given places (0 is d₀), with zeros beyond the stored ones.
    func digitString(_ places: Range<Int>) -> String {
        String(decoding: places.map { UInt8(ascii: "0") + ($0 >= 0 && $0 < digits.count ? digits[$0] : 0) }, as: UTF8.self)
    }
}
