import Datasets
import NeuralEngine

/// Mini-batches of a sample source's items as normalised NCHW tensors with their first class as label.
public struct Batches {
    public let source: any SampleSource
    public let indices: [Int]
    public let batchSize: Int

    public init(source: any SampleSource, indices: [Int], batchSize: Int) {
        self.source = source
        self.indices = indices
        self.batchSize = batchSize
    }

    /// The order of one epoch: `indices` shuffled by Fisher–Yates from `generator`.
    public func epochOrder(_ generator: inout SeededGenerator) -> [Int] {
        generator.shuffled(indices)
    }

    /// The samples at `batch` as a tensor [B, C, H, W] (normalised with the store's channel statistics)
    /// and their labels (first class; -1 when a sample has none).
    public func load(_ batch: ArraySlice<Int>) -> (Tensor, [Int]) {
        let shape = source.itemShape
        let size = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: batch.count * size)
        values.withUnsafeMutableBufferPointer { buffer in
            for (row, index) in batch.enumerated() {
                source.normalizedPixels(index, into: UnsafeMutableBufferPointer(rebasing: buffer[row * size..<(row + 1) * size]))
            }
        }
        return (Tensor(shape: [batch.count] + shape, values: values), batch.map { source.firstLabel($0) })
    }
}
