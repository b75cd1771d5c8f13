/// Writes `.npy` bytes for the NPZ tests: any header text, any version, any data, so that headers the
/// reader must refuse can be written too.
///
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html (magic, version,
/// little-endian header length of 2 bytes in 1.0 and 4 in 2.0/3.0, header padded to 64 bytes).
public enum NPYBuilder {
    /// A well-formed header dictionary, written the way NumPy writes it.
    public static func dictionary(descr: String, shape: [Int], fortranOrder: Bool = false) -> String {
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': (\(dimensions)), }"
    }

    /// `.npy` bytes holding `header` (padded with spaces and a newline to a multiple of 64) and `data`.
    public static func encode(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let fieldSize = version == 1 ? 2 : 4
        var text = Array(header.utf8)
        let unpadded = 8 + fieldSize + text.count + 1
        text += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        if fieldSize == 2 { bytes.le(UInt16(text.count)) } else { bytes.le(UInt32(text.count)) }
        return bytes + text + data
    }

    public static func encode(
        descr: String, shape: [Int], fortranOrder: Bool = false, data: [UInt8], version: UInt8 = 1
    ) -> [UInt8] {
        encode(header: dictionary(descr: descr, shape: shape, fortranOrder: fortranOrder), data: data, version: version)
    }
}
