import Datasets
import NeuralEngine

/// Centralised training on a store's train split with evaluation on its test split after every epoch.
public struct TrainingOptions: Sendable {
    public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
        case sgd, adam, adamw
    }

    public var model: String
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var optimizer: OptimizerKind
    public var schedule: LearningRateSchedule
    public var labelSmoothing: Float
    public var clipNorm: Float?
    public var seed: UInt64
    /// What each step descends: cross-entropy (the default), or an unlearning objective.
    public var objective: Objective

    public init(
        model: String, epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.01, momentum: Float = 0.9, weightDecay: Float = 0,
        optimizer: OptimizerKind = .sgd, schedule: LearningRateSchedule = .constant, labelSmoothing: Float = 0, clipNorm: Float? = nil,
        seed: UInt64 = 0, objective: Objective = .crossEntropy
    ) {
        self.model = model
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.optimizer = optimizer
        self.schedule = schedule
        self.labelSmoothing = labelSmoothing
        self.clipNorm = clipNorm
        self.seed = seed
        self.objective = objective
    }
}

/// One epoch's figures.
public struct EpochRecord: Sendable, Codable {
    public var epoch: Int
    public var learningRate: Float
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var test: ClassificationMetrics
    public var testLoss: Double
    public var seconds: Double
}

public struct TrainingError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

public enum Trainer {
    /// Builds the model for the store's item shape and class count.
    public static func model(for store: DatasetStore, name: String) throws(TrainingError) -> Sequential {
        let shape = store.metadata.shape
        guard shape.count == 3, shape[1] == shape[2] else { throw TrainingError(description: "\(store.path): items of shape \(shape) are not square images") }
        do {
            return try ModelZoo.make(name, channels: shape[0], size: shape[1], classes: store.classes.count)
        } catch {
            throw TrainingError(description: "\(store.path): \(error.description)")
        }
    }

    public static func makeOptimizer(_ options: TrainingOptions) -> any Optimizer {
        switch options.optimizer {
        case .sgd: return SGD(learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay)
        case .adam: return Adam(learningRate: options.learningRate, weightDecay: options.weightDecay)
        case .adamw: return Adam(learningRate: options.learningRate, weightDecay: options.weightDecay, decoupled: true)
        }
    }

    /// Trains `model` (initialised from the seed) on the store's train split; after each epoch evaluates
    /// on its test split and calls `progress` with the record (and between batches with the share done).
    public static func train(
        _ model: Sequential, store: DatasetStore, options: TrainingOptions,
        progress: (_ epoch: Int, _ fraction: Double, _ record: EpochRecord?) -> Void = { _, _, _ in }
    ) throws(TrainingError) -> [EpochRecord] {
        guard !store.metadata.multiLabel else {
            throw TrainingError(description: "\(store.path): multi-label stores need the binary cross-entropy trainer, not yet offered by `train`")
        }
        let train = store.indices(of: .train).filter { !store.labels($0).isEmpty }
        let test = store.indices(of: .test).filter { !store.labels($0).isEmpty }
        guard !train.isEmpty else { throw TrainingError(description: "\(store.path): no labelled training samples") }
        model.initialize(seed: options.seed)
        var generator = SeededGenerator(seed: options.seed &+ 0x5EED)
        var optimizer = makeOptimizer(options)
        var records: [EpochRecord] = []
        let clock = ContinuousClock()
        for epoch in 0..<options.epochs {
            let started = clock.now
            optimizer.learningRate = options.schedule.rate(base: options.learningRate, epoch: epoch)
            let (lossSum, correct, seen) = runEpoch(
                model, samples: store, indices: train, options: options, optimizer: &optimizer, generator: &generator,
                progress: { progress(epoch, $0, nil) })
            let (metrics, testLoss) = evaluate(model, store: store, indices: test, batchSize: options.batchSize)
            let record = EpochRecord(
                epoch: epoch + 1, learningRate: optimizer.learningRate, trainLoss: lossSum / Double(seen),
                trainAccuracy: Double(correct) / Double(seen), test: metrics, testLoss: testLoss,
                seconds: (clock.now - started).secondsValue)
            records.append(record)
            progress(epoch, 1, record)
        }
        return records
    }

