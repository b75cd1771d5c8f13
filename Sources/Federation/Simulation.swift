import NeuralEngine
import Seeding
import Training

/// How the server runs: rounds that wait for every participant, or versions made as updates arrive.
public enum FederationProtocol: Sendable, Equatable {
    case synchronous(rounds: Int, clientFraction: Double, strategy: ServerStrategy)
    case asynchronous(versions: Int, strategy: AsyncStrategy)

    public var isSynchronous: Bool {
        if case .synchronous = self { return true }
        return false
    }

    /// Rounds or versions the run makes.
    public var steps: Int {
        switch self {
        case .synchronous(let rounds, _, _): rounds
        case .asynchronous(let versions, _): versions
        }
    }
}

/// Everything a simulated federation needs besides its model and data.
public struct SimulationSettings: Sendable {
    /// Each hospital's local training; `epochs` local epochs per job.
    public var local: TrainingOptions
    public var proximalMu: Float
    public var speeds: SpeedProfile
    public var network: NetworkProfile
    public var availability: Availability
    public var protocolKind: FederationProtocol
    /// Host threads for local training and evaluation; results do not depend on it.
    public var hostThreads: Int

    public init(
        local: TrainingOptions, protocolKind: FederationProtocol, proximalMu: Float = 0, speeds: SpeedProfile = .fixed(samplesPerSecond: 500),
        network: NetworkProfile = NetworkProfile(), availability: Availability = .always, hostThreads: Int = 1
    ) {
        self.local = local
        self.protocolKind = protocolKind
        self.proximalMu = proximalMu
        self.speeds = speeds
        self.network = network
        self.availability = availability
        self.hostThreads = hostThreads
    }
}

/// Something that happened in virtual time; the run folder's event log holds these (with host time).
public struct SimulationEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A synchronous round began with `participants`.
        case round
        /// A hospital received the model at `baseVersion` and began local training.
        case dispatched
        /// A hospital's update reached the server (`staleness` versions after its base).
        case arrived
        /// A hospital's update was lost (drop-out); the server learns of it at this time.
        case lost
        /// The server made `version`.
        case aggregated
        /// Nobody was available; the clock moved to the next join.
        case idle
        /// A hospital's update reached the server and was discarded: the hospital is excluded, or the update
        /// holds a NaN or an infinite weight (a diverged job).
        case refused
        /// The federation waited (a synchronous erasure or reconstruction held everybody).
        case stalled
        /// The server's model was changed outside the strategy (an erasure merged), as `version`.
        case updated
    }

    public var kind: Kind
    public var virtualTime: Double
    public var hospital: Int?
    public var version: Int?
    public var baseVersion: Int?
    public var staleness: Int?
    public var samples: Int?
    public var participants: [Int]?

    public init(
        kind: Kind, virtualTime: Double, hospital: Int? = nil, version: Int? = nil, baseVersion: Int? = nil, staleness: Int? = nil,
        samples: Int? = nil, participants: [Int]? = nil
    ) {
        self.kind = kind
        self.virtualTime = virtualTime
        self.hospital = hospital
        self.version = version
        self.baseVersion = baseVersion
        self.staleness = staleness
        self.samples = samples
        self.participants = participants
    }
}

/// One round (synchronous) or server version (asynchronous).
public struct StepReport: Sendable, Codable, Equatable {
    /// The round or version just completed (from 1).
    public var step: Int
    public var virtualTime: Double
    /// Host seconds the step took (not part of a run's results: it depends on the machine).
    public var hostSeconds: Double
    /// Mean local training loss of the updates folded in, weighted by samples seen (nil when none).
    public var trainLoss: Double?
    /// Hospitals whose updates were folded in, in the order they were.
    public var contributors: [Int]
}

/// A client update as the server folded it in, for the history store.
public struct FoldedUpdate: Sendable {
    public var update: ClientUpdate
    /// The round or version it was folded into, the server's version when it arrived, and the weight
    /// the server gave it (FedAvg's sample share, FedAsync's α·s(τ), FedBuff's η·s(τ)/K).
    public var step: Int
    public var staleness: Int
    public var weight: Double
    /// Its place among the updates folded into the same step (a hospital may have two in one FedBuff
    /// buffer).
    public var position: Int
}

