/// Escaping of text for XML and HTML, shared by the SVG plots, tables and reports.
public enum Markup {
    /// `text` safe inside an element or a quoted attribute of XML or HTML: `&`, `<`, `>`, `"` and `'` become
    /// entities. Control characters that XML 1.0 cannot hold at all (C0 controls other than tab, LF and CR,
    /// and U+FFFE/U+FFFF) become U+FFFD, so that a stray byte in a label cannot make an SVG unreadable.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// A number for an SVG attribute: at most two decimals and no trailing zeros ("64", "36.5", "0.25"), which
/// keeps files small. Clamped to ±10⁶ so that a point far outside an explicit axis range still gives a number
/// (drawn outside the clipped plot area) instead of overflowing; non-finite values give "0".
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let hundredths = Int((min(max(value, -1e6), 1e6) * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let whole = abs(hundredths) / 100, fraction = abs(hundredths) % 100
    if fraction == 0 { return sign + String(whole) }
    if fraction % 10 == 0 { return sign + "\(whole).\(fraction / 10)" }
    return sign + "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}
