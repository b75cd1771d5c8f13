/// Separable resampling of interleaved float images (H×W×C, shape letters as in the store: C channels).
///
/// Each output coordinate j of an axis of n_in → n_out samples takes a weighted sum of input samples;
/// the weights for one axis are computed once (`AxisWeights`) and applied along rows, then columns.
/// Hand-written: no image-resampling library in this toolchain's package set works without Foundation.
enum Resampling {
    /// Weights of one output sample: input indices `first ..< first + weights.count`.
    struct Tap: Sendable {
        var first: Int
        var weights: [Float]
    }

    /// Area (box) weights: output j covers input interval [j·s, (j+1)·s) with s = n_in / n_out; each
    /// input sample contributes its overlap with that interval divided by s. Shrinking averages exactly;
    /// enlarging replicates (nearest) — use bilinear for that.
    static func areaTaps(input: Int, output: Int) -> [Tap] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { j in
            let start = Double(j) * scale
            let end = Double(j + 1) * scale
            let first = Int(start.rounded(.down))
            let last = min(input - 1, Int((end - 1e-9).rounded(.down)))
            var weights: [Float] = []
            var i = first
            while i <= last {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                weights.append(Float(overlap / scale))
                i += 1
            }
            return Tap(first: first, weights: weights)
        }
    }

    /// Bilinear weights on pixel centres: x = (j + ½)·n_in/n_out − ½, clamped to [0, n_in − 1]; the two
    /// neighbours get 1 − frac and frac. Equals PyTorch's `interpolate(mode="bilinear",
    /// align_corners=False, antialias=False)`.
    static func bilinearTaps(input: Int, output: Int) -> [Tap] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { j in
            let x = min(max((Double(j) + 0.5) * scale - 0.5, 0), Double(input - 1))
            let first = Int(x.rounded(.down))
            let fraction = Float(x - Double(first))
            if first + 1 >= input || fraction == 0 { return Tap(first: first, weights: [1]) }
            return Tap(first: first, weights: [1 - fraction, fraction])
        }
    }

    static func taps(input: Int, output: Int, method: PreprocessSettings.Resize) -> [Tap] {
        switch method {
        case .area: return areaTaps(input: input, output: output)
        case .bilinear: return bilinearTaps(input: input, output: output)
        case .auto: return output < input ? areaTaps(input: input, output: output) : bilinearTaps(input: input, output: output)
        }
    }

    /// Resamples `source` (height × width × channels, interleaved) to outHeight × outWidth.
    static func resize(
        _ source: [Float], height: Int, width: Int, channels: Int, outHeight: Int, outWidth: Int,
        method: PreprocessSettings.Resize
    ) -> [Float] {
        if height == outHeight && width == outWidth { return source }
        let columnTaps = taps(input: width, output: outWidth, method: method)
        let rowTaps = taps(input: height, output: outHeight, method: method)
        // Horizontal pass: height × outWidth × channels.
        var horizontal = [Float](repeating: 0, count: height * outWidth * channels)
        source.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let rowIn = y * width * channels
                    let rowOut = y * outWidth * channels
                    for (x, tap) in columnTaps.enumerated() {
                        for c in 0..<channels {
                            var sum: Float = 0
                            for (k, w) in tap.weights.enumerated() { sum += w * src[rowIn + (tap.first + k) * channels + c] }
                            dst[rowOut + x * channels + c] = sum
                        }
                    }
                }
            }
        }
        // Vertical pass: outHeight × outWidth × channels.
        let stride = outWidth * channels
        var result = [Float](repeating: 0, count: outHeight * stride)
        horizontal.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                for (y, tap) in rowTaps.enumerated() {
                    let out = y * stride
                    for (k, w) in tap.weights.enumerated() {
                        let rowIn = (tap.first + k) * stride
                        for i in 0..<stride { dst[out + i] += w * src[rowIn + i] }
                    }
                }
            }
        }
        return result
    }
}
