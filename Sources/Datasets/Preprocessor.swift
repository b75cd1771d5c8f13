import Imaging

/// Turns one decoded frame into the store's C×H×W values in [0, 1], following `PreprocessSettings`.
struct Preprocessor: Sendable {
    let settings: PreprocessSettings

    /// Values per stored sample.
    var valueCount: Int { settings.channels * settings.size * settings.size }

    /// Maps a decoded frame (interleaved, `info.decodedSamplesPerPixel` samples) to unit range with
    /// 1 or 3 channels: DICOM gray through the intensity policy (MONOCHROME1 inverted), everything else
    /// divided by its full scale; alpha dropped.
    func unitImage(_ frame: [Float], info: ImageInfo, windows: [VOIWindow]) -> (pixels: [Float], channels: Int) {
        let samples = info.decodedSamplesPerPixel
        let pixelCount = info.rows * info.columns
        let keep = samples >= 3 ? 3 : 1
        var unit = [Float](repeating: 0, count: pixelCount * keep)
        if info.format == .dicom && samples == 1 {
            let window = dicomWindow(frame, windows: windows)
            let invert = info.photometricInterpretation == "MONOCHROME1"
            for i in 0..<pixelCount {
                let v = Float(window.unitValue(Double(frame[i])))
                unit[i] = invert ? 1 - v : v
            }
        } else {
            let scale = 1 / fullScale(frame, info: info)
            for p in 0..<pixelCount {
                for c in 0..<keep { unit[p * keep + c] = min(max(frame[p * samples + c] * scale, 0), 1) }
            }
        }
        return (unit, keep)
    }

    /// The largest value a non-windowed source can hold: 65535 for 16-bit PNG and wide DICOM colour, else 255.
    private func fullScale(_ frame: [Float], info: ImageInfo) -> Float {
        switch info.format {
        case .png: return info.bitsStored > 8 ? 65535 : 255
        case .jpeg: return 255
        default:
            if info.decodedPhotometricInterpretation != info.photometricInterpretation
                && info.photometricInterpretation == "PALETTE COLOR"
            {
                return (frame.max() ?? 0) > 255 ? 65535 : 255
            }
            return info.bitsStored > 8 ? Float((1 << min(info.bitsStored, 24)) - 1) : 255
        }
    }

    /// The window the intensity policy picks for one grayscale DICOM frame.
    func dicomWindow(_ frame: [Float], windows: [VOIWindow]) -> VOIWindow {
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
    func percentileWindow(_ frame: [Float], low: Double, high: Double) -> VOIWindow {
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

    /// Resizes and converts channels, writing C×H×W values into `output` (count `valueCount`).
    func finish(_ unit: [Float], height: Int, width: Int, channels: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let size = settings.size
        let resized = Resampling.resize(
            unit, height: height, width: width, channels: channels, outHeight: size, outWidth: size,
            method: settings.resize)
        let plane = size * size
        if settings.channels == channels {
            for p in 0..<plane { for c in 0..<channels { output[c * plane + p] = resized[p * channels + c] } }
        } else if settings.channels == 3 {
            for p in 0..<plane {
                let v = resized[p]
                output[p] = v
                output[plane + p] = v
                output[2 * plane + p] = v
            }
        } else {
            // ITU-R BT.601 luma, as Pillow's convert("L") uses.
            for p in 0..<plane {
                output[p] = 0.299 * resized[3 * p] + 0.587 * resized[3 * p + 1] + 0.114 * resized[3 * p + 2]
            }
        }
    }
}
