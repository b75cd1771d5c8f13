import Datasets
import NeuralEngine
import Seeding
import Testing
import TestSupport
import Training

@testable import Federation

/// FedAsync and FedBuff on the virtual clock: nobody waits for a straggler, stale updates are marked,
/// and the special cases reduce to what they should.
@Suite struct AsynchronousFederationTests {
    static let noNetwork = NetworkProfile(latency: 0, uploadBytesPerSecond: .infinity, downloadBytesPerSecond: .infinity)
    static let local = TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 10, learningRate: 0.05, seed: 5)

    @Test func theServerDoesNotWaitForAStraggler() throws {
        let directory = TemporaryDirectory()
        let store = try SynchronousFederationTests.store(directory)
        let train = Array(store.indices(of: .train).prefix(48))
        try #require(train.count == 48)
        let hospitals = [Array(train[0..<16]), Array(train[16..<32]), Array(train[32..<48])]
        // 16 samples at 8/s: 2 s per update; hospital 2 is 4 times slower (8 s).
        let options = AsynchronousFederation.Options(
            local: Self.local, versions: 8, strategy: .fedAsync(alpha: 0.5, staleness: .polynomial(a: 0.5)),
            speeds: .stragglers(samplesPerSecond: 8, hospitals: [2], slowdown: 4), network: Self.noNetwork)
        let run = { () throws -> ([ArrivalRecord], [Float]) in
            let model = try Trainer.model(for: store, name: "cnn-small")
            let records = AsynchronousFederation.run(model: model, samples: store, hospitals: hospitals, options: options)
            return (records, model.parameters.values)
        }
        let (records, weights) = try withEngineThreadsLocked { try run() }
        // Hospitals 0 and 1 arrive at 2, 4 and 6 s and make versions 1–6 before the straggler's first
        // update lands at 8 s (ties at 8 s go in schedule order: the straggler's upload was scheduled first).
        #expect(records.prefix(6).map(\.hospital) == [0, 1, 0, 1, 0, 1])
        #expect(records.prefix(6).map(\.virtualTime) == [2, 2, 4, 4, 6, 6])
        let straggler = try #require(records.first { $0.hospital == 2 })
        #expect(straggler.virtualTime == 8 && straggler.baseVersion == 0 && straggler.staleness == 6)
        #expect(records.last!.version == 8)
        // Same seed, same run.
        let again = try withEngineThreadsLocked { try run() }
        #expect(again.0 == records && again.1 == weights)
    }

    @Test func fedAsyncWithFullMixingIsTheClientsModel() throws {
        // α 1 and constant staleness: the global model becomes the arriving model; one hospital for one
        // version is one centralised epoch.
        let directory = TemporaryDirectory()
        let store = try SynchronousFederationTests.store(directory)
        let train = store.indices(of: .train).filter { !store.labels($0).isEmpty }
        try withEngineThreadsLocked {
            let centralised = try Trainer.model(for: store, name: "cnn-small")
            _ = try Trainer.train(centralised, store: store, options: Self.local)
            let model = try Trainer.model(for: store, name: "cnn-small")
            _ = AsynchronousFederation.run(
                model: model, samples: store, hospitals: [train],
                options: .init(local: Self.local, versions: 1, strategy: .fedAsync(alpha: 1, staleness: .constant)))
            #expect(model.parameters.values == centralised.parameters.values)
        }
    }

    @Test func fedBuffOfFreshUpdatesIsTheirMean() throws {
        // Two equal hospitals at equal speed: both start from version 0 and arrive together; a buffer of 2
        // with η 1 gives base + (Δ₀ + Δ₁)/2, the plain mean of their models: synchronous FedAvg's round.
        let directory = TemporaryDirectory()
        let store = try SynchronousFederationTests.store(directory)
        let train = Array(store.indices(of: .train).prefix(40))
        try #require(train.count == 40)
        let hospitals = [Array(train[0..<20]), Array(train[20..<40])]
        try withEngineThreadsLocked {
            let buffered = try Trainer.model(for: store, name: "cnn-small")
            let records = AsynchronousFederation.run(
                model: buffered, samples: store, hospitals: hospitals,
                options: .init(local: Self.local, versions: 1, strategy: .fedBuff(bufferSize: 2, serverLearningRate: 1, staleness: .inverseSquareRoot)))
            #expect(records.map(\.staleness) == [0, 0] && records.map(\.version) == [0, 1])
            let averaged = try Trainer.model(for: store, name: "cnn-small")
            _ = SynchronousFederation.run(model: averaged, samples: store, hospitals: hospitals, options: FederationOptions(local: Self.local, rounds: 1))
            let gap = zip(buffered.parameters.values, averaged.parameters.values).map { abs($0 - $1) }.max()!
            #expect(gap < 1e-6)
        }
    }
}
