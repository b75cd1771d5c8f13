import NeuralEngine

extension Trainer {
    /// The arg-max class `model` (evaluation mode) gives each sample at `indices` of `samples`, in order,
    /// forwarding `batchSize` samples at a time.
    public static func classify(_ model: Sequential, samples: any SampleSource, indices: [Int], batchSize: Int) -> [Int] {
        precondition(batchSize > 0, "batch size must be positive")
        let batches = Batches(source: samples, indices: indices, batchSize: batchSize)
        var classes: [Int] = []
        classes.reserveCapacity(indices.count)
        var start = 0
        while start < indices.count {
            let (x, _) = batches.load(indices[start..<min(indices.count, start + batchSize)])
            var context = ForwardContext(training: false)
            classes += predictions(model.forward(x, &context))
            start += x.batch
        }
        return classes
    }
}
