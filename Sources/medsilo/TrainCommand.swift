import ArgumentParser
import Datasets
import FoundationEssentials
import Imaging
import NeuralEngine
import Training

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo train`: centralised training of a named model on a store.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a store's train split, evaluating on its test split after every epoch.",
        discussion: """
            Writes DIR/metrics.json (options, every epoch's loss, accuracy, balanced accuracy, macro \
            one-vs-rest AUC and per-class recall) and DIR/model.safetensors (loadable in PyTorch). \
            Models: \(ModelZoo.names.joined(separator: ", ")). See docs/engine.md.
            """
    )

    @Argument(help: "The store folder.")
    var store: String

    @Option(help: "Model: \(ModelZoo.names.joined(separator: ", ")).")
    var model: String = "cnn-small"

    @Option(help: "Epochs.")
    var epochs: Int = 10

    @Option(help: "Batch size.")
    var batch: Int = 64

    @Option(help: "Learning rate.")
    var lr: Float = 0.01

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Option(help: "Weight decay (L2 for sgd and adam, decoupled for adamw).")
    var weightDecay: Float = 0

    @Option(help: "Optimizer: sgd, adam or adamw.")
    var optimizer: TrainingOptions.OptimizerKind = .sgd

    @Option(help: "Learning-rate schedule: constant, cosine, or step:EVERY:GAMMA (e.g. step:5:0.5).")
    var schedule: String = "constant"

    @Option(help: "Label smoothing of the cross-entropy.")
    var labelSmoothing: Float = 0

    @Option(help: "Clip the gradient norm to this value.")
    var clipNorm: Float?

    @Option(help: "Seed of initialisation, shuffling and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Threads (default: all cores). Results are reproducible for the same seed and thread count.")
    var threads: Int?

    @Option(help: "The run folder to write.")
    var out: String

    @Flag(help: "Print one JSON object with the final metrics.")
    var json = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard (0..<1).contains(labelSmoothing) else { throw ValidationError("--label-smoothing must lie in [0, 1)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw ValidationError("--clip-norm must be positive") }
        guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must lie in [0, 1)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must not be negative") }
        _ = try parsedSchedule()
    }

    func parsedSchedule() throws(ValidationError) -> LearningRateSchedule {
        if schedule == "constant" { return .constant }
        if schedule == "cosine" { return .cosine(epochs: epochs, minimum: 0) }
        let parts = schedule.split(separator: ":")
        if parts.count == 3, parts[0] == "step", let every = Int(parts[1]), every > 0, let gamma = Float(parts[2]), gamma > 0 {
            return .step(every: every, gamma: gamma)
        }
        throw ValidationError("--schedule must be constant, cosine or step:EVERY:GAMMA")
    }

    struct Report: Encodable {
        var format = "medsilo-train"
        var version = 1
        var store: String
        var fingerprint: String
        var model: String
        var parameters: Int
        var classes: [String]
        var options: [String: String]
        var epochs: [EpochRecord]
        var final: EpochRecord?
    }

    func run() throws {
        let opened: DatasetStore
        do { opened = try DatasetStore(path: store) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        for name in ["metrics.json", "model.safetensors"] where access(out + "/" + name, F_OK) == 0 {
            Output.error("\(out)/\(name) exists; choose another --out (a run folder is never overwritten)")
            throw ExitCode(1)
        }
        let options = TrainingOptions(
            model: model, epochs: epochs, batchSize: batch, learningRate: lr, momentum: momentum, weightDecay: weightDecay, optimizer: optimizer,
            schedule: try parsedSchedule(), labelSmoothing: labelSmoothing, clipNorm: clipNorm, seed: seed)
        let network: Sequential
        do { network = try Trainer.model(for: opened, name: model) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        if let threads, threads > cores {
            Output.error("--threads \(threads) is more than the \(cores) cores here; using \(cores)")
        }
        network.setThreads(min(threads ?? cores, cores))
        // The run folder is made and tried now, not after hours of training.
        do {
            try FileIO.createDirectory(out)
            try FileIO.writeAtomically(Array("write test\n".utf8), to: out + "/.write-test")
            unlink(out + "/.write-test")
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        if opened.indices(of: .test).isEmpty {
            Output.error("\(store) has no test split: the test metrics of every epoch will be empty (0 samples)")
        }
        let bar = ProgressBar(enabled: !json && isatty(STDERR_FILENO) != 0, label: "train")
        let records: [EpochRecord]
        do {
            records = try Trainer.train(network, store: opened, options: options) { epoch, fraction, record in
                bar.update(done: epoch * 1000 + Int(fraction * 1000), total: epochs * 1000, failed: 0, doneThisRun: epoch * 1000 + Int(fraction * 1000))
                if let record, !json {
                    bar.finish()
                    let auc = record.test.macroAUC.map { formatted($0, digits: 3) } ?? "–"
                    print("epoch \(record.epoch)/\(epochs): train loss \(formatted(record.trainLoss, digits: 4)) acc \(formatted(record.trainAccuracy, digits: 3)) · test loss \(formatted(record.testLoss, digits: 4)) acc \(formatted(record.test.accuracy, digits: 3)) balanced \(formatted(record.test.balancedAccuracy, digits: 3)) AUC \(auc) · \(formatted(record.seconds, digits: 1)) s")
                }
            }
        } catch {
            bar.finish()
            Output.error(error.description)
            throw ExitCode(1)
        }
        let report = Report(
            store: opened.path, fingerprint: opened.metadata.fingerprint, model: model, parameters: network.parameters.layout.count,
            classes: opened.classes,
            options: [
                "epochs": String(epochs), "batch": String(batch), "lr": String(lr), "momentum": String(momentum), "weightDecay": String(weightDecay),
                "optimizer": optimizer.rawValue, "schedule": schedule, "labelSmoothing": String(labelSmoothing),
                "clipNorm": clipNorm.map { String($0) } ?? "none", "seed": String(seed), "threads": String(network.threads),
            ],
            epochs: records, final: records.last)
        do {
            try FileIO.createDirectory(out)
            try FileIO.writeAtomically(Safetensors.encode(network), to: out + "/model.safetensors")
            try FileIO.writeAtomically(Array(Output.jsonLine(report).utf8) + [10], to: out + "/metrics.json")
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        if json {
            print(Output.jsonLine(report))
        } else {
            print("wrote \(out)/model.safetensors and \(out)/metrics.json")
        }
    }
}

extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
