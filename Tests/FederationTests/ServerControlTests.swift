import NeuralEngine
import Seeding
import Testing
import TestSupport
import Training

@testable import Federation

/// What an unlearning method does to a running federation: exclude a hospital, calibrate server steps,
/// stop at a virtual time, stall, edit the global model, run past the original budget.
@Suite struct ServerControlTests {
    static let fedBuff = FederationProtocol.asynchronous(
        versions: 6, strategy: .fedBuff(bufferSize: 2, serverLearningRate: 1, staleness: .inverseSquareRoot))

    @Test func anExcludedHospitalIsNeverDrawnNorHeard() throws {
        try withEngineThreadsLocked {
            let sync = try SimulationTests.simulation(.synchronous(rounds: 3, clientFraction: 1, strategy: .fedAvg))
            sync.excluded = [2]
            var rounds: [[Int]] = []
            sync.onEvent = { if $0.kind == .round { rounds.append($0.participants!) } }
            while sync.advance() != nil {}
            #expect(rounds == [[0, 1, 3], [0, 1, 3], [0, 1, 3]])

            // Asynchronous, at 10 samples/s: jobs of 2, 2.5, 3 and 4.5 s. Versions at 2.5 s (hospitals 0,
            // 1) and 4 s (2, 0); hospital 3 is excluded then, so its update started at 0 s and arriving
            // at 4.5 s is refused, and it starts nothing more.
            let async = try SimulationTests.simulation(Self.fedBuff, speeds: .fixed(samplesPerSecond: 10))
            var events: [SimulationEvent] = []
            async.onEvent = { events.append($0) }
            _ = async.advance()
            _ = async.advance()
            let excludedAt = events.count
            async.excluded = [3]
            while async.advance() != nil {}
            let after = events[excludedAt...]
            #expect(!after.contains { $0.hospital == 3 && ($0.kind == .dispatched || $0.kind == .arrived) })
            #expect(async.virtualTime > 4.5 && events[excludedAt - 1].virtualTime == 4)
            #expect(after.filter { $0.kind == .refused }.map(\.hospital) == [3])
            #expect(after.first { $0.kind == .refused }?.virtualTime == 4.5)
            #expect(async.step == 6)
        }
    }

    @Test func excludingAHospitalDropsItsBufferedUpdate() throws {
        try withEngineThreadsLocked {
            // At 10 samples/s: versions at 2.5 s (hospitals 0, 1) and 4 s (2, 0); hospital 3's update
            // arrives at 4.5 s and waits in the buffer. Excluding it then must drop it.
            let async = try SimulationTests.simulation(Self.fedBuff, speeds: .fixed(samplesPerSecond: 10))
            let made = async.advance(until: 4.6)
            #expect(made.map(\.contributors) == [[0, 1], [2, 0]])
            async.excluded = [3]
            let next = try #require(async.advance())
            #expect(!next.contributors.contains(3))
            // Without the exclusion the buffered update is the next version's first.
            let kept = try SimulationTests.simulation(Self.fedBuff, speeds: .fixed(samplesPerSecond: 10))
            kept.advance(until: 4.6)
            #expect(kept.advance()?.contributors.first == 3)
        }
    }

    @Test func eachStepIsSeenWithItsOwnModel() throws {
        try withEngineThreadsLocked {
            let reference = try SimulationTests.simulation(Self.fedBuff)
            var models: [[Float]] = []
            while reference.advance() != nil { models.append(reference.global) }
            let watched = try SimulationTests.simulation(Self.fedBuff)
            var seen: [[Float]] = []
            watched.advance(until: .infinity) { _ in seen.append(watched.global) }
            #expect(seen == models)
        }
    }

    @Test func aLateStartKeepsAvailabilityAbsolute() throws {
        try withEngineThreadsLocked {
            // Started at 100 s: hospital 0 left at 50 s and never takes part; hospital 3 joined at 50 s and does.
            let (samples, hospitals) = SimulationTests.data()
            let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
            let late = FederationSimulation(
                model: model, samples: samples, hospitals: hospitals,
                settings: SimulationSettings(
                    local: SimulationTests.local, protocolKind: .synchronous(rounds: 1, clientFraction: 1, strategy: .fedAvg),
                    speeds: .fixed(samplesPerSecond: 10), network: SimulationTests.noNetwork, availability: Availability(joins: [3: 50], leaves: [0: 50])),
                startTime: 100)
            let round = try #require(late.advance())
            #expect(round.contributors == [1, 2, 3] && round.virtualTime == 104.5)
        }
    }

