/// Separable resampling of interleaved float images (H×W×S samples per pixel), shape letters as in
/// the store: the first C ≤ S samples of each pixel are resampled, further ones (alpha) are skipped.
///
/// Each output coordinate j of an axis of n_in → n_out samples is a weighted sum of at most `span`
/// consecutive input samples starting at `first[j]`; the weights of an axis are computed once
/// (`AxisTaps`) and applied along rows, then columns. Hand-written: no image-resampling library in this
/// toolchain's package set works without Foundation.
enum Resampling {
    /// The weights of one axis: output j reads inputs first[j] ..< first[j] + span, weights
    /// weights[j·span ..< (j+1)·span] (zero-padded).
    struct AxisTaps: Sendable, Equatable {
        var first: [Int]
        var weights: [Float]
        var span: Int

        init(_ taps: [(first: Int, weights: [Float])], input: Int) {
            span = max(1, taps.map(\.weights.count).max() ?? 1)
            first = []
            weights = []
            for tap in taps {
                // Keep every window inside the input so the padded reads stay in bounds.
                let start = min(tap.first, max(0, input - span))
                let shift = tap.first - start
                first.append(start)
                var row = [Float](repeating: 0, count: span)
                for (k, w) in tap.weights.enumerated() { row[k + shift] = w }
                weights += row
            }
        }
    }

    /// Area (box) weights: output j covers input interval [j·s, (j+1)·s) with s = n_in / n_out; each
    /// input sample contributes its overlap with that interval divided by s. Shrinking averages exactly;
    /// enlarging replicates (nearest), so `auto` uses bilinear for that.
    static func areaTaps(input: Int, output: Int) -> AxisTaps {
        let scale = Double(input) / Double(output)
        let taps = (0..<output).map { j -> (first: Int, weights: [Float]) in
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
            return (first, weights)
        }
        return AxisTaps(taps, input: input)
    }

    /// Bilinear weights on pixel centres: x = (j + ½)·n_in/n_out − ½, clamped to [0, n_in − 1]; the two
    /// neighbours get 1 − frac and frac. Equals PyTorch's `interpolate(mode="bilinear",
    /// align_corners=False, antialias=False)`.
    static func bilinearTaps(input: Int, output: Int) -> AxisTaps {
        let scale = Double(input) / Double(output)
        let taps = (0..<output).map { j -> (first: Int, weights: [Float]) in
            let x = min(max((Double(j) + 0.5) * scale - 0.5, 0), Double(input - 1))
            let first = Int(x.rounded(.down))
            let fraction = Float(x - Double(first))
            if first + 1 >= input || fraction == 0 { return (first, [1]) }
            return (first, [1 - fraction, fraction])
        }
        return AxisTaps(taps, input: input)
    }

    static func taps(input: Int, output: Int, method: PreprocessSettings.Resize) -> AxisTaps {
        switch method {
        case .area: return areaTaps(input: input, output: output)
        case .bilinear: return bilinearTaps(input: input, output: output)
        case .auto:
            return output < input ? areaTaps(input: input, output: output) : bilinearTaps(input: input, output: output)
        }
    }

    /// Resamples the first `channels` of `samples` interleaved samples per pixel of `source` (height ×
    /// width) to `rowTaps.first.count` × `columnTaps.first.count` × channels, interleaved, into `output`.
    /// Columns are resampled first (whole rows at a time: contiguous multiply-adds eight lanes wide over
    /// width × samples values), then each of the few output rows along its width. `scratch` holds
    /// outHeight × width × samples values.
    static func resize(
        _ source: UnsafeBufferPointer<Float>, height: Int, width: Int, samples: Int, channels: Int,
        rowTaps: AxisTaps, columnTaps: AxisTaps, scratch: UnsafeMutableBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        let rowLength = width * samples
        precondition(source.count >= height * rowLength)
        guard let src = source.baseAddress else { return }
        verticalPass(rowTaps: rowTaps, rowLength: rowLength, scratch: scratch) { row, i in
            UnsafeRawPointer(src + row * rowLength + i).loadUnaligned(as: SIMD8<Float>.self)
        } single: { row, i in
            src[row * rowLength + i]
        }
        horizontalPass(width: width, samples: samples, channels: channels, rows: rowTaps.first.count, columnTaps: columnTaps, scratch: scratch, into: output)
    }

