import Seeding
import Testing
import TestSupport

@testable import NeuralEngine

/// The named models' shapes and sizes, PyTorch's initialisation bounds, learning, and determinism.
@Suite struct ModelTests {
    @Test func parameterCountsAndNamesMatchTheArchitectures() throws {
        // cnn-small, C = 1, K = 9: conv1 1·16·9 + 16 = 160, conv2 16·32·9 + 32 = 4,640,
        // fc1 1,568·128 + 128 = 200,832, fc2 128·9 + 9 = 1,161: 206,793.
        let small = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 9)
        #expect(small.parameters.layout.count == 206_793)
        #expect(small.outputShape == [9])
        #expect(small.parameters.layout.entries.map(\.name) == [
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
        ])
        // cnn-large, C = 3, K = 9: 448 + 4,640 + conv3 32·64·9 + 64 = 18,496 + fc1 4,096·128 + 128 = 524,416 + 1,161.
        let large = try ModelZoo.make("cnn-large", channels: 3, size: 64, classes: 9)
        #expect(large.parameters.layout.count == 549_161)
        #expect(throws: ModelZoo.UnknownModel.self) { try ModelZoo.make("cnn-small", channels: 1, size: 64, classes: 9) }
        // resnet8-gn, C = 3, K = 9: stem 432 + 32; block 1: 2·2,304 + 2·32; block 2: 4,608 + 9,216 + 512
        // + 3·64; block 3: 18,432 + 36,864 + 2,048 + 3·128; fc 64·9 + 9: 77,977 in all.
        let resnet = try ModelZoo.make("resnet8-gn", channels: 3, size: 64, classes: 9)
        #expect(resnet.parameters.layout.count == 77_977)
        #expect(resnet.outputShape == [9])
        #expect(resnet.parameters.layout.entry("layer2.0.downsample.0.weight")?.shape == [32, 16, 1, 1])
    }

    @Test func initialisationStaysWithinPyTorchsBounds() throws {
        let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 9)
        model.initialize(seed: 3)
        // Bound 1/√fan_in: conv1 1/3, fc1 1/√1568; a uniform draw of thousands of values nearly reaches it.
        let conv1 = model.parameters["conv1.weight"], fc1 = model.parameters["fc1.weight"]
        // Biases share the bound: conv1's 16 within 1/3, fc2's within 1/√128.
        #expect(model.parameters["conv1.bias"].allSatisfy { abs($0) <= 1.0 / 3 })
        #expect(model.parameters["fc2.bias"].allSatisfy { abs($0) <= 1 / Float(128).squareRoot() })
        #expect(Set(model.parameters["fc2.bias"]).count == 9)
        #expect(conv1.allSatisfy { abs($0) <= 1.0 / 3 } && conv1.map(abs).max()! > 0.3)
        let bound = 1 / Float(1568).squareRoot()
        #expect(fc1.allSatisfy { abs($0) <= bound } && fc1.map(abs).max()! > 0.99 * bound)
        // Mean near 0 and variance near bound²/3 for the 200,704 fc1 weights.
        let mean = fc1.reduce(0, +) / Float(fc1.count)
        let variance = fc1.reduce(0) { $0 + $1 * $1 } / Float(fc1.count)
        #expect(abs(mean) < 0.01 * bound && abs(variance / (bound * bound / 3) - 1) < 0.02)
    }

    /// A small convolutional net trained on a fixed batch; returns the final parameters and accuracy.
    static func train(seed: UInt64, steps: Int) -> (parameters: [Float], accuracy: Float) {
        let model = Sequential(
            name: "tiny", inputShape: [1, 8, 8],
            layers: [("conv1", Conv2d(1, 4, kernel: 3, padding: 1)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)), ("flatten", Flatten()), ("fc", Linear(64, 3))])
        model.initialize(seed: seed)
        let x = Tensor(shape: [12, 1, 8, 8], values: GradientCheck.random(12 * 64, seed: seed &+ 100))
        let labels = (0..<12).map { $0 % 3 }
        var optimizer = SGD(learningRate: 0.1, momentum: 0.9)
        let loss = SoftmaxCrossEntropy()
        var context = ForwardContext(training: true)
        for _ in 0..<steps {
            model.parameters.zeroGradients()
            let result = loss(model.forward(x, &context), labels: labels)
            model.backward(result.gradient)
            optimizer.step(&model.parameters)
        }
        var evaluation = ForwardContext(training: false)
        let logits = model.forward(x, &evaluation)
        let correct = (0..<12).filter { row in
            let scores = logits.values[row * 3..<row * 3 + 3]
            return scores.firstIndex(of: scores.max()!)! - row * 3 == labels[row]
        }.count
        return (model.parameters.values, Float(correct) / 12)
    }

    @Test func aFixedBatchIsLearnedAndTheSeedRepeatsBitForBit() {
        // Random images with arbitrary labels: only memorising fits them, so 100 % means the whole
        // forward/backward/step loop works.
        withEngineThreadsLocked {
            let first = Self.train(seed: 5, steps: 150)
            #expect(first.accuracy == 1)
            let again = Self.train(seed: 5, steps: 150)
            #expect(again.parameters == first.parameters)
            #expect(Self.train(seed: 6, steps: 1).parameters != Self.train(seed: 5, steps: 1).parameters)
        }
    }
}

