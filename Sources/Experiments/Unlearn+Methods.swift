import Federation
import NeuralEngine
import Seeding
import Training
import Unlearning

/// The methods: each starts from the federation at the request and returns its result and model.
extension UnlearningSession {
    /// Counts work, transfers and idle time from a simulation's events, and logs them into `log`.
    final class Recorder {
        var sampleEpochs = 0.0
        var transfers = 0
        /// Client-seconds the remaining hospitals spent idle in synchronous rounds: a participant from its
        /// arrival to the aggregation, a hospital left out of the round for all of it.
        var barrierWait = 0.0
        var log: [UInt8] = []
        private var arrivals: [Double] = []
        private var roundStart = 0.0
        private var participants = 0
        private var dispatched: [Int: Double] = [:]

        /// `remaining`: the hospitals still in the federation (all but the target).
        func attach(_ simulation: FederationSimulation, localEpochs: Int, remaining: Int) {
            let synchronous = simulation.settings.protocolKind.isSynchronous
            let epochs = Double(max(1, localEpochs))
            simulation.onEvent = { [unowned self] event in
                switch event.kind {
                case .round:
                    roundStart = event.virtualTime
                    participants = event.participants?.count ?? 0
                case .dispatched:
                    let work = Double(event.samples ?? 0) * epochs
                    if let h = event.hospital { dispatched[h] = work }
                    sampleEpochs += work
                    transfers += 2
                case .arrived:
                    if synchronous { arrivals.append(event.virtualTime) }
                case .lost:
                    // A lost job is not trained, and only its download happened.
                    if let h = event.hospital { sampleEpochs -= dispatched[h] ?? 0 }
                    transfers -= 1
                    if synchronous { arrivals.append(event.virtualTime) }
                case .aggregated:
                    if synchronous {
                        barrierWait += arrivals.reduce(0) { $0 + (event.virtualTime - $1) }
                        barrierWait += Double(max(0, remaining - participants)) * (event.virtualTime - roundStart)
                        arrivals = []
                    }
                default: break
                }
                log += Array(FederatedRun.json(event).utf8) + [10]
            }
        }
    }

    var hospitalCount: Int { experiment.training.count }

    /// Virtual seconds the target needs to receive a model, work through `sampleEpochs` and answer.
    func targetSeconds(sampleEpochs: Double, simulation: FederationSimulation) -> Double {
        let network = experiment.settings.network
        return network.transfer(modelBytes, upload: false) + sampleEpochs / simulation.speeds[config.target] + network.transfer(modelBytes, upload: true)
    }

    /// The target's last local model, as Halimi's reference model needs it: one local job from w₀ (what
    /// it would send now), through the federation's transport.
    func targetLocalModel(_ simulation: FederationSimulation) -> [Float] {
        simulation.transport.exchange([TrainingRequest(hospital: config.target, job: 1 << 40, model: GlobalModel(version: requestStep, weights: anchor))])[0].weights
    }

    /// One third of the mean distance from `reference` to 10 random initialisations (Halimi et al.'s
    /// radius), times `scale`.
    func halimiRadius(reference: [Float], scale: Double) -> Double {
        let model = experiment.makeModel()
        let randoms = (0..<10).map { (i: Int) -> [Float] in
            model.initialize(seed: config.seed &+ 0xAD1 &+ UInt64(i))
            return model.parameters.values
        }
        return UnlearningMath.halimiRadius(reference: reference, randomModels: randoms) * scale
    }