    /// The same for 8-bit samples (converted to Float as they are read, so no Float copy of the frame
    /// is made).
    static func resize(
        bytes source: UnsafeBufferPointer<UInt8>, height: Int, width: Int, samples: Int, channels: Int,
        rowTaps: AxisTaps, columnTaps: AxisTaps, scratch: UnsafeMutableBufferPointer<Float>,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        let rowLength = width * samples
        precondition(source.count >= height * rowLength)
        guard let src = source.baseAddress else { return }
        verticalPass(rowTaps: rowTaps, rowLength: rowLength, scratch: scratch) { row, i in
            let eight = UnsafeRawPointer(src + row * rowLength + i).loadUnaligned(as: SIMD8<UInt8>.self)
            return SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: eight))
        } single: { row, i in
            Float(src[row * rowLength + i])
        }
        horizontalPass(width: width, samples: samples, channels: channels, rows: rowTaps.first.count, columnTaps: columnTaps, scratch: scratch, into: output)
    }

    /// scratch[y] = Σ_k w[y,k] · source row (first[y] + k), for every output row y.
    @inline(__always)
    private static func verticalPass(
        rowTaps: AxisTaps, rowLength: Int, scratch: UnsafeMutableBufferPointer<Float>,
        load: (_ row: Int, _ index: Int) -> SIMD8<Float>, single: (_ row: Int, _ index: Int) -> Float
    ) {
        let outHeight = rowTaps.first.count
        precondition(scratch.count >= outHeight * rowLength)
        guard let mid = scratch.baseAddress else { return }
        let vectorEnd = rowLength - rowLength % 8
        rowTaps.first.withUnsafeBufferPointer { firsts in
            rowTaps.weights.withUnsafeBufferPointer { weights in
                let span = rowTaps.span
                for y in 0..<outHeight {
                    let out = mid + y * rowLength
                    out.initialize(repeating: 0, count: rowLength)
                    for k in 0..<span {
                        let w = weights[y * span + k]
                        if w == 0 { continue }
                        let row = firsts[y] + k
                        let wv = SIMD8<Float>(repeating: w)
                        var i = 0
                        while i < vectorEnd {
                            let a = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(out + i).storeBytes(of: a + wv * load(row, i), as: SIMD8<Float>.self)
                            i += 8
                        }
                        while i < rowLength {
                            out[i] += w * single(row, i)
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// output[y, x, c] = Σ_k w[x,k] · scratch[y, first[x] + k, c].
    private static func horizontalPass(
        width: Int, samples: Int, channels: Int, rows outHeight: Int, columnTaps: AxisTaps,
        scratch: UnsafeMutableBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
    ) {
        let outWidth = columnTaps.first.count
        let rowLength = width * samples
        precondition(output.count >= outHeight * outWidth * channels)
        guard let mid = scratch.baseAddress, let dst = output.baseAddress else { return }
        columnTaps.first.withUnsafeBufferPointer { firsts in
            columnTaps.weights.withUnsafeBufferPointer { weights in
                let span = columnTaps.span
                for y in 0..<outHeight {
                    let rowIn = mid + y * rowLength
                    let rowOut = dst + y * outWidth * channels
                    for x in 0..<outWidth {
                        let w = weights.baseAddress! + x * span
                        var p = rowIn + firsts[x] * samples
                        if channels == 3 {
                            var s0: Float = 0, s1: Float = 0, s2: Float = 0
                            for k in 0..<span {
                                let wk = w[k]
                                s0 += wk * p[0]
                                s1 += wk * p[1]
                                s2 += wk * p[2]
                                p += samples
                            }
                            rowOut[3 * x] = s0
                            rowOut[3 * x + 1] = s1
                            rowOut[3 * x + 2] = s2
                        } else {
                            for c in 0..<channels {
                                var sum: Float = 0
                                for k in 0..<span { sum += w[k] * p[k * samples + c] }
                                rowOut[x * channels + c] = sum
                            }
                        }
                    }
                }
            }
        }
    }

    /// Array convenience (tests): resamples all channels of an interleaved image.
    static func resize(
        _ source: [Float], height: Int, width: Int, channels: Int, outHeight: Int, outWidth: Int,
        method: PreprocessSettings.Resize
    ) -> [Float] {
        let rows = taps(input: height, output: outHeight, method: method)
        let columns = taps(input: width, output: outWidth, method: method)
        var scratch = [Float](repeating: 0, count: outHeight * width * channels)
        var output = [Float](repeating: 0, count: outHeight * outWidth * channels)
        source.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { mid in
                output.withUnsafeMutableBufferPointer { dst in
                    resize(
                        src, height: height, width: width, samples: channels, channels: channels, rowTaps: rows,
                        columnTaps: columns, scratch: mid, into: dst)
                }
            }
        }
        return output
    }
}
