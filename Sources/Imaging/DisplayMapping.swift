/// Turns decoded values into display samples for viewing (8- or 16-bit PNG output).
///
/// Monochrome: a VOI window (from the file, or given) maps values to [0, 1]; without one, the
/// frame's min–max range is stretched (DICOM) or the stored bit range kept (PNG/JPEG). MONOCHROME1 is
/// inverted so that larger display values are brighter. Colour values are scaled from their stored
/// range (2^BitsStored − 1; palette colour from 255 or 65535 by the palette's largest entry).
public struct DisplayMapping: Sendable, Equatable {
    public enum Intensity: Sendable, Equatable {
        case window(VOIWindow)
        case minMax
        /// [0, maximum] maps linearly to the output range.
        case range(maximum: Double)
    }

    public var intensity: Intensity
    public var invert: Bool

    /// The mapping `medsilo convert` uses: an explicit window wins, then the file's first window, then
    /// min–max for DICOM or the stored range for PNG/JPEG. Colour images accept no window.
    public static func choose(
        for info: ImageInfo, frameValues: some Collection<Float>, fileWindows: [VOIWindow], explicit: VOIWindow?
    ) throws(ImagingError) -> DisplayMapping {
        let invert = info.decodedPhotometricInterpretation == "MONOCHROME1"
        guard info.decodedSamplesPerPixel == 1 else {
            if explicit != nil {
                throw ImagingError(path: "", .invalidRequest("a window applies to monochrome images only"))
            }
            let maximum: Double
            if info.photometricInterpretation == "PALETTE COLOR" {
                maximum = (frameValues.max().map(Double.init) ?? 0) > 255 ? 65_535 : 255
            } else {
                maximum = Double((1 << info.bitsStored) - 1)
            }
            // PNG colour (RGB, RGBA, gray+alpha) keeps its container range.
            let container = info.format == .dicom ? maximum : Double((1 << info.bitsAllocated) - 1)
            return DisplayMapping(intensity: .range(maximum: container), invert: false)
        }
        if let explicit { return DisplayMapping(intensity: .window(explicit), invert: invert) }
        if let first = fileWindows.first { return DisplayMapping(intensity: .window(first), invert: invert) }
        if info.format == .dicom { return DisplayMapping(intensity: .minMax, invert: invert) }
        return DisplayMapping(intensity: .range(maximum: Double((1 << info.bitsAllocated) - 1)), invert: invert)
    }

    /// Maps one frame's values to integers in [0, 2^bits − 1] (rounded to nearest).
    public func apply(to values: some Collection<Float>, bits: Int) -> [UInt16] {
        let top = Double((1 << bits) - 1)
        let unit: (Double) -> Double
        switch intensity {
        case .window(let window):
            unit = { window.unitValue($0) }
        case .minMax:
            let low = Double(values.min() ?? 0), high = Double(values.max() ?? 0)
            let window = VOIWindow.covering(minimum: low, maximum: high)
            unit = high > low ? { window.unitValue($0) } : { _ in 0 }
        case .range(let maximum):
            unit = { maximum > 0 ? min(max($0 / maximum, 0), 1) : 0 }
        }
        return values.map { value in
            let u = unit(Double(value))
            return UInt16((invert ? 1 - u : u) * top + 0.5)
        }
    }
}