    /// The target's erasure: from w₀ (AFU-IC: Δ = w_erased − w₀ is the erasure alone), or with PGA from
    /// the reference model when `fromReference` (Halimi et al.'s code starts there).
    func erase(_ method: UnlearningConfig.Method, pga: Bool, fromReference: Bool = false, simulation: FederationSimulation, notes: inout [String])
        -> (erasure: LocalEraser.Erasure, sampleEpochs: Double)
    {
        let local = experiment.settings.local
        // Defaults: Halimi's for PGA (lr 0.01, at most 5 epochs); for the bounded loss a gentler lr 0.001
        // over 3 epochs, which on the built-in derm task erased a backdoor without collapsing the model
        // (lr 0.01 collapsed it to one class; see docs/unlearning.md).
        let options = LocalEraser.Options(
            learningRate: Float(method.learningRate ?? (pga ? 0.01 : 0.001)), momentum: Float(method.momentum ?? 0.9), batchSize: local.batchSize,
            epochs: method.epochs ?? (pga ? 5 : 3), seed: config.seed &+ 0xE4A5E)
        let validationIndices = experiment.validation[config.target]
        let validation = validationIndices.isEmpty ? nil : LocalEraser.Validation(samples: experiment.samples, indices: validationIndices)
        var extra = 0.0
        let mode: LocalEraser.Mode
        var start = anchor
        if pga {
            let own = targetLocalModel(simulation)
            extra = Double(forget.count * max(1, local.epochs))
            let reference = UnlearningMath.referenceModel(global: anchor, target: own, hospitals: hospitalCount)
            let radius = method.radius ?? halimiRadius(reference: reference, scale: method.radiusScale ?? 1)
            var floor = method.accuracyFloor
            if floor != nil, validation == nil {
                notes.append("the target has no validation samples: the accuracy floor was not applied")
                floor = nil
            }
            mode = .projectedAscent(reference: reference, radius: radius, distanceThreshold: method.distanceThreshold, accuracyFloor: floor)
            if fromReference { start = reference }
            notes.append("PGA radius \(String(format: "%.4g", radius)) around the reference model")
        } else {
            mode = .boundedLoss
        }
        let erasure = LocalEraser.erase(
            experiment.makeModel(), samples: experiment.samples, indices: forget, start: start, mode: mode, options: options, validation: validation)
        if erasure.report.collapsed {
            notes.append("the target's erased model (before any merge or post-training) puts \(Int((erasure.report.dominantClassShare * 100).rounded())) % of its validation samples in one class: collapsed")
        }
        let processed = Double(min(erasure.report.steps * options.batchSize, max(1, erasure.report.epochs) * forget.count))
        return (erasure, processed + extra)
    }

    // MARK: retrain

