// Stored samples of one DICOM frame → Float32 output.
//
// Shape letters: R rows, C columns, S samples per pixel, N = R·C pixels. Input is one frame of raw
// stored samples (after decompression, 16-bit words little-endian); output is N·S' floats, pixels in
// row order and samples interleaved, S' = 1 for monochrome and 3 for colour.

/// How stored values become modality values (PS3.3 C.11.1).
public enum ModalityTransform: Sendable, Equatable {
    case identity
    /// value × slope + intercept (Rescale Slope/Intercept; defaults 1 and 0 when absent).
    case linear(slope: Double, intercept: Double)
    /// Modality LUT Sequence.
    case lookup(LookupTable)
}

/// Layout of the raw samples of one frame.
struct StoredLayout: Equatable {
    var rows: Int
    var columns: Int
    var samplesPerPixel: Int
    var bitsAllocated: Int
    var bitsStored: Int
    var isSigned: Bool
    /// 1: all of sample 0, then sample 1, …; 0: samples interleaved per pixel.
    var planarConfiguration: Int
    /// Colour model of these bytes (after any decompression that converted them).
    var photometric: String

    var pixels: Int { rows * columns }

    /// Bytes one frame occupies in native (uncompressed) pixel data; nil for 1-bit data, which is
    /// addressed in bits.
    var nativeFrameBytes: Int? {
        guard bitsAllocated % 8 == 0 else { return nil }
        if photometric == "YBR_FULL_422" && samplesPerPixel == 3 {
            return pixels * 2 * (bitsAllocated / 8)
        }
        return pixels * samplesPerPixel * (bitsAllocated / 8)
    }
}

/// The colour lookup tables of a PALETTE COLOR image.
struct Palette: Equatable {
    var red: LookupTable
    var green: LookupTable
    var blue: LookupTable
}

enum PixelTransformProblem: Error, Equatable {
    case unsupported(String)
    case invalid(String)
}

/// Converts one frame. `raw` holds the frame's stored samples; for 1-bit data `bitOffset` says where
/// the frame starts within `raw` (frames of 1-bit images need not start on a byte).
func convertFrame(
    raw: UnsafeRawBufferPointer, bitOffset: Int = 0, layout: StoredLayout, modality: ModalityTransform,
    palette: Palette?, into output: UnsafeMutableBufferPointer<Float>
) throws(PixelTransformProblem) {
    let n = layout.pixels
    switch layout.photometric {
    case "MONOCHROME1", "MONOCHROME2":
        guard layout.samplesPerPixel == 1 else {
            throw .invalid("\(layout.photometric) with \(layout.samplesPerPixel) samples per pixel")
        }
        precondition(output.count == n)
        try convertMonochrome(raw: raw, bitOffset: bitOffset, layout: layout, modality: modality, into: output)
    case "PALETTE COLOR":
        guard layout.samplesPerPixel == 1, let palette else {
            throw .invalid("PALETTE COLOR needs one sample per pixel and its lookup tables")
        }
        precondition(output.count == n * 3)
        try withStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, count: n) { values in
            for i in 0..<n {
                let v = Int(values[i])
                output[3 * i] = palette.red[v]
                output[3 * i + 1] = palette.green[v]
                output[3 * i + 2] = palette.blue[v]
            }
        }
    case "RGB", "YBR_FULL", "YBR_ICT", "YBR_RCT":
        // YBR_ICT/RCT reach here only after JPEG 2000 decoding, which undoes the colour transform.
        guard layout.samplesPerPixel == 3 else {
            throw .invalid("\(layout.photometric) with \(layout.samplesPerPixel) samples per pixel")
        }
        precondition(output.count == n * 3)
        let planar = layout.planarConfiguration == 1
        let toRGB = layout.photometric == "YBR_FULL"
        try withStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, count: n * 3) { values in
            for i in 0..<n {
                let (a, b, c) =
                    planar ? (values[i], values[n + i], values[2 * n + i]) : (values[3 * i], values[3 * i + 1], values[3 * i + 2])
                if toRGB {
                    let rgb = ybrFullToRGB(y: a, cb: b, cr: c, bits: layout.bitsStored)
                    output[3 * i] = rgb.0
                    output[3 * i + 1] = rgb.1
                    output[3 * i + 2] = rgb.2
                } else {
                    output[3 * i] = Float(a)
                    output[3 * i + 1] = Float(b)
                    output[3 * i + 2] = Float(c)
                }
            }
        }
    case "YBR_FULL_422":
        // Native 4:2:2: each pair of pixels is stored Y₁ Y₂ Cb Cr.
        guard layout.samplesPerPixel == 3, layout.columns % 2 == 0 else {
            throw .invalid("YBR_FULL_422 needs 3 samples per pixel and an even number of columns")
        }
        precondition(output.count == n * 3)
        try withStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, count: n * 2) { values in
            for pair in 0..<(n / 2) {
                let cb = values[4 * pair + 2], cr = values[4 * pair + 3]
                for k in 0..<2 {
                    let rgb = ybrFullToRGB(y: values[4 * pair + k], cb: cb, cr: cr, bits: layout.bitsStored)
                    let p = 2 * pair + k
                    output[3 * p] = rgb.0
                    output[3 * p + 1] = rgb.1
                    output[3 * p + 2] = rgb.2
                }
            }
        }
    default:
        throw .unsupported("photometric interpretation \(layout.photometric)")
    }
}

