import Imaging

/// Buffers one worker reuses from sample to sample, so that a bulk ingest does not allocate (and
/// page-fault in) a full-resolution frame per image.
final class PreprocessScratch {
    var frame: [Float] = []
    var bytes: [UInt8] = []
    var vertical: [Float] = []
    var resized: [Float] = []
    var values: [Float] = []
    private var tapCache: [Int: Resampling.AxisTaps] = [:]

    func taps(input: Int, output: Int, method: PreprocessSettings.Resize) -> Resampling.AxisTaps {
        let key = input &* 1_000_003 &+ output
        if let cached = tapCache[key] { return cached }
        let taps = Resampling.taps(input: input, output: output, method: method)
        tapCache[key] = taps
        return taps
    }

    static func grow(_ buffer: inout [Float], to count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }
}

/// Turns one decoded frame into the store's C×H×W values in [0, 1], following `PreprocessSettings`:
///
/// 1. intensity: grayscale DICOM through the intensity policy (MONOCHROME1 inverted afterwards);
///    everything else divided by its full scale (255, or 65535 for 16-bit PNG and wide DICOM colour);
///    alpha dropped;
/// 2. resize to size × size (area or bilinear, `Resampling`);
/// 3. channels: gray replicated to RGB, RGB to gray by ITU-R BT.601 luma (0.299, 0.587, 0.114).
///
/// Full-scale division is linear, so it is applied after resizing (on size² values instead of the whole
/// frame); windowing is not, so it is applied first, in place.
struct Preprocessor: Sendable {
    let settings: PreprocessSettings

    /// Values per stored sample.
    var valueCount: Int { settings.channels * settings.size * settings.size }

    /// How a frame's values map to [0, 1].
    enum Intensity {
        /// Grayscale DICOM after the modality transform: the intensity policy's window (file windows
        /// given), inverted for MONOCHROME1.
        case dicomGray(windows: [VOIWindow], invert: Bool)
        /// Values divided by the source's full scale.
        case fullScale(Float)
    }

    /// The intensity mapping of a decoded image file.
    func intensity(for info: ImageInfo, windows: [VOIWindow], frame: UnsafeBufferPointer<Float>) -> Intensity {
        if info.format == .dicom && info.decodedSamplesPerPixel == 1 {
            return .dicomGray(windows: windows, invert: info.photometricInterpretation == "MONOCHROME1")
        }
        return .fullScale(fullScale(frame, info: info))
    }

    /// Processes `frame` (rows × columns × samples interleaved; modified in place for DICOM grayscale)
    /// into `output` (C×H×W, `valueCount` values).
    func process(
        _ frame: UnsafeMutableBufferPointer<Float>, rows: Int, columns: Int, samples: Int, intensity: Intensity,
        scratch: PreprocessScratch, into output: UnsafeMutableBufferPointer<Float>
    ) {
        let pixelCount = rows * columns
        let keep = samples >= 3 ? 3 : 1
        var scale: Float = 1
        switch intensity {
        case .dicomGray(let windows, let invert):
            let window = dicomWindow(UnsafeBufferPointer(rebasing: frame[0..<pixelCount]), windows: windows)
            for i in 0..<pixelCount {
                let v = Float(window.unitValue(Double(frame[i])))
                frame[i] = invert ? 1 - v : v
            }
        case .fullScale(let full):
            scale = 1 / full
        }
        resizeAndConvert(rows: rows, columns: columns, samples: samples, scale: scale, scratch: scratch, into: output) {
            rowTaps, columnTaps, mid, resized in
            Resampling.resize(
                UnsafeBufferPointer(frame), height: rows, width: columns, samples: samples, channels: keep,
                rowTaps: rowTaps, columnTaps: columnTaps, scratch: mid, into: resized)
        }
    }

    /// Processes an 8-bit frame (rows × columns × samples, full scale 255) into `output`, without a
    /// Float copy of the frame: the resize reads the bytes directly.
    func process(
        bytes frame: UnsafeBufferPointer<UInt8>, rows: Int, columns: Int, samples: Int, scratch: PreprocessScratch,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        let keep = samples >= 3 ? 3 : 1
        resizeAndConvert(rows: rows, columns: columns, samples: samples, scale: 1 / 255, scratch: scratch, into: output) {
            rowTaps, columnTaps, mid, resized in
            Resampling.resize(
                bytes: frame, height: rows, width: columns, samples: samples, channels: keep, rowTaps: rowTaps,
                columnTaps: columnTaps, scratch: mid, into: resized)
        }
    }

