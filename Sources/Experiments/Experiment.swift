import Datasets
import Federation
import Foundation
import NeuralEngine
import Partitioning
import Training

/// A config checked against its store and plan, ready to run: every problem is found here, before any
/// training, and reported with the field it concerns.
public struct Experiment {
    /// The config with every default filled in and absolute paths.
    public let config: ExperimentConfig
    public let storePath: String
    public let planPath: String
    public let store: DatasetStore
    /// What hospitals train on: the store, or the store with one hospital's samples backdoored.
    public let samples: any SampleSource
    public let backdoor: ExperimentConfig.BackdoorConfig?
    /// The backdoor's trigger, for poisoning and for measuring its success.
    public let trigger: Backdoor.Trigger?
    public let plan: PartitionPlan
    public let settings: SimulationSettings
    /// Each hospital's labelled training, validation and test samples (store indices).
    public let training: [[Int]]
    public let validation: [[Int]]
    /// The plan's global test set.
    public let test: [Int]
    public let checkpointEvery: Int

    /// Checks `config`; relative store and plan paths are taken from `directory` (the config file's folder).
    public static func resolve(_ config: ExperimentConfig, directory: String, cores: Int) throws(ConfigError) -> Experiment {
        // Absolute, so the run folder's config.json names its inputs wherever it is read from.
        func path(_ value: String) -> String {
            if value.hasPrefix("/") { return value }
            let relative = directory.isEmpty ? value : directory + "/" + value
            if relative.hasPrefix("/") { return relative }
            var buffer = [CChar](repeating: 0, count: 4096)
            guard getcwd(&buffer, buffer.count) != nil else { return relative }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + relative
        }
        let storePath = path(config.store), planPath = path(config.plan)
        let store: DatasetStore
        do { store = try DatasetStore(path: storePath) } catch { throw ConfigError("store", error.description) }
        guard !store.metadata.multiLabel else { throw ConfigError("store", "\(storePath) is multi-label; federated training takes single-label stores") }
        let plan: PartitionPlan
        do { plan = try PartitionPlan.load(planPath) } catch { throw ConfigError("plan", error.description) }
        guard plan.store.fingerprint == store.metadata.fingerprint, plan.store.count == store.count else {
            throw ConfigError("plan", "\(planPath) was made for another store (\(plan.store.path), fingerprint \(plan.store.fingerprint.prefix(12))…), not \(storePath)")
        }
        // The model must fit the store's items.
        let model: Sequential
        do { model = try Trainer.model(for: store, name: config.model) } catch { throw ConfigError("model", error.description) }
        guard model.bufferLayout.entries.isEmpty else {
            throw ConfigError("model", "\(config.model) keeps batch statistics, which federated averaging does not combine; use a model with GroupNorm")
        }
        let labelled = { (indices: [Int]) in indices.filter { !store.labels($0).isEmpty } }
        let training = plan.hospitals.map { labelled($0.train) }
        for (h, samples) in training.enumerated() where samples.isEmpty {
            throw ConfigError("plan", "hospital \(h) (\(plan.hospitals[h].id)) has no labelled training samples")
        }
        var config = config
        config.store = storePath
        config.plan = planPath
        let asynchronous = config.strategy.isAsynchronous
        let protocolKind = try resolveProtocol(&config)
        if let threads = config.threads, threads < 1 { throw ConfigError("threads", "must be at least 1") }
        guard config.clientFraction > 0, config.clientFraction <= 1 else { throw ConfigError("clientFraction", "must lie in (0, 1]") }
        if asynchronous, config.clientFraction != 1 { throw ConfigError("clientFraction", "applies to synchronous strategies only") }
        let local = try resolveLocal(config.local, model: config.model, seed: config.seed)
        let speeds = try resolveSpeeds(config.speeds, hospitals: plan.hospitals.count)
        let network = try resolveNetwork(config.network)
        let availability = try resolveAvailability(config.availability, hospitals: plan.hospitals.count)
        guard config.evaluation.every >= 1 else { throw ConfigError("evaluation.every", "must be at least 1") }
        guard config.evaluation.batch >= 1 else { throw ConfigError("evaluation.batch", "must be at least 1") }
        let checkpointEvery = config.checkpoint.every ?? (asynchronous ? 10 : 1)
        guard checkpointEvery >= 1 else { throw ConfigError("checkpoint.every", "must be at least 1") }
        config.checkpoint.every = checkpointEvery
        guard config.history.every >= 0 else { throw ConfigError("history.every", "must be 0 (off) or more") }
        for h in config.history.hospitals ?? [] where !(0..<plan.hospitals.count).contains(h) {
            throw ConfigError("history.hospitals", "hospital \(h) is not in the plan (0–\(plan.hospitals.count - 1))")
        }
        var samples: any SampleSource = store
        var trigger: Backdoor.Trigger?
        if let backdoor = config.backdoor {
            guard (0..<plan.hospitals.count).contains(backdoor.hospital) else {
                throw ConfigError("backdoor.hospital", "hospital \(backdoor.hospital) is not in the plan (0–\(plan.hospitals.count - 1))")
            }
            guard backdoor.fraction > 0, backdoor.fraction <= 1 else { throw ConfigError("backdoor.fraction", "must lie in (0, 1]") }
            guard (0..<store.classes.count).contains(backdoor.targetClass) else {
                throw ConfigError("backdoor.targetClass", "the store has classes 0–\(store.classes.count - 1)")
            }
            if let value = backdoor.value, !value.isFinite { throw ConfigError("backdoor.value", "must be a finite number") }
            let chosen = Backdoor.Trigger.standard(for: store.itemShape, value: backdoor.value.map { .fixed(Float($0)) } ?? .sampleMaximum)
            trigger = chosen
            samples = BackdooredSamples(
                wrapping: store, candidates: training[backdoor.hospital], fraction: backdoor.fraction, targetClass: backdoor.targetClass,
                seed: config.seed &+ 0xBAD_D00D, trigger: chosen)
        }
        let threads = min(config.threads ?? cores, cores)
        let settings = SimulationSettings(
            local: local, protocolKind: protocolKind, proximalMu: Float(config.strategy.mu ?? 0), speeds: speeds, network: network,
            availability: availability, hostThreads: threads)
        return Experiment(
            config: config, storePath: storePath, planPath: planPath, store: store, samples: samples, backdoor: config.backdoor, trigger: trigger, plan: plan,
            settings: settings, training: training,
            validation: plan.hospitals.map { labelled($0.val) }, test: labelled(plan.globalTest), checkpointEvery: checkpointEvery)
    }

