import Datasets
import NeuralEngine
import Testing
import TestSupport

@testable import Training

/// `Trainer.runEpoch`'s objectives and its `afterStep` and `shouldStop` hooks, on a linear model over
/// 1 × 6 × 6 items.
@Suite struct TrainerHooksTests {
    static let samples: InMemorySamples = {
        var generator = SeededGenerator(seed: 3)
        let values = (0..<(10 * 36)).map { _ in Float(generator.nextUnit() * 2 - 1) }
        return InMemorySamples(itemShape: [1, 6, 6], values: values, labels: (0..<10).map { $0 % 3 })
    }()

    static func model() -> Sequential {
        let model = Sequential(name: "linear", inputShape: [1, 6, 6]) { [("flatten", Flatten()), ("fc", Linear(36, 3))] }
        model.initialize(seed: 9)
        return model
    }

    /// One epoch from the model's seed-9 start; returns the weights and runEpoch's figures.
    static func epoch(
        _ options: TrainingOptions, afterStep: ((inout Parameters) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
    ) -> (weights: [Float], lossSum: Double, seen: Int) {
        let model = model()
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: options.seed)
        let result = Trainer.runEpoch(
            model, samples: samples, indices: Array(0..<10), options: options, optimizer: &optimizer, generator: &generator,
            afterStep: afterStep, shouldStop: shouldStop)
        return (model.parameters.values, result.lossSum, result.seen)
    }

    @Test func hooksThatDoNothingKeepTheBits() {
        withEngineThreadsLocked {
            let options = TrainingOptions(model: "linear", batchSize: 4, learningRate: 0.1, clipNorm: 1, seed: 2)
            let plain = Self.epoch(options)
            let hooked = Self.epoch(options, afterStep: { _ in }, shouldStop: { false })
            let same = plain.weights == hooked.weights
            #expect(same && plain.lossSum == hooked.lossSum && plain.seen == 10)
        }
    }

    @Test func afterStepSeesEveryStepAndItsChangesStay() {
        withEngineThreadsLocked {
            var calls = 0
            // 10 samples in batches of 4: steps of 4, 4 and 2 samples. The hook zeroes the weights after
            // each step, and the model ends at zero: runEpoch keeps what the hook wrote.
            let result = Self.epoch(
                TrainingOptions(model: "linear", batchSize: 4, learningRate: 0.1, seed: 2),
                afterStep: { parameters in
                    calls += 1
                    for i in parameters.values.indices { parameters.values[i] = 0 }
                })
            #expect(calls == 3)
            #expect(result.weights.allSatisfy { $0 == 0 })
        }
    }

    @Test func shouldStopEndsTheEpochAfterThatStep() {
        withEngineThreadsLocked {
            var steps = 0
            let result = Self.epoch(
                TrainingOptions(model: "linear", batchSize: 4, learningRate: 0.1, seed: 2), afterStep: { _ in steps += 1 },
                shouldStop: { steps == 2 })
            #expect(steps == 2 && result.seen == 8)
        }
    }

    @Test func ascentStepsAgainstTheDescentStep() {
        withEngineThreadsLocked {
            // Plain SGD, one batch of all 10 samples: descent moves by −η∇CE, ascent by +η∇CE, and both report CE.
            let start = Self.model().parameters.values
            let descent = Self.epoch(TrainingOptions(model: "linear", batchSize: 10, learningRate: 0.1, momentum: 0, seed: 2))
            let ascent = Self.epoch(
                TrainingOptions(model: "linear", batchSize: 10, learningRate: 0.1, momentum: 0, seed: 2, objective: .ascentCrossEntropy))
            let worst = (0..<start.count).map { abs((ascent.weights[$0] - start[$0]) + (descent.weights[$0] - start[$0])) }.max()!
            #expect(worst < 1e-6)
            let moved = descent.weights != start
            #expect(moved)
            #expect(ascent.lossSum == descent.lossSum)
        }
    }

    @Test func boundedForgetStepDescendsTheBoundedLoss() {
        withEngineThreadsLocked {
            let model = Self.model()
            let start = model.parameters.values
            // The step by hand: forward, BoundedForgetLoss, backward, w − η∇.
            let (x, labels) = Batches(source: Self.samples, indices: Array(0..<10), batchSize: 10).load(Array(0..<10)[...])
            var context = ForwardContext(training: true)
            model.parameters.zeroGradients()
            let loss = BoundedForgetLoss()(model.forward(x, &context), labels: labels)
            model.backward(loss.gradient)
            let expected = zip(start, model.parameters.gradients).map { $0 - 0.1 * $1 }
            let stepped = Self.epoch(TrainingOptions(model: "linear", batchSize: 10, learningRate: 0.1, momentum: 0, seed: 2, objective: .boundedForget))
            #expect(zip(stepped.weights, expected).map { abs($0 - $1) }.max()! < 1e-6)
            #expect(abs(stepped.lossSum / 10 - Double(loss.value)) < 1e-6)
        }
    }
}