/// A federation on the virtual clock, advanced one round or server version at a time, that can be saved
/// to a checkpoint and restored from one at any step boundary, continuing bit for bit.
///
/// Synchronous: each round samples participants among the available hospitals, trains them from the
/// global model (in parallel on the host), and aggregates with the server strategy once the slowest has
/// answered (download + samples/speed + upload). Asynchronous: every hospital works continuously from
/// whatever model is current when it starts; the server folds each update in as it arrives (FedAsync) or
/// every K arrivals (FedBuff). Local training of updates in flight is computed lazily, all pending ones
/// together on the host's threads, when the first of them is needed.
public final class FederationSimulation {
    public let settings: SimulationSettings
    public let hospitals: [[Int]]
    public let speeds: [Double]
    let samples: any SampleSource
    let model: Sequential
    let pool: HostPool
    /// Where training requests go: hospitals in this process unless another transport is given.
    public let transport: any HospitalTransport
    let modelBytes: Int

    /// The server's model.
    public internal(set) var global: [Float]
    /// Completed rounds or versions.
    public internal(set) var step = 0
    public internal(set) var virtualTime = 0.0
    /// True when nobody can take part any more.
    var exhausted = false
    /// The run stops after this many rounds or versions (the protocol's count unless changed, e.g. to
    /// continue training after an unlearning request).
    public var stepLimit: Int
    /// True when the run made `stepLimit` steps or nobody can take part any more.
    public var isFinished: Bool { exhausted || step >= stepLimit }
    /// Hospitals whose updates the server no longer takes: they are not drawn, start no new job, an
    /// update of theirs that arrives is discarded, and one already waiting in FedBuff's buffer is dropped.
    public var excluded: Set<Int> = [] {
        didSet { buffer.removeAll { excluded.contains($0.hospital) } }
    }
    /// Applied to every aggregated server step δ = w_new − w before it is applied (w ← w + δ′), e.g.
    /// invariance calibration after an erasure; nil leaves the strategy's result untouched.
    public var calibrateStep: ((inout [Float]) -> Void)?

    /// Called with every event, in virtual-time order.
    public var onEvent: (SimulationEvent) -> Void = { _ in }
    /// Called with every update the server folds in, when set (the history store).
    public var onUpdate: ((FoldedUpdate) -> Void)?

    var sampler: SeededGenerator
    var dropouts: SeededGenerator
    var aggregator: ServerAggregator
    var clock = VirtualClock<AsyncEvent>()
    var bases: [Int: (weights: [Float], users: Int)] = [:]
    var buffer: [Buffered] = []
    var jobs: [Int]
    var trained: [Int: LocalModel] = [:]

    enum AsyncEvent: Sendable, Codable, Equatable {
        case start(hospital: Int)
        case arrive(hospital: Int, baseVersion: Int, job: Int, lost: Bool)
    }

    struct Buffered: Sendable, Codable {
        var hospital: Int
        var baseVersion: Int
        var staleness: Int
        var weight: Double
        var samples: Int
        var lossSum: Double
        var seen: Int
        var delta: [Float] = []

        enum CodingKeys: String, CodingKey { case hospital, baseVersion, staleness, weight, samples, lossSum, seen }
    }

