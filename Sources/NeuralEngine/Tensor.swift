/// A Float32 tensor: a shape and its values in row-major order (NCHW for images: batch, channels, rows,
/// columns). The values are a Swift array, so copies share storage until one of them is written
/// (copy on write).
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) holds \(shape.reduce(1, *)) values, given \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        values = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { values.count }

    /// The first dimension: the batch size of an NCHW or N×F tensor.
    public var batch: Int { shape.first ?? 1 }

    /// Values per batch item.
    public var itemSize: Int { shape.dropFirst().reduce(1, *) }

    /// The same values under another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: values)
    }
}
