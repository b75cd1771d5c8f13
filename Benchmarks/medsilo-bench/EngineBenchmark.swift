import ArgumentParser
import FoundationEssentials
import NeuralEngine
import Seeding

/// Training and inference samples/s of the named models, measured the way scripts/torch-reference.py
/// measures PyTorch: a pool of 2,048 random inputs (uniform in [0, 1)) with random labels cycled in
/// batches; a training step is forward, cross-entropy, backward, SGD (lr 0.01, momentum 0.9) and zeroed
/// gradients; an inference step is an evaluation-mode forward. After a warm-up, `repeats` windows of
/// seconds/repeats each; the figure is the median window. Same JSON fields as the PyTorch script.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine")

    @Option(help: "Models, comma-separated.")
    var models: String = "cnn-small,cnn-large"

    @Option(help: "Thread counts, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Batch size.")
    var batch: Int = 64

    @Option(help: "Measured seconds per case (after the warm-up).")
    var seconds: Double = 3

    @Option(help: "Warm-up seconds per case.")
    var warmup: Double = 1

    @Option(help: "Measurement windows per case (the median is reported).")
    var repeats: Int = 5

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Result: Codable {
        var model: String
        var threads: Int
        var trainSamplesPerSecond: Double
        var inferSamplesPerSecond: Double
        var trainWindows: [Double]
        var inferWindows: [Double]
        var finalLoss: Double
    }

    struct Report: Codable {
        var framework = "medsilo"
        var blas: String
        var batch: Int
        var results: [Result]
    }

    /// Channels, side and classes of each benchmarked model.
    static let configuration_: [String: (channels: Int, side: Int, classes: Int)] = [
        "cnn-small": (1, 28, 9), "cnn-large": (3, 64, 9), "resnet8-gn": (3, 64, 9),
    ]

    /// Samples/s of each window of `step` (called with batch numbers 0, 1, 2, … cycling over `count`).
    func windows(_ count: Int, _ step: (Int) -> Void) -> [Double] {
        let clock = ContinuousClock()
        var i = 0
        let start = clock.now
        while i < 3 || (clock.now - start) < .milliseconds(Int(warmup * 1000)) {
            step(i % count)
            i += 1
        }
        var rates: [Double] = []
        for _ in 0..<repeats {
            let windowStart = clock.now
            var n = 0
            var elapsed = 0.0
            repeat {
                step(i % count)
                i += 1
                n += 1
                let d = clock.now - windowStart
                elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            } while elapsed < seconds / Double(repeats)
            rates.append(Double(n * batch) / elapsed)
        }
        return rates
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func run() throws {
        var results: [Result] = []
        let pool = 2048
        for name in models.split(separator: ",").map(String.init) {
            guard let shape = Self.configuration_[name] else { throw ValidationError("unknown model \(name)") }
            for threadCount in threads.split(separator: ",").compactMap({ Int($0) }) {
                GEMM.setThreads(threadCount)
                let model = try ModelZoo.make(name, channels: shape.channels, size: shape.side, classes: shape.classes)
                model.initialize(seed: 1)
                var generator = SeededGenerator(seed: 2)
                let itemSize = shape.channels * shape.side * shape.side
                let inputs = (0..<(pool * itemSize)).map { _ in Float(generator.nextUnit()) }
                let labels = (0..<pool).map { _ in Int(generator.next() % UInt64(shape.classes)) }
                let count = pool / batch
                let batches = (0..<count).map { b in
                    (Tensor(shape: [batch, shape.channels, shape.side, shape.side], values: Array(inputs[b * batch * itemSize..<(b + 1) * batch * itemSize])),
                     Array(labels[b * batch..<(b + 1) * batch]))
                }
                var optimizer = SGD(learningRate: 0.01, momentum: 0.9)
                let loss = SoftmaxCrossEntropy()
                var lastLoss: Float = 0
                var training = ForwardContext(training: true)
                let train = windows(count) { b in
                    let logits = model.forward(batches[b].0, &training)
                    let result = loss(logits, labels: batches[b].1)
                    model.backward(result.gradient)
                    optimizer.step(&model.parameters)
                    model.parameters.zeroGradients()
                    lastLoss = result.value
                }
                var evaluation = ForwardContext(training: false)
                let infer = windows(count) { b in _ = model.forward(batches[b].0, &evaluation) }
                let result = Result(
                    model: name, threads: threadCount, trainSamplesPerSecond: Self.median(train), inferSamplesPerSecond: Self.median(infer),
                    trainWindows: train, inferWindows: infer, finalLoss: Double(lastLoss))
                results.append(result)
                if !json {
                    print("\(name) threads \(threadCount): train \(Int(result.trainSamplesPerSecond)) samples/s, inference \(Int(result.inferSamplesPerSecond)) samples/s")
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(Report(blas: GEMM.backendSummary, batch: batch, results: results)), as: UTF8.self))
        }
    }
}
