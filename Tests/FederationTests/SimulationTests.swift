import Foundation
import NeuralEngine
import Seeding
import Testing
import TestSupport
import Training

@testable import Federation

/// The simulation as a whole: results independent of host threads, checkpoints that continue bit for
/// bit, availability on the clock, and the updates it reports for the history store.
@Suite struct SimulationTests {
    /// 120 random 28×28 items of 3 classes in memory, split over 4 hospitals of 20, 25, 30 and 45.
    static func data() -> (InMemorySamples, [[Int]]) {
        var generator = SeededGenerator(seed: 11)
        let labels = (0..<120).map { _ in Int(generator.next() % 3) }
        let values = (0..<(120 * 784)).map { i in Float(generator.nextUnit()) + Float(labels[i / 784]) * 0.3 }
        let samples = InMemorySamples(itemShape: [1, 28, 28], values: values, labels: labels)
        return (samples, [Array(0..<20), Array(20..<45), Array(45..<75), Array(75..<120)])
    }

    static let local = TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 16, learningRate: 0.05, seed: 3)
    static let noNetwork = NetworkProfile(latency: 0, uploadBytesPerSecond: .infinity, downloadBytesPerSecond: .infinity)

    static func simulation(_ protocolKind: FederationProtocol, threads: Int = 1, availability: Availability = .always, speeds: SpeedProfile = .logNormal(median: 20, sigma: 0.8)) throws -> FederationSimulation {
        let (samples, hospitals) = data()
        let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
        return FederationSimulation(
            model: model, samples: samples, hospitals: hospitals,
            settings: SimulationSettings(
                local: local, protocolKind: protocolKind, speeds: speeds, network: noNetwork, availability: availability, hostThreads: threads))
    }

    static let protocols: [FederationProtocol] = [
        .synchronous(rounds: 3, clientFraction: 0.75, strategy: .fedAdam(learningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3)),
        .asynchronous(versions: 4, strategy: .fedBuff(bufferSize: 2, serverLearningRate: 1, staleness: .inverseSquareRoot)),
        .asynchronous(versions: 5, strategy: .fedAsync(alpha: 0.6, staleness: .polynomial(a: 0.5))),
    ]

    static func runToEnd(_ simulation: FederationSimulation) -> ([StepReport], [SimulationEvent]) {
        var events: [SimulationEvent] = []
        simulation.onEvent = { events.append($0) }
        var reports: [StepReport] = []
        while let report = simulation.advance() { reports.append(report) }
        return (reports, events)
    }

    /// Reports without host time, which is not a result.
    static func results(_ reports: [StepReport]) -> [StepReport] {
        reports.map { var r = $0; r.hostSeconds = 0; return r }
    }

    @Test(arguments: protocols)
    func hostThreadsDoNotChangeTheResult(_ protocolKind: FederationProtocol) throws {
        try withEngineThreadsLocked {
            let one = try Self.simulation(protocolKind, threads: 1)
            let (reportsOne, eventsOne) = Self.runToEnd(one)
            let two = try Self.simulation(protocolKind, threads: 2)
            let (reportsTwo, eventsTwo) = Self.runToEnd(two)
            #expect(reportsOne.count == protocolKind.steps)
            #expect(Self.results(reportsOne) == Self.results(reportsTwo))
            #expect(eventsOne == eventsTwo)
            #expect(one.global == two.global)
        }
    }

    @Test(arguments: protocols)
    func aRestoredCheckpointContinuesBitForBit(_ protocolKind: FederationProtocol) throws {
        try withEngineThreadsLocked {
            let whole = try Self.simulation(protocolKind)
            let (reports, events) = Self.runToEnd(whole)
            for stop in 1..<protocolKind.steps {
                let first = try Self.simulation(protocolKind)
                var firstEvents: [SimulationEvent] = []
                first.onEvent = { firstEvents.append($0) }
                var firstReports: [StepReport] = []
                for _ in 0..<stop { firstReports.append(first.advance()!) }
                let bytes = first.checkpoint(metadata: ["note": "kept"])
                #expect(try FederationSimulation.checkpointMetadata(bytes) == ["note": "kept"])
                // A fresh simulation (as after a restart) restored from the bytes makes the rest.
                let second = try Self.simulation(protocolKind, threads: 2)
                try second.restore(bytes)
                let (rest, restEvents) = Self.runToEnd(second)
                #expect(Self.results(firstReports + rest) == Self.results(reports), "stopped after step \(stop)")
                #expect(firstEvents + restEvents == events)
                #expect(second.global == whole.global)
            }
        }
    }

    @Test func aCheckpointOfAnotherFederationIsRefused() throws {
        let sync = try Self.simulation(Self.protocols[0])
        let async = try Self.simulation(Self.protocols[1])
        #expect(throws: FederationSimulation.CheckpointError.self) { try async.restore(sync.checkpoint()) }
        #expect(throws: FederationSimulation.CheckpointError.self) { try sync.restore(Array(sync.checkpoint().prefix(40))) }
    }

    @Test func lateJoinsAndDeparturesFollowTheClock() throws {
        // Every hospital at 10 samples/s: hospital 3 (45 samples) joins at 10 s; hospital 0 leaves at 5 s.
        let availability = Availability(joins: [3: 10], leaves: [0: 5])
        try withEngineThreadsLocked {
            let sync = try Self.simulation(
                .synchronous(rounds: 2, clientFraction: 1, strategy: .fedAvg), availability: availability, speeds: .fixed(samplesPerSecond: 10))
            var rounds: [[Int]] = []
            sync.onEvent = { if $0.kind == .round { rounds.append($0.participants!) } }
            let first = try #require(sync.advance())
            // Round 1 at t = 0: hospitals 0–2; the slowest (30 samples) takes 3 s.
            #expect(rounds == [[0, 1, 2]] && first.virtualTime == 3)
            _ = try #require(sync.advance())
            // Round 2 at t = 3: hospital 0 is still there (it leaves at 5 s), hospital 3 not yet.
            #expect(rounds.last == [0, 1, 2])

            let async = try Self.simulation(
                .asynchronous(versions: 14, strategy: .fedAsync(alpha: 0.5, staleness: .constant)), availability: availability,
                speeds: .fixed(samplesPerSecond: 10))
            let (_, events) = Self.runToEnd(async)
            let dispatched = events.filter { $0.kind == .dispatched }
            // Hospital 0 (2 s per job) starts at 0, 2 and 4 s, and not at 6 s.
            #expect(dispatched.filter { $0.hospital == 0 }.map(\.virtualTime) == [0, 2, 4])
            // Hospital 3 starts first at 10 s, from the 9 versions made before then (arrivals at 2, 2.5, 3,
            // 4, 5, 6, 6, 7.5 and 9 s). Hospital 1's arrival at 10 s comes after its start: that start was
            // put on the clock at 0 s, the arrival at 7.5 s, and ties go in schedule order.
            let late = try #require(dispatched.first { $0.hospital == 3 })
            #expect(late.virtualTime == 10)
            #expect(late.baseVersion == 9)
        }
    }

    @Test func droppedUpdatesAreLostButTakeTheirTime() throws {
        try withEngineThreadsLocked {
            let sync = try Self.simulation(
                .synchronous(rounds: 6, clientFraction: 1, strategy: .fedAvg), availability: Availability(dropout: 0.5), speeds: .fixed(samplesPerSecond: 10))
            let (reports, events) = Self.runToEnd(sync)
            let lost = events.filter { $0.kind == .lost }
            #expect(!lost.isEmpty && lost.count < 24)
            // Every round still lasts as long as its slowest participant: 45 samples at 10/s.
            #expect(reports.map(\.virtualTime) == [4.5, 9, 13.5, 18, 22.5, 27])
            // What was folded in is exactly what arrived.
            for report in reports {
                let arrived = events.filter { $0.kind == .arrived && $0.baseVersion == report.step - 1 }.compactMap(\.hospital)
                #expect(report.contributors == arrived.sorted())
            }
            // Same seed, same losses.
            let again = try Self.simulation(
                .synchronous(rounds: 6, clientFraction: 1, strategy: .fedAvg), availability: Availability(dropout: 0.5), speeds: .fixed(samplesPerSecond: 10))
            #expect(Self.runToEnd(again).1 == events)
        }
    }

    @Test func foldedUpdatesRebuildTheFedAvgStep() throws {
        // The history store's view: w_next = w + Σ weightᵢ·Δᵢ for FedAvg.
        try withEngineThreadsLocked {
            let sync = try Self.simulation(.synchronous(rounds: 1, clientFraction: 1, strategy: .fedAvg))
            let before = sync.global
            var updates: [FoldedUpdate] = []
            sync.onUpdate = { updates.append($0) }
            _ = sync.advance()
            #expect(updates.map(\.update.hospital) == [0, 1, 2, 3])
            #expect(updates.map(\.update.samples) == [20, 25, 30, 45])
            #expect(abs(updates.map(\.weight).reduce(0, +) - 1) < 1e-12)
            var rebuilt = before.map(Double.init)
            for u in updates { for i in rebuilt.indices { rebuilt[i] += u.weight * Double(u.update.delta[i]) } }
            #expect(maxAbsDifference(rebuilt.map(Float.init), sync.global) < 1e-5)
        }
    }
}

