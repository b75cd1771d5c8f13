import Datasets
import NeuralEngine
import SyntheticSuite
import Testing
import TestSupport

@testable import Training

/// cnn-small learns the built-in synthetic derm task: test accuracy clearly above the majority-class
/// rate after a few epochs, and the same seed gives the same weights.
@Suite struct LearningTests {
    /// The synthetic derm task (7 classes) at 28 × 28, 3 channels, ingested into a store.
    static func dermStore(_ directory: TemporaryDirectory) throws -> DatasetStore {
        _ = try SyntheticSuite.generate(SynthOptions(tasks: [.derm], hospitals: 3, patients: 150, imagesPerPatient: 3...4, size: 28, seed: 5), to: directory.file("synth"))
        let source = try LayoutSelection.manifest(source: directory.file("synth/derm"), kind: .csv, options: LayoutOptions())
        _ = try Ingest.run(source, to: directory.file("store"), options: IngestOptions(preprocessing: PreprocessSettings(size: 28, channels: 3)))
        return try DatasetStore(path: directory.file("store"))
    }

    @Test func cnnSmallLearnsTheSyntheticDermTask() throws {
        try withEngineThreadsLocked { try learns() }
    }

    func learns() throws {
        let directory = TemporaryDirectory()
        let store = try Self.dermStore(directory)
        let options = TrainingOptions(model: "cnn-small", epochs: 6, batchSize: 32, learningRate: 0.02, seed: 3)
        let model = try Trainer.model(for: store, name: "cnn-small")
        let records = try Trainer.train(model, store: store, options: options)
        let test = store.indices(of: .test).map { store.labels($0)[0] }
        let majority = Double((0..<store.classes.count).map { c in test.filter { $0 == c }.count }.max()!) / Double(test.count)
        let final = try #require(records.last)
        // Chance is 1/7 ≈ 0.14 and the majority class about 0.2; a working pipeline reaches well above.
        #expect(final.test.accuracy > max(2 * majority, 0.4), "accuracy \(final.test.accuracy), majority \(majority)")
        #expect(final.test.macroAUC ?? 0 > 0.75)
        #expect(records.first!.trainLoss > final.trainLoss)
        // Same seed, same weights, bit for bit.
        let again = try Trainer.model(for: store, name: "cnn-small")
        _ = try Trainer.train(again, store: store, options: TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 32, learningRate: 0.02, seed: 3))
        let once = try Trainer.model(for: store, name: "cnn-small")
        _ = try Trainer.train(once, store: store, options: TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 32, learningRate: 0.02, seed: 3))
        #expect(again.parameters.values == once.parameters.values)
        // The data-parallel path (the command's default) repeats too, and stays close to one thread.
        func twoThreads() throws -> [Float] {
            let model = try Trainer.model(for: store, name: "cnn-small")
            model.setThreads(2)
            _ = try Trainer.train(model, store: store, options: TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 32, learningRate: 0.02, seed: 3))
            return model.parameters.values
        }
        let parallel = try twoThreads()
        #expect(try twoThreads() == parallel)
        #expect(zip(parallel, once.parameters.values).map { abs($0 - $1) }.max()! < 1e-3)
    }
}
