import Datasets
import NeuralEngine

#if canImport(Glibc)
import Glibc
#endif

@testable import Training

/// Small in-memory data sets and models for the erasure, hook and backdoor tests.
enum ErasureFixtures {
    /// `count` 1 × 28 × 28 items, label i mod 3; class c lights rows 9c..<9c + 9 (value 0.3 on a 0
    /// background) under uniform noise of ±1, so cnn-small tells the classes apart within a few epochs
    /// without becoming certain of them.
    static func bands(count: Int, seed: UInt64) -> InMemorySamples {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = []
        values.reserveCapacity(count * 28 * 28)
        for i in 0..<count {
            let band = (i % 3) * 9
            for row in 0..<28 {
                for _ in 0..<28 {
                    let base: Float = (band..<band + 9).contains(row) ? 0.3 : 0
                    values.append(base + Float(generator.nextUnit() * 2 - 1))
                }
            }
        }
        return InMemorySamples(itemShape: [1, 28, 28], values: values, labels: (0..<count).map { $0 % 3 })
    }

    static let training = bands(count: 36, seed: 11)
    /// The target hospital's samples (4 of each class); the other 24 are the retained hospitals'.
    static let target = Array(0..<12)
    static let retained = Array(12..<36)
    static let validation = bands(count: 30, seed: 12)

    static func cnnSmall() -> Sequential {
        try! ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
    }

    /// w₀: cnn-small trained 3 epochs on all 36 samples (the global model when the target asks to be erased).
    /// Call with the engine threads locked.
    static let globalModel: [Float] = {
        let model = cnnSmall()
        model.initialize(seed: 4)
        let options = TrainingOptions(model: "cnn-small", epochs: 3, batchSize: 6, learningRate: 0.02, seed: 4)
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<options.epochs {
            _ = Trainer.runEpoch(model, samples: training, indices: target + retained, options: options, optimizer: &optimizer, generator: &generator)
        }
        return model.parameters.values
    }()

    /// A stand-in for w_ref: w₀ trained 2 more epochs on the retained samples only. Call with the engine
    /// threads locked.
    static let referenceModel: [Float] = {
        let model = cnnSmall()
        model.parameters.values = globalModel
        let options = TrainingOptions(model: "cnn-small", epochs: 2, batchSize: 6, learningRate: 0.02, seed: 5)
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<options.epochs {
            _ = Trainer.runEpoch(model, samples: training, indices: retained, options: options, optimizer: &optimizer, generator: &generator)
        }
        return model.parameters.values
    }()

    /// Mean cross-entropy and mean probability of the true class of `weights` on the samples at `indices`.
    static func fit(_ model: Sequential, _ weights: [Float], samples: any SampleSource, indices: [Int]) -> (loss: Double, trueClass: Double) {
        model.parameters.values = weights
        let (x, labels) = Batches(source: samples, indices: indices, batchSize: indices.count).load(indices[...])
        var context = ForwardContext(training: false)
        let logits = model.forward(x, &context)
        let logP = SoftmaxCrossEntropy.logSoftmax(logits)
        let k = logits.shape[1]
        let trueLogP = labels.enumerated().map { Double(logP[$0.offset * k + $0.element]) }
        return (-trueLogP.reduce(0, +) / Double(labels.count), trueLogP.map { exp($0) }.reduce(0, +) / Double(labels.count))
    }

    /// Flatten then Linear(C·H·W → classes) on items of `itemShape`, all weights zero: the logits are the
    /// biases, so the model predicts their arg-max for every input.
    static func linear(itemShape: [Int], classes: Int, bias: [Float]) -> Sequential {
        let model = Sequential(name: "linear", inputShape: itemShape) {
            [("flatten", Flatten()), ("fc", Linear(itemShape.reduce(1, *), classes))]
        }
        model.parameters.values = [Float](repeating: 0, count: model.parameters.values.count)
        model.parameters["fc.bias"] = bias[...]
        return model
    }
}