/// Passes every message through JSON, as a network transport would, and keeps them.
final class JSONRelay: HospitalTransport {
    let inner: InProcessTransport
    var requests: [TrainingRequest] = []

    init(_ inner: InProcessTransport) { self.inner = inner }

    func exchange(_ requests: [TrainingRequest]) -> [LocalModel] {
        let sent = requests.map { try! JSONDecoder().decode(Message.self, from: JSONEncoder().encode(Message.trainingRequest($0))) }
            .map { message -> TrainingRequest in
                guard case .trainingRequest(let request) = message else { fatalError("not a request") }
                return request
            }
        self.requests += sent
        return inner.exchange(sent).map { answer in
            guard case .localModel(let model) = try! JSONDecoder().decode(Message.self, from: JSONEncoder().encode(Message.localModel(answer))) else {
                fatalError("not a model")
            }
            return model
        }
    }
}

extension SimulationTests {
    @Test func aTransportCarriesEveryExchangeAsPlainMessages() throws {
        try withEngineThreadsLocked {
            let protocolKind = Self.protocols[1]
            let direct = try Self.simulation(protocolKind)
            _ = Self.runToEnd(direct)
            let (samples, hospitals) = Self.data()
            let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
            let settings = SimulationSettings(local: Self.local, protocolKind: protocolKind, speeds: .logNormal(median: 20, sigma: 0.8), network: Self.noNetwork)
            let relay = JSONRelay(InProcessTransport(pool: HostPool(model: model, threads: 1), samples: samples, hospitals: hospitals, options: Self.local, proximalMu: 0))
            let relayed = FederationSimulation(model: model, samples: samples, hospitals: hospitals, settings: settings, transport: relay)
            _ = Self.runToEnd(relayed)
            // JSON carries Float32 exactly, so the run is the same bit for bit.
            #expect(relayed.global == direct.global)
            // Every request names a version the server had made when the hospital started.
            #expect(!relay.requests.isEmpty && relay.requests.allSatisfy { $0.model.version <= protocolKind.steps })
            #expect(Set(relay.requests.map(\.hospital)) == [0, 1, 2, 3])
        }
    }
}

extension FederationProtocol: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .synchronous(_, _, let strategy): "synchronous \(strategy)"
        case .asynchronous(_, let strategy): "asynchronous \(strategy)"
        }
    }
}