    func retrain(_ method: UnlearningConfig.Method) -> (MethodResult, [Float], [UInt8]) {
        let pretraining = experiment.settings.protocolKind
        let synchronous = (method.variant ?? (pretraining.isSynchronous ? "synchronous" : "asynchronous")) == "synchronous"
        let remaining = hospitalCount - 1
        // The same amount of local work as the original training up to the request.
        let jobs: Int
        switch pretraining {
        case .synchronous(_, let fraction, _): jobs = requestStep * max(1, Int((fraction * Double(hospitalCount)).rounded()))
        case .asynchronous(_, .fedBuff(let size, _, _)): jobs = requestStep * size
        case .asynchronous(_, .fedAsync): jobs = requestStep
        }
        let protocolKind: FederationProtocol
        switch (synchronous, pretraining) {
        case (true, .synchronous(_, let fraction, let strategy)): protocolKind = .synchronous(rounds: max(1, requestStep), clientFraction: fraction, strategy: strategy)
        case (true, .asynchronous): protocolKind = .synchronous(rounds: max(1, (jobs + remaining - 1) / remaining), clientFraction: 1, strategy: .fedAvg)
        case (false, .asynchronous(_, let strategy)): protocolKind = .asynchronous(versions: max(1, requestStep), strategy: strategy)
        case (false, .synchronous):
            let strategy = fallbackAsynchronous
            let perVersion: Int
            if case .fedBuff(let size, _, _) = strategy { perVersion = size } else { perVersion = 1 }
            protocolKind = .asynchronous(versions: max(1, (jobs + perVersion - 1) / perVersion), strategy: strategy)
        }
        let budget = protocolKind.steps
        let simulation = makeSimulation(protocolKind, startTime: requestTime)
        simulation.stepLimit = budget
        simulation.excluded = [config.target]
        let recorder = Recorder()
        recorder.attach(simulation, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
        while simulation.advance() != nil {}
        let served = simulation.virtualTime
        let (work, transfers, stall) = (recorder.sampleEpochs, recorder.transfers, recorder.barrierWait)
        var timeline = [point(simulation.global, simulation: simulation, time: served, step: 0)]
        runPhase(simulation, steps: config.continuation, from: 0, timeline: &timeline)
        let result = MethodResult(
            label: "", method: "retrain", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: stall,
            clientSampleEpochs: work, communicationBytes: transfers * modelBytes, serverStorageBytes: 0, erasure: nil, gamma: nil, calibratedSteps: nil,
            meanRemovedFraction: nil,
            notes: ["\(synchronous ? "synchronous" : "asynchronous") retraining from scratch without hospital \(config.target): \(budget) \(synchronous ? "rounds" : "versions")"])
        return (result, simulation.global, recorder.log)
    }

    // MARK: pga

    func pga(_ method: UnlearningConfig.Method) -> (MethodResult, [Float], [UInt8]) {
        let simulation = continuation(.synchronous(rounds: 0, clientFraction: 1, strategy: .fedAvg))
        simulation.excluded = [config.target]
        let recorder = Recorder()
        recorder.attach(simulation, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
        var notes: [String] = []
        let (erasure, work) = erase(method, pga: true, fromReference: true, simulation: simulation, notes: &notes)
        // Everybody waits for the target's erasure.
        let seconds = targetSeconds(sampleEpochs: work, simulation: simulation)
        simulation.stall(seconds)
        simulation.updateGlobal { $0 = erasure.weights }
        var timeline = [point(erasure.weights, simulation: simulation, time: simulation.virtualTime, step: 0)]
        runPhase(simulation, steps: method.postRounds ?? 1, from: 0, timeline: &timeline)
        let served = simulation.virtualTime
        let stall = Double(hospitalCount - 1) * seconds + recorder.barrierWait
        let (clientWork, transfers) = (recorder.sampleEpochs + work, recorder.transfers + 2)
        runPhase(simulation, steps: config.continuation, from: method.postRounds ?? 1, timeline: &timeline)
        let result = MethodResult(
            label: "", method: "pga", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: stall,
            clientSampleEpochs: clientWork, communicationBytes: transfers * modelBytes, serverStorageBytes: 0, erasure: erasure.report, gamma: nil,
            calibratedSteps: nil, meanRemovedFraction: nil, notes: notes)
        return (result, simulation.global, recorder.log)
    }
}

// MARK: federaser

extension UnlearningSession {
    /// FedEraser (Liu et al. 2021): the model is rebuilt from the initial one over the stored steps (the
    /// run's `history.every` is Δt). At each stored step the remaining hospitals that were folded in then
    /// train E_cal = r·E_local epochs from the rebuilt model; each fresh update gives the direction, the
    /// stored one the magnitude (per parameter tensor), and their sample-weighted mean moves the rebuilt
    /// model. Every reconstruction round is synchronous. Fractional epochs are one pass over a seeded
    /// share of each hospital's samples.
    func fedEraser(_ method: UnlearningConfig.Method) throws(RunError) -> (MethodResult, [Float], [UInt8]) {
        let simulation = continuation(.synchronous(rounds: 0, clientFraction: 1, strategy: .fedAvg))
        simulation.excluded = [config.target]
        let recorder = Recorder()
        recorder.attach(simulation, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
        let ratio = method.calibrationRatio ?? 0.5
        let local = experiment.settings.local
        let calibrationEpochs = ratio * Double(max(1, local.epochs))
        let passes = max(1, Int(calibrationEpochs.rounded(.up)))
        let share = calibrationEpochs / Double(passes)
        var options = local
        options.epochs = passes
        let interval = method.interval ?? 2
        let stored = (history?.entries ?? []).filter { $0.hospital != config.target && $0.step <= requestStep && $0.step % interval == 0 }
        let steps = Array(Set(stored.map(\.step))).sorted()
        guard !steps.isEmpty else {
            throw RunError(
                "federaser: the run kept no update of the remaining hospitals at a multiple of Δt = \(interval) before the request (step \(requestStep)); keep history every Δt rounds or set interval")
        }
        let blocks = UnlearningMath.blocks(of: experiment.makeModel().parameters.layout)
        let model = experiment.makeModel()
        model.initialize(seed: local.seed)
        var rebuilt = model.parameters.values
        let pool = HostPool(model: model, threads: experiment.settings.hostThreads)
        let network = experiment.settings.network
        var elapsed = 0.0, waits = 0.0, work = 0.0, transfers = 0
        var log: [UInt8] = []
        for (round, step) in steps.enumerated() {
            let entries = stored.filter { $0.step == step }
            // Each participant's seeded share of its samples for this round.
            var generator = SeededGenerator(seed: config.seed &+ 0xFEDE &+ UInt64(step))
            let subsets = experiment.training.map { indices -> [Int] in
                let count = max(1, Int((share * Double(indices.count)).rounded()))
                var order = indices
                for i in 0..<min(count, order.count) { order.swapAt(i, i + Int(generator.next() % UInt64(order.count - i))) }
                return Array(order.prefix(count))
            }
            let transport = InProcessTransport(pool: pool, samples: experiment.samples, hospitals: subsets, options: options, proximalMu: 0)
            let answers = transport.exchange(
                entries.map { TrainingRequest(hospital: $0.hospital, job: (1 << 41) + round, model: GlobalModel(version: round, weights: rebuilt)) })
            var calibrated: [[Float]] = []
            for (entry, answer) in zip(entries, answers) {
                let fresh = zip(answer.weights, rebuilt).map { $0 - $1 }
                calibrated.append(UnlearningMath.fedEraserUpdate(stored: try history!.delta(entry), fresh: fresh, blocks: blocks))
            }
            let step = UnlearningMath.weightedMean(updates: calibrated, weights: entries.map { Double(experiment.training[$0.hospital].count) })
            for i in rebuilt.indices { rebuilt[i] += step[i] }
            // The round lasts as long as its slowest participant; the others wait.
            let durations = entries.map {
                network.transfer(modelBytes, upload: false) + Double(subsets[$0.hospital].count * passes) / simulation.speeds[$0.hospital]
                    + network.transfer(modelBytes, upload: true)
            }
            let duration = durations.max() ?? 0
            // Participants wait for the slowest; the other remaining hospitals wait the whole round.
            waits += durations.reduce(0) { $0 + (duration - $1) } + Double(hospitalCount - 1 - Set(entries.map(\.hospital)).count) * duration
            work += entries.reduce(0) { $0 + Double(subsets[$1.hospital].count * passes) }
            transfers += 2 * entries.count
            elapsed += duration
            let event = SimulationEvent(kind: .aggregated, virtualTime: simulation.virtualTime + elapsed, version: round + 1, participants: entries.map(\.hospital))
            log += Array(FederatedRun.json(event).utf8) + [10]
        }
        simulation.stall(elapsed)
        simulation.updateGlobal { $0 = rebuilt }
        let served = simulation.virtualTime
        var timeline = [point(rebuilt, simulation: simulation, time: served, step: 0)]
        runPhase(simulation, steps: config.continuation, from: 0, timeline: &timeline)
        let storage = stored.reduce(0) { $0 + $1.bytes }
        let result = MethodResult(
            label: "", method: "federaser", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: waits,
            clientSampleEpochs: work, communicationBytes: transfers * modelBytes, serverStorageBytes: storage, erasure: nil, gamma: nil,
            calibratedSteps: nil, meanRemovedFraction: nil,
            notes: ["rebuilt over \(steps.count) stored steps (Δt = \(interval)) with E_cal = \(ratio) × E_local; \(stored.count) stored updates (\(storage / 1_048_576) MiB)"])
        return (result, simulation.global, log + recorder.log)
    }
}