    /// Sizes the scratch buffers, runs `resize` (rows × columns × samples → size × size × kept
    /// channels) with the cached taps, then scales and converts channels into `output`.
    private func resizeAndConvert(
        rows: Int, columns: Int, samples: Int, scale: Float, scratch: PreprocessScratch,
        into output: UnsafeMutableBufferPointer<Float>,
        resize: (Resampling.AxisTaps, Resampling.AxisTaps, UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        let keep = samples >= 3 ? 3 : 1
        let size = settings.size
        let rowTaps = scratch.taps(input: rows, output: size, method: settings.resize)
        let columnTaps = scratch.taps(input: columns, output: size, method: settings.resize)
        PreprocessScratch.grow(&scratch.vertical, to: size * columns * samples)
        PreprocessScratch.grow(&scratch.resized, to: size * size * keep)
        scratch.vertical.withUnsafeMutableBufferPointer { mid in
            scratch.resized.withUnsafeMutableBufferPointer { resized in
                resize(rowTaps, columnTaps, mid, resized)
                convertChannels(resized, from: keep, scale: scale, into: output)
            }
        }
    }

    /// Interleaved size² × `from` values → planar C×H×W, scaled and clamped to [0, 1].
    private func convertChannels(
        _ resized: UnsafeMutableBufferPointer<Float>, from channels: Int, scale: Float,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        let plane = settings.size * settings.size
        @inline(__always) func unit(_ v: Float) -> Float { min(max(v * scale, 0), 1) }
        if settings.channels == channels {
            for p in 0..<plane { for c in 0..<channels { output[c * plane + p] = unit(resized[p * channels + c]) } }
        } else if settings.channels == 3 {
            for p in 0..<plane {
                let v = unit(resized[p])
                output[p] = v
                output[plane + p] = v
                output[2 * plane + p] = v
            }
        } else {
            for p in 0..<plane {
                output[p] = 0.299 * unit(resized[3 * p]) + 0.587 * unit(resized[3 * p + 1]) + 0.114 * unit(resized[3 * p + 2])
            }
        }
    }

    /// The largest value a non-windowed source can hold: 65535 for 16-bit PNG and wide DICOM colour, else 255.
    private func fullScale(_ frame: UnsafeBufferPointer<Float>, info: ImageInfo) -> Float {
        switch info.format {
        case .png: return info.bitsStored > 8 ? 65535 : 255
        case .jpeg: return 255
        default:
            if info.photometricInterpretation == "PALETTE COLOR" {
                return (frame.max() ?? 0) > 255 ? 65535 : 255
            }
            return info.bitsStored > 8 ? Float((1 << min(info.bitsStored, 24)) - 1) : 255
        }
    }

    /// The window the intensity policy picks for one grayscale DICOM frame.
    func dicomWindow(_ frame: UnsafeBufferPointer<Float>, windows: [VOIWindow]) -> VOIWindow {
        switch settings.dicomIntensity {
        case .window(let center, let width):
            return VOIWindow(center: center, width: width)
        case .fileWindow:
            if let window = windows.first(where: { $0.isValid }) { return window }
            return percentileWindow(frame, low: 0.5, high: 99.5)
        case .percentile(let low, let high):
            return percentileWindow(frame, low: low, high: high)
        }
    }

    /// A window mapping the `low` and `high` percentiles (nearest rank) of the frame to 0 and 1.
    func percentileWindow(_ frame: UnsafeBufferPointer<Float>, low: Double, high: Double) -> VOIWindow {
        let sorted = frame.sorted()
        guard let first = sorted.first else { return VOIWindow.covering(minimum: 0, maximum: 1) }
        func rank(_ p: Double) -> Float {
            let index = Int((p / 100 * Double(sorted.count - 1)).rounded())
            return sorted[min(max(index, 0), sorted.count - 1)]
        }
        let lo = Double(rank(low))
        let hi = Double(rank(high))
        if hi <= lo { return VOIWindow.covering(minimum: Double(first) - 0.5, maximum: Double(first) + 0.5) }
        return VOIWindow.covering(minimum: lo, maximum: hi)
    }
}