/// YBR_FULL → RGB as pydicom's `convert_color_space` computes it: float32 arithmetic with the ITU-R
/// BT.601 full-range matrix, chroma centred on 2^(bits−1), then floor(x + 0.5) clipped to the sample
/// range. The sums are fused multiply-adds (Y + Cb·k₁, then + Cr·k₂), which is what NumPy's matmul
/// performs on AVX-512 hardware; with them every one of the 2²⁴ 8-bit inputs matches pydicom exactly.
@inline(__always)
func ybrFullToRGB(y: Int64, cb: Int64, cr: Int64, bits: Int) -> (Float, Float, Float) {
    let half = Float(Int64(1) << (bits - 1))
    let top = Float((Int64(1) << bits) - 1)
    let yf = Float(y), cbf = Float(cb) - half, crf = Float(cr) - half
    // The constants are computed in Float64 and rounded once, as NumPy builds its float32 matrix.
    let gFromCb = Float(-0.114 * 1.772 / 0.587 as Double)
    let gFromCr = Float(-0.299 * 1.402 / 0.587 as Double)
    let r = yf.addingProduct(crf, 1.402)
    let g = yf.addingProduct(cbf, gFromCb).addingProduct(crf, gFromCr)
    let b = yf.addingProduct(cbf, 1.772)
    @inline(__always) func finish(_ x: Float) -> Float { min(max((x + 0.5).rounded(.down), 0), top) }
    return (finish(r), finish(g), finish(b))
}

// MARK: - Stored values

/// Calls `body` with the frame's first `count` stored values, masked to BitsStored and sign-extended.
private func withStoredValues(
    raw: UnsafeRawBufferPointer, bitOffset: Int, layout: StoredLayout, count: Int,
    _ body: (UnsafeBufferPointer<Int64>) -> Void
) throws(PixelTransformProblem) {
    var values = [Int64](repeating: 0, count: count)
    try values.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Int64>) throws(PixelTransformProblem) in
        try readStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, into: out)
    }
    values.withUnsafeBufferPointer { body($0) }
}

