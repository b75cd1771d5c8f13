/// The header of a NumPy `.npy` array: dtype, shape and memory order, and where the data begins.
///
/// Contract: `elementCount` and `byteCount` are computed with overflow checks when the header is
/// parsed, so a header whose shape overflows `Int` never yields a value (see `NPYHeader+Parsing.swift`).
/// The data that follows the header holds exactly `byteCount` bytes, in C (row-major) order unless
/// `fortranOrder` is true.
///
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public struct NPYHeader: Sendable, Hashable {
    public let dtype: NPYDType
    /// Dimensions, outermost first; `[]` for a scalar (one element).
    public let shape: [Int]
    /// True when the data is stored column-major (first axis varies fastest).
    public let fortranOrder: Bool
    /// The format version the header was written in: 1, 2 or 3 (the minor version is always 0).
    public let version: Int
    /// Bytes from the start of the `.npy` data (the magic) to the first element.
    public let dataOffset: Int
    /// The product of `shape` (1 for a scalar).
    public let elementCount: Int
    /// `elementCount × dtype.size`.
    public let byteCount: Int

    /// Bytes per row: the product of all axes but the first times the element size (the whole array
    /// for a scalar).
    public let rowByteCount: Int

    /// A header, or nil when a dimension is negative or the element, row or byte count overflows `Int`
    /// (also for empty arrays: `(0, 2^40, 2^40)` is refused).
    public init?(dtype: NPYDType, shape: [Int], fortranOrder: Bool, version: Int = 1, dataOffset: Int = 0) {
        guard let rowBytes = checkedProduct(shape.dropFirst(), dtype.size),
            let bytes = checkedProduct(shape.prefix(1), rowBytes)
        else { return nil }
        self.rowByteCount = rowBytes
        self.dtype = dtype
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.version = version
        self.dataOffset = dataOffset
        self.elementCount = dtype.size == 0 ? 0 : bytes / dtype.size
        self.byteCount = bytes
    }

    /// The length of the first axis: the number of rows a stream hands over (1 for a scalar).
    public var rowCount: Int { shape.first ?? 1 }
}

/// `initial` times every factor, or nil on overflow or a negative factor.
private func checkedProduct(_ factors: ArraySlice<Int>, _ initial: Int) -> Int? {
    var product = initial
    for factor in factors {
        guard factor >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        product = next
    }
    return product
}
