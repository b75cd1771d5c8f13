/// A VOI window: maps modality values to display values (DICOM PS3.3 C.11.2.1.2).
public struct VOIWindow: Sendable, Equatable, Codable {
    /// VOI LUT Function (0028,1056).
    public enum Function: String, Sendable, Codable {
        case linear = "LINEAR"
        case linearExact = "LINEAR_EXACT"
        case sigmoid = "SIGMOID"
    }

    public var center: Double
    public var width: Double
    public var function: Function

    public init(center: Double, width: Double, function: Function = .linear) {
        self.center = center
        self.width = width
        self.function = function
    }

    /// True when the window can be applied: LINEAR needs width ≥ 1, the others width > 0.
    public var isValid: Bool {
        guard center.isFinite, width.isFinite else { return false }
        return function == .linear ? width >= 1 : width > 0
    }

    /// Maps `x` into [0, 1].
    ///
    /// LINEAR (C.11.2.1.2.1): x ≤ c − ½ − (w−1)/2 → 0; x > c − ½ + (w−1)/2 → 1;
    /// otherwise ((x − (c − ½)) / (w − 1) + ½).
    /// LINEAR_EXACT (C.11.2.1.3.2): the same with c and w unadjusted.
    /// SIGMOID (C.11.2.1.3.1): 1 / (1 + exp(−4 (x − c) / w)).
    @inline(__always)
    public func unitValue(_ x: Double) -> Double {
        switch function {
        case .linear:
            let c = center - 0.5, w = width - 1
            if x <= c - w / 2 { return 0 }
            if x > c + w / 2 { return 1 }
            return (x - c) / w + 0.5
        case .linearExact:
            if x <= center - width / 2 { return 0 }
            if x > center + width / 2 { return 1 }
            return (x - center) / width + 0.5
        case .sigmoid:
            return 1 / (1 + _exp(-4 * (x - center) / width))
        }
    }

    /// The window spanning `[minimum, maximum]` exactly (LINEAR_EXACT), for min–max display.
    public static func covering(minimum: Double, maximum: Double) -> VOIWindow {
        let width = max(maximum - minimum, .leastNormalMagnitude)
        return VOIWindow(center: (minimum + maximum) / 2, width: width, function: .linearExact)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) private func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