    /// A simulation of `model` (initialised from `settings.local.seed`) over `hospitals`' training samples,
    /// training them in this process unless `transport` carries the requests elsewhere. Its clock starts at
    /// `startTime` (a federation started after others, e.g. a retraining after an unlearning request), so
    /// availability times stay absolute.
    public init(
        model: Sequential, samples: any SampleSource, hospitals: [[Int]], settings: SimulationSettings, transport: (any HospitalTransport)? = nil,
        startTime: Double = 0
    ) {
        self.model = model
        self.samples = samples
        self.hospitals = hospitals
        self.settings = settings
        model.initialize(seed: settings.local.seed)
        global = model.parameters.values
        modelBytes = model.parameters.values.count * 4
        var speedGenerator = SeededGenerator(seed: settings.local.seed &+ 0x5BEED)
        speeds = settings.speeds.speeds(hospitals: hospitals.count, generator: &speedGenerator)
        sampler = SeededGenerator(seed: settings.local.seed &+ 0xF00D)
        dropouts = SeededGenerator(seed: settings.local.seed &+ 0xD209)
        jobs = [Int](repeating: 0, count: hospitals.count)
        stepLimit = settings.protocolKind.steps
        precondition(startTime >= 0 && startTime.isFinite, "a simulation starts at a finite, non-negative time")
        virtualTime = startTime
        clock = VirtualClock(.init(now: startTime, sequence: 0, entries: []))
        pool = HostPool(model: model, threads: settings.hostThreads)
        self.transport = transport
            ?? InProcessTransport(pool: pool, samples: samples, hospitals: hospitals, options: settings.local, proximalMu: settings.proximalMu)
        switch settings.protocolKind {
        case .synchronous(_, _, let strategy):
            aggregator = ServerAggregator(strategy)
        case .asynchronous:
            aggregator = ServerAggregator(.fedAvg)
            for h in hospitals.indices where !hospitals[h].isEmpty { clock.schedule(.start(hospital: h), after: 0) }
        }
    }

    /// Each hospital's local seed for its `job`-th job; job 0 of hospital 0 uses the seed centralised
    /// training uses, so one hospital holding all the data for one job of one epoch is exactly one epoch
    /// of `Trainer.train`.
    static func localSeed(_ seed: UInt64, job: Int, hospital: Int) -> UInt64 {
        seed &+ 0x5EED &+ UInt64(job) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(hospital) &* 0xBF58_476D_1CE4_E5B9
    }

    func transferTime(compute hospital: Int) -> Double {
        settings.network.transfer(modelBytes, upload: false)
            + Double(hospitals[hospital].count * max(1, settings.local.epochs)) / speeds[hospital]
            + settings.network.transfer(modelBytes, upload: true)
    }

    func drawLost() -> Bool {
        settings.availability.dropout > 0 && dropouts.nextUnit() < settings.availability.dropout
    }