    @Test func stoppingAtATimeChangesNothing() throws {
        try withEngineThreadsLocked {
            let whole = try SimulationTests.simulation(Self.fedBuff)
            let (reports, events) = SimulationTests.runToEnd(whole)
            let split = try SimulationTests.simulation(Self.fedBuff)
            var splitEvents: [SimulationEvent] = []
            split.onEvent = { splitEvents.append($0) }
            let middle = reports[2].virtualTime + 0.01
            let first = split.advance(until: middle)
            // Exactly the versions made by then, and the clock stands at the requested time.
            #expect(first.map(\.step) == [1, 2, 3] && split.virtualTime == middle)
            #expect(splitEvents.allSatisfy { $0.virtualTime <= middle })
            var rest: [StepReport] = []
            while let report = split.advance() { rest.append(report) }
            #expect(SimulationTests.results(first + rest) == SimulationTests.results(reports))
            #expect(splitEvents == events && split.global == whole.global)
        }
    }

    @Test func calibrationSeesEveryServerStep() throws {
        try withEngineThreadsLocked {
            for protocolKind in [FederationProtocol.synchronous(rounds: 3, clientFraction: 1, strategy: .fedAvg), Self.fedBuff] {
                // A calibration that removes every step freezes the model; one that keeps it changes
                // nothing beyond rounding.
                let frozen = try SimulationTests.simulation(protocolKind)
                let start = frozen.global
                var calls = 0
                frozen.calibrateStep = { step in
                    calls += 1
                    for i in step.indices { step[i] = 0 }
                }
                while frozen.advance() != nil {}
                #expect(calls == protocolKind.steps && frozen.global == start)

                let plain = try SimulationTests.simulation(protocolKind)
                _ = SimulationTests.runToEnd(plain)
                let identity = try SimulationTests.simulation(protocolKind)
                identity.calibrateStep = { _ in }
                _ = SimulationTests.runToEnd(identity)
                #expect(maxAbsDifference(plain.global, identity.global) < 1e-5)
            }
        }
    }

    @Test func aStallMovesTheSynchronousClockAndTheBudgetCanGrow() throws {
        try withEngineThreadsLocked {
            let sync = try SimulationTests.simulation(.synchronous(rounds: 2, clientFraction: 1, strategy: .fedAvg), speeds: .fixed(samplesPerSecond: 10))
            while sync.advance() != nil {}
            #expect(sync.isFinished && sync.virtualTime == 9)  // two rounds of 45 samples at 10/s
            sync.stall(30)
            sync.updateGlobal { $0[0] += 1 }
            sync.stepLimit = 3
            #expect(!sync.isFinished)
            let third = try #require(sync.advance())
            #expect(third.step == 3 && third.virtualTime == 9 + 30 + 4.5)
            // The state survives a checkpoint: limit, exclusions, time.
            sync.excluded = [1]
            sync.stepLimit = 4
            let restored = try SimulationTests.simulation(.synchronous(rounds: 2, clientFraction: 1, strategy: .fedAvg), speeds: .fixed(samplesPerSecond: 10))
            try restored.restore(sync.checkpoint())
            #expect(restored.stepLimit == 4 && restored.excluded == [1] && restored.virtualTime == sync.virtualTime)
            #expect(restored.advance()?.contributors == [0, 2, 3])
        }
    }

    /// Records every training request on its way to the hospitals in this process.
    final class RecordingTransport: HospitalTransport {
        let inner: any HospitalTransport
        var requests: [TrainingRequest] = []
        init(_ inner: any HospitalTransport) { self.inner = inner }
        func exchange(_ requests: [TrainingRequest]) -> [LocalModel] {
            self.requests += requests
            return inner.exchange(requests)
        }
    }

    /// Answers hospital `poisoned`'s jobs with NaN weights, as a diverged local training would.
    final class PoisoningTransport: HospitalTransport {
        let inner: any HospitalTransport
        let poisoned: Int
        init(_ inner: any HospitalTransport, poisoned: Int) {
            self.inner = inner
            self.poisoned = poisoned
        }
        func exchange(_ requests: [TrainingRequest]) -> [LocalModel] {
            inner.exchange(requests).map { answer in
                var answer = answer
                if answer.hospital == poisoned { answer.weights[0] = .nan }
                return answer
            }
        }
    }

