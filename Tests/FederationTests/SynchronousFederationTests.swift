import Datasets
import Foundation
import Imaging
import NeuralEngine
import Seeding
import Testing
import TestSupport
import Training

@testable import Federation

/// Synchronous FedAvg on a small real store: one hospital is centralised training; the clock waits
/// for the slowest participant.
@Suite struct SynchronousFederationTests {
    /// 40 patients × 2 gray 6×6 PNGs, ingested at 28 × 28; class = patient % 3, brighter for higher classes.
    static func store(_ directory: TemporaryDirectory) throws -> DatasetStore {
        let root = directory.file("src")
        try FileManager.default.createDirectory(atPath: root + "/img", withIntermediateDirectories: true)
        var manifest = "path,label,patient\n"
        var generator = SeededGenerator(seed: 1)
        for p in 0..<40 {
            for i in 0..<2 {
                let path = "img/p\(p)_\(i).png"
                let pixels = (0..<36).map { _ in UInt8(min(255, (p % 3) * 60 + Int(generator.next() % 80))) }
                try writeFile(try PNGWriter.encode(pixels, width: 6, height: 6, channels: 1), to: root + "/" + path)
                manifest += "\(path),c\(p % 3),P\(p)\n"
            }
        }
        try writeFile(Array(manifest.utf8), to: root + "/labels.csv")
        let source = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        _ = try Ingest.run(source, to: directory.file("store"), options: IngestOptions(preprocessing: PreprocessSettings(size: 28)))
        return try DatasetStore(path: directory.file("store"))
    }

    static let local = TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 16, learningRate: 0.05, seed: 7)

    @Test func oneHospitalForOneRoundIsOneEpochOfCentralisedTraining() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        let train = store.indices(of: .train).filter { !store.labels($0).isEmpty }
        try withEngineThreadsLocked {
            let centralised = try Trainer.model(for: store, name: "cnn-small")
            _ = try Trainer.train(centralised, store: store, options: Self.local)
            let federated = try Trainer.model(for: store, name: "cnn-small")
            let records = SynchronousFederation.run(
                model: federated, samples: store, hospitals: [train], options: FederationOptions(local: Self.local, rounds: 1))
            #expect(records.count == 1 && records[0].participants == [0])
            #expect(federated.parameters.values == centralised.parameters.values)
        }
    }

    @Test func aRoundLastsAsLongAsItsSlowestParticipant() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        let train = store.indices(of: .train)
        let hospitals = [Array(train.prefix(10)), Array(train.dropFirst(10).prefix(20)), Array(train.dropFirst(30))]
        // Hospital 2 trains 4 times slower; no network cost: durations are samples × epochs / speed.
        let options = FederationOptions(
            local: TrainingOptions(model: "cnn-small", epochs: 2, batchSize: 16, learningRate: 0.05, seed: 3), rounds: 2,
            speeds: .stragglers(samplesPerSecond: 10, hospitals: [2], slowdown: 4),
            network: NetworkProfile(latency: 0, uploadBytesPerSecond: .infinity, downloadBytesPerSecond: .infinity))
        let records = try withEngineThreadsLocked {
            SynchronousFederation.run(model: try Trainer.model(for: store, name: "cnn-small"), samples: store, hospitals: hospitals, options: options)
        }
        let slowest = Double(hospitals[2].count * 2) / 2.5
        #expect(records.map(\.duration) == [slowest, slowest])
        #expect(records.map(\.virtualTime) == [slowest, 2 * slowest])
        #expect(records.allSatisfy { $0.participants == [0, 1, 2] })
        // Without the straggler the round is set by the next slowest, hospital 1: 20 × 2 / 10 = 4 s.
        let fast = try withEngineThreadsLocked {
            SynchronousFederation.run(
                model: try Trainer.model(for: store, name: "cnn-small"), samples: store, hospitals: Array(hospitals.prefix(2)),
                options: FederationOptions(local: options.local, rounds: 1, speeds: .fixed(samplesPerSecond: 10), network: options.network))
        }
        #expect(fast[0].duration == 4)
    }

    @Test func clientSamplingIsSeededAndSized() {
        var a = SeededGenerator(seed: 2), b = SeededGenerator(seed: 2)
        let first = SynchronousFederation.sample(Array(0..<10), fraction: 0.3, generator: &a)
        #expect(first.count == 3 && Set(first).count == 3 && first == first.sorted())
        #expect(SynchronousFederation.sample(Array(0..<10), fraction: 0.3, generator: &b) == first)
        var c = SeededGenerator(seed: 2)
        #expect(SynchronousFederation.sample(Array(0..<10), fraction: 0.01, generator: &c).count == 1)
        #expect(SynchronousFederation.sample([4, 7], fraction: 1, generator: &c) == [4, 7])
    }
}

extension SynchronousFederationTests {
    @Test func fedProxKeepsLocalModelsCloserToTheGlobalOne() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        let train = store.indices(of: .train)
        func drift(_ mu: Float) throws -> Float {
            let model = try Trainer.model(for: store, name: "cnn-small")
            model.initialize(seed: Self.local.seed)
            let start = model.parameters.values
            _ = SynchronousFederation.run(
                model: model, samples: store, hospitals: [train],
                options: FederationOptions(local: TrainingOptions(model: "cnn-small", epochs: 2, batchSize: 16, learningRate: 0.05, seed: Self.local.seed), rounds: 1, proximalMu: mu))
            return zip(model.parameters.values, start).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        // μ = 10 with η = 0.05 pulls each step halfway back towards the global model.
        let free = try withEngineThreadsLocked { try drift(0) }
        let held = try withEngineThreadsLocked { try drift(10) }
        #expect(held < 0.7 * free, "drift with μ 10: \(held), without: \(free)")
    }
}