    /// One pass over `indices` in a seeded order (Fisher–Yates from `generator`): forward, the loss of
    /// `options.objective` (cross-entropy by default), backward, `adjustGradients` (e.g. FedProx's proximal
    /// term), optional clipping, optimiser step, then `afterStep` (e.g. a projection of the weights) per
    /// batch. After each step `shouldStop` may end the epoch early. `loss`, when given, replaces the
    /// objective: it gets the batch's logits and sample indices (e.g. to look up a teacher's outputs). Returns the summed loss (the objective's
    /// reported value, see `TrainingOptions.Objective`), correct predictions and samples seen (all of
    /// `indices` unless stopped early). Centralised training and each hospital's local training in a
    /// federation both run this, so they compute the same thing.
    public static func runEpoch(
        _ model: Sequential, samples: any SampleSource, indices: [Int], options: TrainingOptions, optimizer: inout any Optimizer,
        generator: inout SeededGenerator, adjustGradients: ((inout Parameters) -> Void)? = nil,
        afterStep: ((inout Parameters) -> Void)? = nil, shouldStop: (() -> Bool)? = nil, progress: (Double) -> Void = { _ in },
        loss customLoss: ((_ logits: Tensor, _ batch: ArraySlice<Int>) -> LossResult)? = nil
    ) -> (lossSum: Double, correct: Int, seen: Int) {
        let objective = options.objective
        let batches = Batches(source: samples, indices: indices, batchSize: options.batchSize)
        let order = batches.epochOrder(&generator)
        var lossSum = 0.0, correct = 0
        var start = 0
        while start < order.count {
            let batch = order[start..<min(order.count, start + options.batchSize)]
            let (x, labels) = batches.load(batch)
            var context = ForwardContext(training: true, generator: SeededGenerator(seed: generator.next()))
            model.parameters.zeroGradients()
            let logits = model.forward(x, &context)
            let result = customLoss?(logits, batch) ?? objective.loss(logits, labels: labels, labelSmoothing: options.labelSmoothing)
            model.backward(result.gradient)
            adjustGradients?(&model.parameters)
            if let clip = options.clipNorm { model.parameters.clipGradientNorm(clip) }
            optimizer.step(&model.parameters)
            afterStep?(&model.parameters)
            lossSum += Double(result.value) * Double(batch.count)
            correct += zip(predictions(logits), labels).filter { $0 == $1 }.count
            start += batch.count
            progress(Double(start) / Double(order.count))
            if shouldStop?() == true { break }
        }
        return (lossSum, correct, start)
    }

    /// The arg-max class of each row of [N, K] logits.
    public static func predictions(_ logits: Tensor) -> [Int] {
        let k = logits.shape[1]
        return (0..<logits.batch).map { row in
            var best = 0
            for c in 1..<k where logits.values[row * k + c] > logits.values[row * k + best] { best = c }
            return best
        }
    }

    /// Metrics and mean loss of `model` (evaluation mode) on the samples at `indices`.
    public static func evaluate(_ model: Sequential, store: DatasetStore, indices: [Int], batchSize: Int) -> (ClassificationMetrics, Double) {
        let batches = Batches(source: store, indices: indices, batchSize: batchSize)
        var probabilities: [Float] = []
        var labels: [Int] = []
        var lossSum = 0.0
        var start = 0
        while start < indices.count {
            let (x, y) = batches.load(indices[start..<min(indices.count, start + batchSize)])
            var context = ForwardContext(training: false)
            let logits = model.forward(x, &context)
            let result = SoftmaxCrossEntropy()(logits, labels: y)
            lossSum += Double(result.value) * Double(y.count)
            probabilities += SoftmaxCrossEntropy.logSoftmax(logits, nonFiniteAsUniform: true).map { expf($0) }
            labels += y
            start += y.count
        }
        let metrics = ClassificationMetrics(scores: probabilities, labels: labels, classes: store.classes.count)
        return (metrics, indices.isEmpty ? 0 : lossSum / Double(indices.count))
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

#if canImport(Glibc)
import Glibc
#endif