    /// Makes the next round or version; nil once the run is finished.
    public func advance() -> StepReport? {
        guard !isFinished else { return nil }
        let clockStarted = ContinuousClock.now
        let report: StepReport?
        switch settings.protocolKind {
        case .synchronous(_, let fraction, _): report = synchronousRound(fraction: fraction)
        case .asynchronous(_, let strategy): report = asynchronousVersion(strategy, until: .infinity)
        }
        model.parameters.values = global
        guard var report else {
            exhausted = true
            return nil
        }
        report.hostSeconds = Self.seconds(since: clockStarted)
        return report
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Runs everything that happens up to virtual time `time` (within `stepLimit`) and returns the steps
    /// made; `onStep` sees each step as it is made, with `global` holding that step's model.
    /// Synchronous: the rounds that start before `time` (a round is never cut, so the clock may end past
    /// `time`). Asynchronous: every event at or before `time`; the clock then stands at `time` (unless
    /// the run is finished).
    @discardableResult
    public func advance(until time: Double, onStep: (StepReport) -> Void = { _ in }) -> [StepReport] {
        var reports: [StepReport] = []
        switch settings.protocolKind {
        case .synchronous:
            while !isFinished, virtualTime < time, let report = advance() {
                reports.append(report)
                onStep(report)
            }
        case .asynchronous(_, let strategy):
            while !isFinished {
                let clockStarted = ContinuousClock.now
                guard var report = asynchronousVersion(strategy, until: time) else { break }
                report.hostSeconds = Self.seconds(since: clockStarted)
                model.parameters.values = global
                reports.append(report)
                onStep(report)
            }
            if !exhausted, time.isFinite, virtualTime < time { virtualTime = time }
            model.parameters.values = global
        }
        return reports
    }

    /// Synchronous: everybody waits `seconds` (a synchronous erasure or reconstruction is under way).
    public func stall(_ seconds: Double) {
        precondition(settings.protocolKind.isSynchronous, "an asynchronous federation never waits")
        precondition(seconds >= 0 && seconds.isFinite, "a stall lasts a finite, non-negative time")
        // Logged when it begins; the next event shows when it ended.
        onEvent(SimulationEvent(kind: .stalled, virtualTime: virtualTime))
        virtualTime += seconds
    }

    /// Changes the server's model outside the strategy (an erasure merged, stored contributions
    /// subtracted); hospitals that start later receive the changed model.
    ///
    /// Asynchronous, with jobs in flight: the change is a server version of its own (METHODS §1.1: v
    /// counts every server model update), and `stepLimit` moves with it so a phase still makes as many
    /// aggregations. Without it, a hospital dispatched after the change and before the next aggregation
    /// would share the version of jobs already in flight and be sent their base, the model from before the
    /// change — an erased hospital's knowledge sent out again. Updates in flight count the extra version in
    /// their staleness. With nothing in flight (a federation not started yet) there is no older base to
    /// confuse, and synchronous rounds always start from `global`: the count is left alone.
    public func updateGlobal(_ body: (inout [Float]) -> Void) {
        body(&global)
        model.parameters.values = global
        if !settings.protocolKind.isSynchronous, !bases.isEmpty {
            step += 1
            if stepLimit < .max { stepLimit += 1 }
            onEvent(SimulationEvent(kind: .updated, virtualTime: virtualTime, version: step))
        }
    }

    /// Applies an aggregated server step through `calibrateStep`, when set.
    private func apply(newGlobal: [Float]) {
        guard let calibrateStep else {
            global = newGlobal
            return
        }
        var delta = zip(newGlobal, global).map { $0 - $1 }
        calibrateStep(&delta)
        for i in global.indices { global[i] += delta[i] }
    }

    /// The softmax probabilities (rows in sample order) and labels of each set of sample indices under
    /// the global model or other `weights`, computed on the host's threads.
    public func predict(_ weights: [Float]? = nil, sets: [[Int]], batchSize: Int) -> [(probabilities: [Float], labels: [Int])] {
        pool.predict(weights ?? global, sets: sets, samples: samples, batchSize: batchSize).map { ($0.probabilities, $0.labels) }
    }

    /// Evaluates the global model (or other `weights` of the same model) on each set of sample indices
    /// with the host's threads.
    public func evaluate(_ weights: [Float]? = nil, sets: [[Int]], classes: Int, batchSize: Int) -> [(metrics: ClassificationMetrics, loss: Double)] {
        pool.evaluate(weights ?? global, sets: sets, samples: samples, classes: classes, batchSize: batchSize)
    }

    // MARK: Synchronous

    private func synchronousRound(fraction: Double) -> StepReport? {
        let availability = settings.availability
        let excluded = self.excluded
        var eligible = hospitals.indices.filter { !hospitals[$0].isEmpty && !excluded.contains($0) && availability.isAvailable($0, at: virtualTime) }
        while eligible.isEmpty {
            // Wait for the next hospital to join, if any will.
            let joins = hospitals.indices.filter { !hospitals[$0].isEmpty && !excluded.contains($0) }
                .map { availability.joinTime($0) }.filter { $0 > virtualTime }
            guard let next = joins.min() else { return nil }
            virtualTime = next
            onEvent(SimulationEvent(kind: .idle, virtualTime: virtualTime))
            eligible = hospitals.indices.filter { !hospitals[$0].isEmpty && !excluded.contains($0) && availability.isAvailable($0, at: virtualTime) }
        }
        let participants = SynchronousFederation.sample(eligible, fraction: fraction, generator: &sampler)
        let round = step
        onEvent(SimulationEvent(kind: .round, virtualTime: virtualTime, version: step, participants: participants))
        let lost = participants.map { _ in drawLost() }
        let start = virtualTime
        let model = GlobalModel(version: step, weights: global)
        let requests = zip(participants, lost).filter { !$0.1 }.map { TrainingRequest(hospital: $0.0, job: round, model: model) }
        for h in participants {
            onEvent(SimulationEvent(kind: .dispatched, virtualTime: start, hospital: h, baseVersion: step, samples: hospitals[h].count))
        }
        // An update with a NaN or an infinite weight (a diverged job) is refused, never averaged in.
        var outcomes: [LocalModel] = [], corrupt: Set<Int> = []
        for answer in transport.exchange(requests) {
            if answer.weights.allSatisfy(\.isFinite) { outcomes.append(answer) } else { corrupt.insert(answer.hospital) }
        }
        // Arrivals in time order (ties by hospital), then the aggregation once the last is in.
        let arrivals = participants.indices.sorted { (start + transferTime(compute: participants[$0]), participants[$0]) < (start + transferTime(compute: participants[$1]), participants[$1]) }
        var duration = 0.0
        for i in arrivals {
            let h = participants[i]
            let time = start + transferTime(compute: h)
            duration = max(duration, time - start)
            let kind: SimulationEvent.Kind = lost[i] ? .lost : corrupt.contains(h) ? .refused : .arrived
            onEvent(SimulationEvent(kind: kind, virtualTime: time, hospital: h, version: step, baseVersion: step, staleness: 0))
        }
        virtualTime = start + duration
        let before = global
        var lossSum = 0.0, seen = 0
        if !outcomes.isEmpty {
            let counts = outcomes.map(\.samples)
            apply(newGlobal: aggregator.aggregate(global: global, clients: outcomes.map(\.weights), samples: counts))
            let total = Double(counts.reduce(0, +))
            for (position, outcome) in outcomes.enumerated() {
                lossSum += outcome.lossSum
                seen += outcome.seen
                if let onUpdate {
                    let delta = zip(outcome.weights, before).map { $0 - $1 }
                    let update = ClientUpdate(hospital: outcome.hospital, baseVersion: round, samples: outcome.samples, delta: delta)
                    onUpdate(FoldedUpdate(update: update, step: round + 1, staleness: 0, weight: Double(outcome.samples) / total, position: position))
                }
            }
        }
        step += 1
        let contributors = outcomes.map(\.hospital)
        onEvent(SimulationEvent(kind: .aggregated, virtualTime: virtualTime, version: step, participants: contributors))
        return StepReport(step: step, virtualTime: virtualTime, hostSeconds: 0, trainLoss: seen > 0 ? lossSum / Double(seen) : nil, contributors: contributors)
    }

    // MARK: Asynchronous

    private func retain(_ version: Int) {
        if bases[version] != nil { bases[version]!.users += 1 } else { bases[version] = (global, 1) }
    }

    private func release(_ version: Int) {
        bases[version]!.users -= 1
        if bases[version]!.users == 0 { bases[version] = nil }
    }

    /// Trains `current` (just taken off the clock) and every other update in flight that is not trained
    /// yet, together.
    private func trainPending(current: AsyncEvent) {
        var requests: [TrainingRequest] = []
        for event in [current] + clock.snapshot.entries.map(\.event) {
            guard case .arrive(let h, let baseVersion, let job, let lost) = event, !lost, trained[h] == nil, !excluded.contains(h) else { continue }
            requests.append(TrainingRequest(hospital: h, job: job, model: GlobalModel(version: baseVersion, weights: bases[baseVersion]!.weights)))
        }
        for answer in transport.exchange(requests) { trained[answer.hospital] = answer }
    }

    /// Handles events up to the next server version, or up to `limit` (virtual time) if that comes first.
    private func asynchronousVersion(_ strategy: AsyncStrategy, until limit: Double) -> StepReport? {
        var lossSum = 0.0, seen = 0
        var contributors: [Int] = []
        while let next = clock.nextTime, next <= limit, let (time, event) = clock.next() {
            virtualTime = time
            switch event {
            case .start(let h):
                let availability = settings.availability
                if time < availability.joinTime(h) {
                    clock.schedule(.start(hospital: h), after: availability.joinTime(h) - time)
                    continue
                }
                guard time < availability.leaveTime(h), !excluded.contains(h) else { continue }
                retain(step)
                let job = jobs[h]
                jobs[h] += 1
                onEvent(SimulationEvent(kind: .dispatched, virtualTime: time, hospital: h, baseVersion: step, samples: hospitals[h].count))
                clock.schedule(.arrive(hospital: h, baseVersion: step, job: job, lost: drawLost()), after: transferTime(compute: h))
            case .arrive(let h, let baseVersion, _, let lost):
                let tau = step - baseVersion
                if excluded.contains(h) {
                    onEvent(SimulationEvent(kind: .refused, virtualTime: time, hospital: h, version: step, baseVersion: baseVersion, staleness: tau))
                    trained[h] = nil
                    release(baseVersion)
                    continue
                }
                if lost {
                    onEvent(SimulationEvent(kind: .lost, virtualTime: time, hospital: h, version: step, baseVersion: baseVersion, staleness: tau))
                    release(baseVersion)
                    clock.schedule(.start(hospital: h), after: 0)
                    continue
                }
                if trained[h] == nil { trainPending(current: event) }
                let outcome = trained.removeValue(forKey: h)!
                let base = bases[baseVersion]!.weights
                release(baseVersion)
                // A diverged job's update (a NaN or an infinite weight) is refused; the hospital goes on.
                guard outcome.weights.allSatisfy(\.isFinite) else {
                    onEvent(SimulationEvent(kind: .refused, virtualTime: time, hospital: h, version: step, baseVersion: baseVersion, staleness: tau))
                    clock.schedule(.start(hospital: h), after: 0)
                    continue
                }
                onEvent(SimulationEvent(kind: .arrived, virtualTime: time, hospital: h, version: step, baseVersion: baseVersion, staleness: tau))
                clock.schedule(.start(hospital: h), after: 0)
                switch strategy {
                case .fedAsync(let alpha, let staleness):
                    let a = Float(alpha * staleness.weight(tau))
                    if let onUpdate {
                        let delta = zip(outcome.weights, base).map { $0 - $1 }
                        onUpdate(FoldedUpdate(update: ClientUpdate(hospital: h, baseVersion: baseVersion, samples: hospitals[h].count, delta: delta), step: step + 1, staleness: tau, weight: Double(a), position: 0))
                    }
                    var mixed = global
                    for i in mixed.indices { mixed[i] = (1 - a) * global[i] + a * outcome.weights[i] }
                    apply(newGlobal: mixed)
                    step += 1
                    onEvent(SimulationEvent(kind: .aggregated, virtualTime: time, version: step))
                    return StepReport(step: step, virtualTime: time, hostSeconds: 0, trainLoss: outcome.seen > 0 ? outcome.lossSum / Double(outcome.seen) : nil, contributors: [h])
                case .fedBuff(let size, let eta, let staleness):
                    buffer.append(
                        Buffered(
                            hospital: h, baseVersion: baseVersion, staleness: tau, weight: staleness.weight(tau), samples: hospitals[h].count,
                            lossSum: outcome.lossSum, seen: outcome.seen, delta: zip(outcome.weights, base).map { $0 - $1 }))
                    guard buffer.count >= size else { continue }
                    let scale = eta / Double(buffer.count)
                    var stepped = global
                    for i in stepped.indices {
                        var sum = 0.0
                        for entry in buffer { sum += entry.weight * Double(entry.delta[i]) }
                        stepped[i] += Float(scale * sum)
                    }
                    apply(newGlobal: stepped)
                    for (position, entry) in buffer.enumerated() {
                        lossSum += entry.lossSum
                        seen += entry.seen
                        contributors.append(entry.hospital)
                        onUpdate?(
                            FoldedUpdate(
                                update: ClientUpdate(hospital: entry.hospital, baseVersion: entry.baseVersion, samples: entry.samples, delta: entry.delta),
                                step: step + 1, staleness: entry.staleness, weight: scale * entry.weight, position: position))
                    }
                    buffer.removeAll()
                    step += 1
                    onEvent(SimulationEvent(kind: .aggregated, virtualTime: time, version: step, participants: contributors))
                    return StepReport(step: step, virtualTime: time, hostSeconds: 0, trainLoss: seen > 0 ? lossSum / Double(seen) : nil, contributors: contributors)
                }
            }
        }
        return nil
    }
}