/// Data-parallel threads: the same gradients as one thread up to rounding, bit-identical for the same count.
@Suite struct DataParallelTests {
    static func gradients(
        threads: Int, model name: String = "cnn-small", batch: Int = 10, evaluateInBetween: Bool = false
    ) throws -> (logits: [Float], gradients: [Float]) {
        let model = try ModelZoo.make(name, channels: 1, size: 28, classes: 4)
        model.initialize(seed: 9)
        model.setThreads(threads)
        let x = Tensor(shape: [batch, 1, 28, 28], values: GradientCheck.random(batch * 784, seed: 10))
        var context = ForwardContext(training: true)
        let logits = model.forward(x, &context)
        if evaluateInBetween {
            // An evaluation of another, larger batch between the training forward and its backward.
            var evaluation = ForwardContext(training: false)
            _ = model.forward(Tensor(shape: [batch + 3, 1, 28, 28], values: GradientCheck.random((batch + 3) * 784, seed: 11)), &evaluation)
        }
        let loss = SoftmaxCrossEntropy()(logits, labels: (0..<batch).map { $0 % 4 })
        model.backward(loss.gradient)
        return (logits.values, model.parameters.gradients)
    }

    @Test func threadsAgreeWithOneThreadAndRepeatExactly() throws {
        try withEngineThreadsLocked {
            let previous = GEMM.threads
            defer { GEMM.setThreads(previous) }
            try threadsAgreeLocked()
        }
    }

    func threadsAgreeLocked() throws {
        let one = try Self.gradients(threads: 1)
        // An odd batch over 3 threads: shards of 4, 3 and 3.
        let three = try Self.gradients(threads: 3)
        let scale = one.gradients.map(abs).max()!
        #expect(zip(one.logits, three.logits).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(zip(one.gradients, three.gradients).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
        #expect(try Self.gradients(threads: 3).gradients == three.gradients)
        // A batch of 2 on 3 threads runs on 2 copies, agreeing with one thread.
        let two = try Self.gradients(threads: 3, batch: 2), single = try Self.gradients(threads: 1, batch: 2)
        #expect(zip(two.gradients, single.gradients).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
        // The residual network with GroupNorm in parallel, too.
        let resnetOne = try Self.gradients(threads: 1, model: "resnet8-gn"), resnetTwo = try Self.gradients(threads: 2, model: "resnet8-gn")
        let resnetScale = resnetOne.gradients.map(abs).max()!
        #expect(zip(resnetOne.gradients, resnetTwo.gradients).allSatisfy { abs($0 - $1) <= 1e-5 * resnetScale })
        // An evaluation forward between a training forward and its backward changes nothing.
        for threads in [1, 3] {
            #expect(try Self.gradients(threads: threads, evaluateInBetween: true).gradients == (try Self.gradients(threads: threads)).gradients)
        }
    }
}
