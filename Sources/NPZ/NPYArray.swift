/// A whole array in memory: its header and its bytes in C order, in the dtype's byte order.
///
/// For small arrays (labels, test fixtures). Fortran-order data is transposed to C order when read,
/// so `bytes` is always C order and `header.fortranOrder` tells only how the file stored it.
public struct NPYArray: Sendable, Equatable {
    public let header: NPYHeader
    public let bytes: [UInt8]

    /// Reads the rest of `stream` after its header, refusing more than `maxBytes`.
    static func read(from stream: MemberStream, maxBytes: Int) throws(NPZError) -> NPYArray {
        let header = try NPYHeader.read(from: stream)
        guard header.byteCount <= maxBytes else {
            throw NPZError(
                path: stream.file.path, member: stream.member,
                .tooLarge("\(header.byteCount) bytes of array data exceed the limit of \(maxBytes)"))
        }
        let stored = try stream.read(count: header.byteCount)
        try stream.finish()
        let bytes =
            header.fortranOrder
            ? cOrder(fromFortranOrder: stored, shape: header.shape, itemSize: header.dtype.size) : stored
        return NPYArray(header: header, bytes: bytes)
    }

    /// The elements of a column-major array, rearranged row-major. Walks the C-order indices like an
    /// odometer (last axis fastest) and keeps the matching Fortran offset, Σ iₖ·∏_{j<k} dⱼ.
    static func cOrder(fromFortranOrder bytes: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
        let count = bytes.count / itemSize
        guard count > 1, shape.count > 1 else { return bytes }
        var strides: [Int] = []
        var stride = 1
        for dimension in shape {
            strides.append(stride)
            stride *= dimension
        }
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        for _ in 0..<count {
            result.append(contentsOf: bytes[source * itemSize..<(source + 1) * itemSize])
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