    /// A diverged job's update is refused in both protocols: the global model stays finite, the event log
    /// says `refused`, and the others' updates are aggregated as usual.
    @Test(arguments: [false, true])
    func aNonFiniteUpdateIsRefusedNeverAveragedIn(asynchronous: Bool) throws {
        try withEngineThreadsLocked {
            let (samples, hospitals) = SimulationTests.data()
            let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
            let protocolKind = asynchronous ? Self.fedBuff : .synchronous(rounds: 2, clientFraction: 1, strategy: .fedAvg)
            let settings = SimulationSettings(
                local: SimulationTests.local, protocolKind: protocolKind, speeds: .fixed(samplesPerSecond: 10), network: SimulationTests.noNetwork,
                availability: .always, hostThreads: 1)
            let pool = HostPool(model: model, threads: 1)
            let poisoning = PoisoningTransport(InProcessTransport(pool: pool, samples: samples, hospitals: hospitals, options: settings.local, proximalMu: 0), poisoned: 1)
            let simulation = FederationSimulation(model: model, samples: samples, hospitals: hospitals, settings: settings, transport: poisoning)
            var events: [SimulationEvent] = []
            simulation.onEvent = { events.append($0) }
            let start = simulation.global
            var reports: [StepReport] = []
            while let report = simulation.advance() { reports.append(report) }
            #expect(!reports.isEmpty && simulation.global.allSatisfy(\.isFinite) && simulation.global != start)
            #expect(events.contains { $0.kind == .refused && $0.hospital == 1 })
            #expect(!events.contains { $0.kind == .arrived && $0.hospital == 1 })
            #expect(reports.allSatisfy { !$0.contributors.contains(1) } && reports.contains { $0.contributors.contains(0) })
        }
    }

    @Test func aJobDispatchedAfterAnAsynchronousMergeStartsFromTheMergedModel() throws {
        try withEngineThreadsLocked {
            // At 10 samples/s, jobs of 2, 2.5, 3 and 4.5 s. Version 1 at 2.5 s (hospitals 0, 1); hospital 1
            // starts again at 2.5 s from version 1. The merge at 2.6 s changes the model while that job is
            // in flight; hospital 2 answers at 3 s and starts again: it must be sent the merged model, not
            // version 1's (the base hospital 1 holds).
            let (samples, hospitals) = SimulationTests.data()
            let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 3)
            let settings = SimulationSettings(
                local: SimulationTests.local, protocolKind: Self.fedBuff, speeds: .fixed(samplesPerSecond: 10), network: SimulationTests.noNetwork,
                availability: .always, hostThreads: 1)
            let pool = HostPool(model: model, threads: 1)
            let recording = RecordingTransport(InProcessTransport(pool: pool, samples: samples, hospitals: hospitals, options: settings.local, proximalMu: 0))
            let async = FederationSimulation(model: model, samples: samples, hospitals: hospitals, settings: settings, transport: recording)
            var events: [SimulationEvent] = []
            async.onEvent = { events.append($0) }
            #expect(async.advance(until: 2.6).map(\.contributors) == [[0, 1]])
            let limit = async.stepLimit
            async.updateGlobal { w in for i in w.indices { w[i] *= 0.5 } }
            let merged = async.global
            // The merge is a version of its own, and the budget of aggregations moves with it.
            #expect(async.step == 2 && async.stepLimit == limit + 1)
            #expect(events.last?.kind == .updated && events.last?.version == 2)
            async.advance(until: 3.1)
            let dispatch = try #require(events.first { $0.kind == .dispatched && $0.hospital == 2 && $0.virtualTime == 3 })
            #expect(dispatch.baseVersion == 2)
            while async.advance() != nil {}
            // Hospital 2's second job (job 1) was trained from the merged weights.
            let second = try #require(recording.requests.first { $0.hospital == 2 && $0.job == 1 })
            #expect(second.model.weights == merged && second.model.version == 2)
            // Hospital 1's job from 2.5 s kept its own base, version 1, and counts the merge in its staleness.
            let firstJob = try #require(recording.requests.first { $0.hospital == 1 && $0.job == 1 })
            #expect(firstJob.model.version == 1 && firstJob.model.weights != merged)
            let arrival = try #require(events.first { $0.kind == .arrived && $0.hospital == 1 && $0.baseVersion == 1 })
            #expect(arrival.staleness == arrival.version! - 1)
        }
    }

    @Test func aMergeBeforeAnyDispatchIsNotAVersion() throws {
        try withEngineThreadsLocked {
            let async = try SimulationTests.simulation(Self.fedBuff, speeds: .fixed(samplesPerSecond: 10))
            async.updateGlobal { $0[0] += 1 }
            #expect(async.step == 0 && async.stepLimit == Self.fedBuff.steps)
        }
    }
}
