/// NumPy `.npy` files, format version 1.0: dtype `<f4`, C order.
///
/// Hand-written because the format is a 10-byte preamble and a Python-literal header
/// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html); no C library is needed.
public enum NPYWriter {
    /// The bytes of a `.npy` file holding `values` with `shape` (product of `shape` = `values.count`).
    public static func encode(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "shape must match the number of values")
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }"
        // Magic (6) + version (2) + length (2) + header + newline: pad with spaces to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes a `.npy` file atomically.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws(ImagingError) {
        try FileIO.writeAtomically(encode(values, shape: shape), to: path)
    }
}
