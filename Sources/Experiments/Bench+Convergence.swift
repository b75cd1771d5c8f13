import Foundation
import Imaging
import NeuralEngine
import Seeding
import Training

/// Whether a cell's pre-training finished before anything was erased from it: without that, every
/// fidelity gap mixes the cost of erasure with unfinished training. Three yardsticks: the federation's own
/// plateau (what the last 20 % of its versions gained on the global test set), a model trained centrally
/// on the same training samples, and synchronous retraining (the original model holds the target's data
/// too, so it should not trail a retraining without it).
public struct Convergence: Sendable, Codable, Equatable {
    public var versions: Int
    /// The last evaluation at or before 80 % of the versions, its test accuracy, and the final one.
    public var evaluatedAt: Int?
    public var accuracyAt80Percent: Double?
    public var finalAccuracy: Double
    /// Final minus the 80 % mark's accuracy; the run plateaued when it moved by less than `plateauGain`
    /// either way (a run still falling has not settled either).
    public var gainOverLast20Percent: Double?
    public var plateaued: Bool?
    /// The centrally trained model: epochs, its test accuracy at the end, and central minus federated.
    public var centralEpochs: Int
    public var centralAccuracy: Double
    public var gapToCentral: Double
    /// Synchronous retraining's final test accuracy (nil without a retrain-sync method) and it minus the
    /// original's.
    public var retrainSyncAccuracy: Double?
    public var gapToRetrainSync: Double?

    /// Changes below one point over the last 20 % of versions count as a plateau.
    public static let plateauGain = 0.01

    /// The convergence figures of a run's `metrics.jsonl` (its evaluations), the central model's test
    /// accuracies per epoch, and synchronous retraining's final test accuracy.
    init?(metrics: [UInt8], central: [Double], retrainSync: Double?) {
        var points: [(step: Int, accuracy: Double)] = []
        for line in metrics.split(separator: 10) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let step = object["step"] as? Int,
                  let accuracy = ((object["evaluation"] as? [String: Any])?["test"] as? [String: Any])?["accuracy"] as? Double
            else { continue }
            points.append((step, accuracy))
        }
        guard let last = points.last, let centralAccuracy = central.last else { return nil }
        versions = last.step
        finalAccuracy = last.accuracy
        let mark = points.last { Double($0.step) <= 0.8 * Double(last.step) && $0.step < last.step }
        evaluatedAt = mark?.step
        accuracyAt80Percent = mark?.accuracy
        gainOverLast20Percent = mark.map { last.accuracy - $0.accuracy }
        plateaued = gainOverLast20Percent.map { abs($0) < Self.plateauGain }
        centralEpochs = central.count
        self.centralAccuracy = centralAccuracy
        gapToCentral = centralAccuracy - last.accuracy
        retrainSyncAccuracy = retrainSync
        gapToRetrainSync = retrainSync.map { $0 - last.accuracy }
    }
}

extension Bench {
    /// The central reference's accuracies of a cell's plan, relative to the bench folder (shared by the
    /// plan's cells).
    func centralFile(_ cell: BenchCell) -> String { "central/\(cell.dataset)-\(cell.planLabel)-s\(cell.seed).json" }

    /// The central reference of a cell's plan: the federation's model trained centrally, with its local
    /// optimiser and batch, on the union of the hospitals' training samples (the target's backdoor
    /// included, as the federation saw them) for `config.centralEpochs` epochs (default 30) with the
    /// learning rate annealed to zero by a cosine; the global test accuracy after each. One file per dataset, plan and seed (`central/…json`), shared by the plan's cells and read
    /// back when present.
    func central(_ cell: BenchCell, run: String) throws(RunError) -> [Double] {
        let file = centralFile(cell)
        if let bytes = try? FileIO.read(path(file)), let stored = try? JSONDecoder().decode([Double].self, from: Data(bytes)) { return stored }
        let experiment: Experiment
        do {
            let config = try ExperimentConfig.parse(String(decoding: try FileIO.read(run + "/config.json"), as: UTF8.self))
            experiment = try Experiment.resolve(config, directory: "", cores: cores)
        } catch { throw RunError("\(cell.label): the central reference cannot read the run's config (\(error))") }
        let model = experiment.makeModel()
        model.setThreads(cores)
        let epochs = config.centralEpochCount
        var options = experiment.settings.local
        options.epochs = epochs
        // Annealed to zero, so the last epoch is a settled model: at the federation's constant rate (SGD
        // 0.05 with momentum) the central curve swung between 0.36 and 0.56 over its last epochs.
        options.schedule = .cosine(epochs: epochs, minimum: 0)
        model.initialize(seed: cell.seed &+ 0xCE27)
        var generator = SeededGenerator(seed: cell.seed &+ 0xCE27 &+ 1)
        var optimizer = Trainer.makeOptimizer(options)
        let training = experiment.training.flatMap { $0 }
        var accuracies: [Double] = []
        for epoch in 0..<epochs {
            optimizer.learningRate = options.schedule.rate(base: options.learningRate, epoch: epoch)
            _ = Trainer.runEpoch(model, samples: experiment.samples, indices: training, options: options, optimizer: &optimizer, generator: &generator)
            accuracies.append(Trainer.evaluate(model, store: experiment.store, indices: experiment.test, batchSize: 256).0.accuracy)
        }
        try make(path("central"))
        try write(Array(FederatedRun.json(accuracies).utf8) + [10], to: path(file))
        return accuracies
    }
}