/// Reads stored values: `out.count` samples of `layout.bitsAllocated` bits, masked to BitsStored and
/// sign-extended when signed (high bit assumed to be BitsStored − 1, as pydicom does).
func readStoredValues(
    raw: UnsafeRawBufferPointer, bitOffset: Int, layout: StoredLayout, into out: UnsafeMutableBufferPointer<Int64>
) throws(PixelTransformProblem) {
    let count = out.count
    let bits = layout.bitsStored
    let mask: Int64 = bits >= 64 ? -1 : (Int64(1) << bits) - 1
    let signBit: Int64 = layout.isSigned ? Int64(1) << (bits - 1) : 0
    @inline(__always) func finish(_ u: Int64) -> Int64 { ((u & mask) ^ signBit) - signBit }
    switch layout.bitsAllocated {
    case 1:
        guard (bitOffset + count + 7) / 8 <= raw.count else { throw .invalid("1-bit frame shorter than its size") }
        for i in 0..<count {
            let bit = bitOffset + i
            out[i] = Int64((raw[bit >> 3] >> UInt8(bit & 7)) & 1)
        }
    case 8:
        guard raw.count >= count else { throw .invalid("frame shorter than its size") }
        for i in 0..<count { out[i] = finish(Int64(raw[i])) }
    case 16:
        guard raw.count >= count * 2 else { throw .invalid("frame shorter than its size") }
        let words = raw.bindMemory(to: UInt16.self)
        for i in 0..<count { out[i] = finish(Int64(UInt16(littleEndian: words[i]))) }
    case 32:
        guard raw.count >= count * 4 else { throw .invalid("frame shorter than its size") }
        let words = raw.bindMemory(to: UInt32.self)
        for i in 0..<count { out[i] = finish(Int64(UInt32(littleEndian: words[i]))) }
    default:
        throw .unsupported("BitsAllocated \(layout.bitsAllocated)")
    }
}

// MARK: - Monochrome fast paths

/// Monochrome conversion. 8- and 16-bit data with a linear transform take a fused loop that reads,
/// masks, sign-extends and rescales in one pass; everything else goes through `readStoredValues`.
private func convertMonochrome(
    raw: UnsafeRawBufferPointer, bitOffset: Int, layout: StoredLayout, modality: ModalityTransform,
    into output: UnsafeMutableBufferPointer<Float>
) throws(PixelTransformProblem) {
    let n = layout.pixels
    if case .lookup(let table) = modality {
        try withStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, count: n) { values in
            for i in 0..<n { output[i] = table[Int(values[i])] }
        }
        return
    }
    let (slope, intercept): (Double, Double) = {
        if case .linear(let s, let b) = modality { return (s, b) }
        return (1, 0)
    }()
    switch layout.bitsAllocated {
    case 8 where raw.count >= n:
        rescale(raw.bindMemory(to: UInt8.self), count: n, layout: layout, slope: slope, intercept: intercept, into: output)
    case 16 where raw.count >= n * 2:
        rescale(raw.bindMemory(to: UInt16.self), count: n, layout: layout, slope: slope, intercept: intercept, into: output)
    default:
        try withStoredValues(raw: raw, bitOffset: bitOffset, layout: layout, count: n) { values in
            for i in 0..<n { output[i] = Float(Double(values[i]) * slope + intercept) }
        }
    }
}

/// Fused read → mask → sign-extend → rescale for 8- and 16-bit samples. When slope and intercept are
/// small integers the arithmetic is exact in Float32; otherwise it runs in Float64 and rounds once, so
/// results equal float32(pydicom's float64 result).
@inline(__always)
private func rescale<T: FixedWidthInteger & UnsignedInteger>(
    _ samples: UnsafeBufferPointer<T>, count n: Int, layout: StoredLayout, slope: Double, intercept: Double,
    into output: UnsafeMutableBufferPointer<Float>
) {
    let bits = layout.bitsStored
    let mask = Int32((1 << bits) - 1)
    let signBit = layout.isSigned ? Int32(1 << (bits - 1)) : 0
    let exactInFloat =
        slope == slope.rounded() && intercept == intercept.rounded() && abs(slope) <= 256 && abs(intercept) <= 65_536
    guard let src = samples.baseAddress, let dst = output.baseAddress else { return }
    if exactInFloat {
        let s = Float(slope), b = Float(intercept)
        for i in 0..<n {
            let v = ((Int32(truncatingIfNeeded: T(littleEndian: src[i])) & mask) ^ signBit) - signBit
            dst[i] = Float(v) * s + b
        }
    } else {
        for i in 0..<n {
            let v = ((Int32(truncatingIfNeeded: T(littleEndian: src[i])) & mask) ^ signBit) - signBit
            dst[i] = Float(Double(v) * slope + intercept)
        }
    }
}
