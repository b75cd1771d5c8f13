import Datasets

/// Where training reads its samples from: a dataset store, or samples held in memory (benchmarks,
/// simulations without files).
public protocol SampleSource {
    /// The shape of one item, [C, H, W].
    var itemShape: [Int] { get }
    /// Writes item `index`'s values, normalised as the model sees them, into `output`.
    func normalizedPixels(_ index: Int, into output: UnsafeMutableBufferPointer<Float>)
    /// The item's class (its first one), or -1 when it has none.
    func firstLabel(_ index: Int) -> Int
}

extension DatasetStore: SampleSource {
    public var itemShape: [Int] { metadata.shape }

    public func normalizedPixels(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) {
        pixels(index, into: output, normalized: true)
    }

    public func firstLabel(_ index: Int) -> Int { labels(index).first ?? -1 }
}

/// Samples in memory: values already normalised, one label each.
public struct InMemorySamples: SampleSource, Sendable {
    public let itemShape: [Int]
    public let values: [Float]
    public let labels: [Int]

    public init(itemShape: [Int], values: [Float], labels: [Int]) {
        precondition(values.count == labels.count * itemShape.reduce(1, *), "values must hold one item per label")
        self.itemShape = itemShape
        self.values = values
        self.labels = labels
    }

    public func normalizedPixels(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let size = itemShape.reduce(1, *)
        values.withUnsafeBufferPointer { v in
            output.baseAddress!.update(from: v.baseAddress! + index * size, count: size)
        }
    }

    public func firstLabel(_ index: Int) -> Int { labels[index] }
}
