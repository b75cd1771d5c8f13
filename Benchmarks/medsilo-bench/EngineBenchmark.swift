import ArgumentParser
import Foundation
import NeuralEngine
import Seeding

#if canImport(Glibc)
import Glibc
#endif

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

    @Flag(help: "Measure training only (for profiling).")
    var trainOnly = false

    @Flag(help: "Skip the BLAS GFLOP/s at the models' GEMM shapes (medsilo-bench blas measures them alone).")
    var noBlas = false

    struct Result: Codable {
        var model: String
        var threads: Int
        var trainSamplesPerSecond: Double
        var inferSamplesPerSecond: Double
        var trainWindows: [Double]
        var inferWindows: [Double]
        /// CPU seconds the process used per wall second while measuring: about the thread count when it
        /// had the cores to itself, less when other work took them.
        var trainBusyCpus: Double
        var inferBusyCpus: Double
        var finalLoss: Double
    }

    struct Report: Encodable {
        var framework = "medsilo"
        var version = "0"
        var blas: String
        var cpu: String
        var batch: Int
        var statistic = "median"
        var repeats: Int
        var secondsPerCase: Double
        var results: [Result]
        /// sgemm GFLOP/s at every GEMM shape of a training step of the two CNNs (as `medsilo-bench blas`).
        var gemm: BLASBenchmark.Report?
    }

    /// The CPU model from /proc/cpuinfo.
    static var cpuName: String {
        guard let file = fopen("/proc/cpuinfo", "r") else { return "unknown" }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if text.hasPrefix("model name"), let colon = text.firstIndex(of: ":") {
                return String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return "unknown"
    }

    /// CPU seconds used by this process so far (user + system).
    static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    /// Channels, side and classes of each benchmarked model.
    static let shapes: [String: (channels: Int, side: Int, classes: Int)] = [
        "cnn-small": (1, 28, 9), "cnn-large": (3, 64, 9), "resnet8-gn": (3, 64, 9),
    ]

    /// Samples/s of each window of `step` (called with batch numbers 0, 1, 2, … cycling over `count`),
    /// and the CPUs kept busy while measuring.
    func windows(_ count: Int, _ step: (Int) -> Void) -> (rates: [Double], busy: Double) {
        let clock = ContinuousClock()
        var i = 0
        let start = clock.now
        while i < 3 || (clock.now - start) < .milliseconds(Int(warmup * 1000)) {
            step(i % count)
            i += 1
        }
        var rates: [Double] = []
        let cpuStart = Self.cpuSeconds, wallStart = clock.now
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
        let wall = clock.now - wallStart
        return (rates, (Self.cpuSeconds - cpuStart) / (Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func run() throws {
        var results: [Result] = []
        let pool = 2048
        for name in models.split(separator: ",").map(String.init) {
            guard let shape = Self.shapes[name] else { throw ValidationError("unknown model \(name)") }
            for threadCount in threads.split(separator: ",").compactMap({ Int($0) }) {
                let model = try ModelZoo.make(name, channels: shape.channels, size: shape.side, classes: shape.classes)
                model.setThreads(threadCount)
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
                let infer = trainOnly ? (rates: [0.0], busy: 0.0) : windows(count) { b in _ = model.forward(batches[b].0, &evaluation) }
                let result = Result(
                    model: name, threads: threadCount, trainSamplesPerSecond: Self.median(train.rates), inferSamplesPerSecond: Self.median(infer.rates),
                    trainWindows: train.rates, inferWindows: infer.rates, trainBusyCpus: train.busy, inferBusyCpus: infer.busy,
                    finalLoss: Double(lastLoss))
                results.append(result)
                if !json {
                    // A star marks a case that got under 90 % of its threads' CPU time (a busy machine).
                    let starved = min(train.busy, infer.busy) < 0.9 * Double(threadCount) ? " *" : ""
                    print("\(name) threads \(threadCount): train \(Int(result.trainSamplesPerSecond)) samples/s, inference \(Int(result.inferSamplesPerSecond)) samples/s (CPUs busy \(String(format: "%.2f", train.busy)) / \(String(format: "%.2f", infer.busy)))\(starved)")
                }
            }
        }
        var gemm: BLASBenchmark.Report?
        if !noBlas {
            let blas = try BLASBenchmark.parse(["--threads", threads, "--seconds", "0.6", "--repeats", "3"])
            gemm = blas.measureAll(printing: false)
            if !json {
                for time in gemm!.models {
                    print("GEMMs of one \(time.model) step at \(time.threads) thread(s): training \(String(format: "%.2f", time.trainMilliseconds)) ms, inference \(String(format: "%.2f", time.inferMilliseconds)) ms (medsilo-bench blas has every shape)")
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = Report(
                blas: GEMM.backendSummary, cpu: Self.cpuName, batch: batch, repeats: repeats, secondsPerCase: seconds, results: results, gemm: gemm)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