    /// A fresh model of the experiment (initialised by the simulation from the seed).
    public func makeModel() -> Sequential {
        try! Trainer.model(for: store, name: config.model)
    }

    static func positive(_ field: String, _ value: Double?) throws(ConfigError) -> Double {
        guard let value else { throw ConfigError(field, "required") }
        guard value > 0, value.isFinite else { throw ConfigError(field, "must be a positive number, not \(value)") }
        return value
    }

    /// The checks that need neither store nor plan (strategy and its parameters, local training, speed and
    /// network profiles), so a bench can refuse a config before it builds any data.
    static func checkWithoutData(_ config: ExperimentConfig) throws(ConfigError) {
        var copy = config
        _ = try resolveProtocol(&copy)
        _ = try resolveLocal(config.local, model: config.model, seed: config.seed)
        _ = try resolveSpeeds(config.speeds, hospitals: Int.max)
        _ = try resolveNetwork(config.network)
    }

    static func resolveProtocol(_ config: inout ExperimentConfig) throws(ConfigError) -> FederationProtocol {
        let strategy = config.strategy
        guard let allowed = ExperimentConfig.Strategy.parameters[strategy.name] else {
            throw ConfigError("strategy.name", "unknown strategy '\(strategy.name)' (known: \(ExperimentConfig.Strategy.names.joined(separator: ", ")))")
        }
        let given: [(String, Bool)] = [
            ("mu", strategy.mu != nil), ("serverLearningRate", strategy.serverLearningRate != nil), ("momentum", strategy.momentum != nil),
            ("beta1", strategy.beta1 != nil), ("beta2", strategy.beta2 != nil), ("tau", strategy.tau != nil), ("trim", strategy.trim != nil),
            ("alpha", strategy.alpha != nil), ("staleness", strategy.staleness != nil), ("bufferSize", strategy.bufferSize != nil),
        ]
        for (name, present) in given where present && !allowed.contains(name) {
            throw ConfigError("strategy.\(name)", "not a parameter of \(strategy.name) (it takes: \(allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")))")
        }
        if strategy.isAsynchronous {
            if config.rounds != nil { throw ConfigError("rounds", "\(strategy.name) is asynchronous: give `versions` (server versions), not rounds") }
            guard let versions = config.versions else { throw ConfigError("versions", "required for \(strategy.name) (server versions to make)") }
            guard versions >= 1 else { throw ConfigError("versions", "must be at least 1") }
            let staleness = try resolveStaleness(strategy.staleness, default: strategy.name == "fedbuff" ? .inverseSquareRoot : .polynomial(a: 0.5))
            if strategy.name == "fedasync" {
                let alpha = strategy.alpha ?? 0.6
                guard alpha > 0, alpha <= 1 else { throw ConfigError("strategy.alpha", "must lie in (0, 1]") }
                config.strategy.alpha = alpha
                return .asynchronous(versions: versions, strategy: .fedAsync(alpha: alpha, staleness: staleness))
            }
            let size = strategy.bufferSize ?? 10
            guard size >= 1 else { throw ConfigError("strategy.bufferSize", "must be at least 1") }
            let eta = try positive("strategy.serverLearningRate", strategy.serverLearningRate ?? 1)
            config.strategy.bufferSize = size
            config.strategy.serverLearningRate = eta
            return .asynchronous(versions: versions, strategy: .fedBuff(bufferSize: size, serverLearningRate: eta, staleness: staleness))
        }
        if config.versions != nil { throw ConfigError("versions", "\(strategy.name) is synchronous: give `rounds`, not versions") }
        guard let rounds = config.rounds else { throw ConfigError("rounds", "required for \(strategy.name)") }
        guard rounds >= 1 else { throw ConfigError("rounds", "must be at least 1") }
        let server: ServerStrategy
        switch strategy.name {
        case "fedavg": server = .fedAvg
        case "fedprox":
            let mu = strategy.mu ?? 0.01
            guard mu >= 0, mu.isFinite else { throw ConfigError("strategy.mu", "must not be negative") }
            config.strategy.mu = mu
            server = .fedAvg
        case "fedavgm":
            let eta = try positive("strategy.serverLearningRate", strategy.serverLearningRate ?? 1)
            let momentum = strategy.momentum ?? 0.9
            guard momentum >= 0, momentum < 1 else { throw ConfigError("strategy.momentum", "must lie in [0, 1)") }
            (config.strategy.serverLearningRate, config.strategy.momentum) = (eta, momentum)
            server = .fedAvgM(learningRate: eta, momentum: momentum)
        case "fedadam":
            let eta = try positive("strategy.serverLearningRate", strategy.serverLearningRate ?? 0.01)
            let beta1 = strategy.beta1 ?? 0.9, beta2 = strategy.beta2 ?? 0.99
            guard (0..<1).contains(beta1) else { throw ConfigError("strategy.beta1", "must lie in [0, 1)") }
            guard (0..<1).contains(beta2) else { throw ConfigError("strategy.beta2", "must lie in [0, 1)") }
            let tau = try positive("strategy.tau", strategy.tau ?? 1e-3)
            (config.strategy.serverLearningRate, config.strategy.beta1, config.strategy.beta2, config.strategy.tau) = (eta, beta1, beta2, tau)
            server = .fedAdam(learningRate: eta, beta1: beta1, beta2: beta2, tau: tau)
        case "fedmedian": server = .median
        default:
            let trim = strategy.trim ?? 1
            guard trim >= 0 else { throw ConfigError("strategy.trim", "must not be negative") }
            config.strategy.trim = trim
            server = .trimmedMean(trim: trim)
        }
        return .synchronous(rounds: rounds, clientFraction: config.clientFraction, strategy: server)
    }

    static func resolveStaleness(_ config: ExperimentConfig.StalenessConfig?, default fallback: Staleness) throws(ConfigError) -> Staleness {
        guard let config else { return fallback }
        let field = "strategy.staleness"
        switch config.kind {
        case "constant":
            if config.a != nil || config.b != nil { throw ConfigError(field, "constant takes no a or b") }
            return .constant
        case "inverse-sqrt":
            if config.a != nil || config.b != nil { throw ConfigError(field, "inverse-sqrt takes no a or b") }
            return .inverseSquareRoot
        case "polynomial":
            if config.b != nil { throw ConfigError("\(field).b", "polynomial takes only a") }
            let a = config.a ?? 0.5
            guard a >= 0, a.isFinite else { throw ConfigError("\(field).a", "must not be negative") }
            return .polynomial(a: a)
        case "hinge":
            let a = config.a ?? 10, b = config.b ?? 4
            guard a >= 0, b >= 0, a.isFinite, b.isFinite else { throw ConfigError(field, "a and b must not be negative") }
            return .hinge(a: a, b: b)
        default:
            throw ConfigError("\(field).kind", "unknown staleness function '\(config.kind)' (known: constant, polynomial, hinge, inverse-sqrt)")
        }
    }

    static func resolveLocal(_ local: ExperimentConfig.Local, model: String, seed: UInt64) throws(ConfigError) -> TrainingOptions {
        guard local.epochs >= 1 else { throw ConfigError("local.epochs", "must be at least 1") }
        guard local.batch >= 1 else { throw ConfigError("local.batch", "must be at least 1") }
        guard let optimizer = TrainingOptions.OptimizerKind(rawValue: local.optimizer) else {
            throw ConfigError("local.optimizer", "unknown optimizer '\(local.optimizer)' (known: sgd, adam, adamw)")
        }
        _ = try positive("local.lr", local.lr)
        guard local.momentum >= 0, local.momentum < 1 else { throw ConfigError("local.momentum", "must lie in [0, 1)") }
        guard local.weightDecay >= 0, local.weightDecay.isFinite else { throw ConfigError("local.weightDecay", "must not be negative") }
        if let clip = local.clipNorm { _ = try positive("local.clipNorm", clip) }
        return TrainingOptions(
            model: model, epochs: local.epochs, batchSize: local.batch, learningRate: Float(local.lr), momentum: Float(local.momentum),
            weightDecay: Float(local.weightDecay), optimizer: optimizer, clipNorm: local.clipNorm.map(Float.init), seed: seed)
    }

    static func resolveSpeeds(_ speeds: ExperimentConfig.Speeds, hospitals: Int) throws(ConfigError) -> SpeedProfile {
        let allowed: [String: Set<String>] = [
            "fixed": ["samplesPerSecond"], "log-normal": ["median", "sigma"], "pareto": ["base", "alpha", "clip"],
            "stragglers": ["samplesPerSecond", "hospitals", "slowdown"],
        ]
        guard let fields = allowed[speeds.kind] else {
            throw ConfigError("speeds.kind", "unknown speed profile '\(speeds.kind)' (known: \(allowed.keys.sorted().joined(separator: ", ")))")
        }
        let given: [(String, Bool)] = [
            ("samplesPerSecond", speeds.samplesPerSecond != nil), ("median", speeds.median != nil), ("sigma", speeds.sigma != nil),
            ("base", speeds.base != nil), ("alpha", speeds.alpha != nil), ("clip", speeds.clip != nil), ("hospitals", speeds.hospitals != nil),
            ("slowdown", speeds.slowdown != nil),
        ]
        for (name, present) in given where present && !fields.contains(name) {
            throw ConfigError("speeds.\(name)", "not a parameter of \(speeds.kind) (it takes: \(fields.sorted().joined(separator: ", ")))")
        }
        switch speeds.kind {
        case "fixed": return .fixed(samplesPerSecond: try positive("speeds.samplesPerSecond", speeds.samplesPerSecond ?? 500))
        case "log-normal":
            let sigma = speeds.sigma ?? 0.5
            guard sigma >= 0, sigma.isFinite else { throw ConfigError("speeds.sigma", "must not be negative") }
            return .logNormal(median: try positive("speeds.median", speeds.median ?? 500), sigma: sigma)
        case "pareto":
            let clip = try positive("speeds.clip", speeds.clip ?? 30)
            guard clip >= 1 else { throw ConfigError("speeds.clip", "must be at least 1 (the largest slowness factor)") }
            return .pareto(base: try positive("speeds.base", speeds.base ?? 500), alpha: try positive("speeds.alpha", speeds.alpha ?? 1.5), clip: clip)
        default:
            let slow = speeds.hospitals ?? []
            for h in slow where !(0..<hospitals).contains(h) {
                throw ConfigError("speeds.hospitals", "hospital \(h) is not in the plan (0–\(hospitals - 1))")
            }
            return .stragglers(
                samplesPerSecond: try positive("speeds.samplesPerSecond", speeds.samplesPerSecond ?? 500), hospitals: slow,
                slowdown: try positive("speeds.slowdown", speeds.slowdown ?? 10))
        }
    }

    static func resolveNetwork(_ network: ExperimentConfig.Network) throws(ConfigError) -> NetworkProfile {
        guard network.latency >= 0, network.latency.isFinite else { throw ConfigError("network.latency", "must not be negative") }
        let up = try positive("network.uploadMbps", network.uploadMbps), down = try positive("network.downloadMbps", network.downloadMbps)
        return NetworkProfile(latency: network.latency, uploadBytesPerSecond: up * 125_000, downloadBytesPerSecond: down * 125_000)
    }

    static func resolveAvailability(_ availability: ExperimentConfig.AvailabilityConfig, hospitals: Int) throws(ConfigError) -> Availability {
        for (field, times) in [("joins", availability.joins), ("leaves", availability.leaves)] {
            for (h, time) in times {
                guard (0..<hospitals).contains(h) else { throw ConfigError("availability.\(field).\(h)", "hospital \(h) is not in the plan (0–\(hospitals - 1))") }
                guard time >= 0, time.isFinite else { throw ConfigError("availability.\(field).\(h)", "must be a time of 0 seconds or more") }
            }
        }
        for (h, leave) in availability.leaves where leave <= (availability.joins[h] ?? 0) {
            throw ConfigError("availability.leaves.\(h)", "hospital \(h) would leave before it joins")
        }
        guard availability.dropout >= 0, availability.dropout < 1 else { throw ConfigError("availability.dropout", "must lie in [0, 1)") }
        return Availability(joins: availability.joins, leaves: availability.leaves, dropout: availability.dropout)
    }
}
