import Federation
import Foundation
import NeuralEngine
import Training
import Yams

/// A federated experiment as a user writes it (YAML, or JSON, which YAML reads too). Every field but
/// `store` and `plan` has a default; unknown fields are refused, so a typo does not silently fall back
/// to a default. See docs/federation.md for the reference and an example.
public struct ExperimentConfig: Sendable, Equatable, Codable {
    public var store: String
    public var plan: String
    public var model: String = "cnn-small"
    public var seed: UInt64 = 0
    /// Host threads (default: all cores); results do not depend on it.
    public var threads: Int?
    /// Synchronous strategies run `rounds`; asynchronous ones make `versions` server versions.
    public var rounds: Int?
    public var versions: Int?
    public var clientFraction: Double = 1
    public var strategy: Strategy = Strategy()
    public var local: Local = Local()
    public var speeds: Speeds = Speeds()
    public var network: Network = Network()
    public var availability: AvailabilityConfig = AvailabilityConfig()
    public var evaluation: Evaluation = Evaluation()
    public var checkpoint: Checkpointing = Checkpointing()
    public var history: History = History()
    /// Poison a share of one hospital's training samples with a trigger relabelled to one class, so that
    /// its erasure can be verified (docs/unlearning.md).
    public var backdoor: BackdoorConfig?

    public struct BackdoorConfig: Sendable, Equatable, Codable {
        public var hospital: Int
        public var fraction: Double = 0.2
        public var targetClass: Int = 0
        /// The patch's value in normalised units (default: each channel's maximum in the sample).
        public var value: Double?
    }

    public struct Strategy: Sendable, Equatable, Codable {
        public static let names = ["fedavg", "fedprox", "fedavgm", "fedadam", "fedmedian", "trimmed-mean", "fedasync", "fedbuff"]
        public var name: String = "fedavg"
        /// FedProx's μ.
        public var mu: Double?
        /// FedAvgM, FedAdam and FedBuff: the server learning rate.
        public var serverLearningRate: Double?
        /// FedAvgM: server momentum.
        public var momentum: Double?
        /// FedAdam.
        public var beta1: Double?
        public var beta2: Double?
        public var tau: Double?
        /// Trimmed mean: values dropped at each end.
        public var trim: Int?
        /// FedAsync: mixing weight.
        public var alpha: Double?
        /// FedAsync and FedBuff: how staleness weighs an update.
        public var staleness: StalenessConfig?
        /// FedBuff: updates per server version.
        public var bufferSize: Int?

        public init(name: String = "fedavg") { self.name = name }

        /// The parameters each strategy takes (others are refused).
        static let parameters: [String: Set<String>] = [
            "fedavg": [], "fedprox": ["mu"], "fedavgm": ["serverLearningRate", "momentum"], "fedadam": ["serverLearningRate", "beta1", "beta2", "tau"],
            "fedmedian": [], "trimmed-mean": ["trim"], "fedasync": ["alpha", "staleness"], "fedbuff": ["bufferSize", "serverLearningRate", "staleness"],
        ]

        public var isAsynchronous: Bool { name == "fedasync" || name == "fedbuff" }
    }

    public struct StalenessConfig: Sendable, Equatable, Codable {
        /// constant, polynomial (a), hinge (a, b), inverse-sqrt.
        public var kind: String
        public var a: Double?
        public var b: Double?
    }

    public struct Local: Sendable, Equatable, Codable {
        public var epochs: Int = 1
        public var batch: Int = 32
        public var optimizer: String = "sgd"
        public var lr: Double = 0.01
        public var momentum: Double = 0.9
        public var weightDecay: Double = 0
        public var clipNorm: Double?
        public init() {}
    }

    public struct Speeds: Sendable, Equatable, Codable {
        /// fixed (samplesPerSecond), log-normal (median, sigma), pareto (base, alpha, clip), stragglers
        /// (samplesPerSecond, hospitals, slowdown).
        public var kind: String = "fixed"
        public var samplesPerSecond: Double?
        public var median: Double?
        public var sigma: Double?
        public var base: Double?
        public var alpha: Double?
        public var clip: Double?
        public var hospitals: [Int]?
        public var slowdown: Double?
        public init() {}
    }

    public struct Network: Sendable, Equatable, Codable {
        /// Seconds per message.
        public var latency: Double = 0.05
        /// Megabits per second, hospital → server and back.
        public var uploadMbps: Double = 100
        public var downloadMbps: Double = 100
        public init() {}
    }

    public struct AvailabilityConfig: Sendable, Equatable, Codable {
        /// Hospital index → virtual second it joins / leaves.
        public var joins: [Int: Double] = [:]
        public var leaves: [Int: Double] = [:]
        /// Chance that a local job's update is lost.
        public var dropout: Double = 0
        public init() {}
    }

    public struct Evaluation: Sendable, Equatable, Codable {
        /// Evaluate the global model every this many rounds/versions (and always at the end).
        public var every: Int = 1
        public var batch: Int = 256
        public init() {}
    }

    public struct Checkpointing: Sendable, Equatable, Codable {
        /// Save a checkpoint every this many rounds/versions (and at the end); default 1 round, or 10
        /// versions (an asynchronous version is one update's worth of training, and a checkpoint holds
        /// every model a hospital in flight started from).
        public var every: Int?
        public init() {}
    }

    public struct History: Sendable, Equatable, Codable {
        /// Keep every client update folded into every this-many-th round/version (0: keep none).
        public var every: Int = 0
        /// Hospitals whose every update is kept whatever `every` says: a hospital expected to withdraw,
        /// whose whole contribution pre-erasure subtracts (FedEraser's Δt applies to the others).
        public var hospitals: [Int]?
        public init() {}

        /// Whether the update of `hospital` folded into `step` is kept.
        public func keeps(step: Int, hospital: Int) -> Bool {
            (every > 0 && step % every == 0) || (hospitals?.contains(hospital) ?? false)
        }

        /// Whether every update of `hospital` is kept.
        public func keepsAll(of hospital: Int) -> Bool { every == 1 || (hospitals?.contains(hospital) ?? false) }

        public var isOn: Bool { every > 0 || !(hospitals ?? []).isEmpty }
    }

    public init(store: String, plan: String) {
        self.store = store
        self.plan = plan
    }
}

/// A config that cannot run: the field and the reason.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}

// MARK: Reading

extension ExperimentConfig {
    /// Parses YAML (or JSON) text; the first problem is reported with its field.
    public static func parse(_ text: String) throws(ConfigError) -> ExperimentConfig {
        try ConfigReader.decode(ExperimentConfig.self, from: text, schema: schema, fields: "store, plan, strategy, …")
    }

    static let schema: ConfigSchema = .mapping([
        "store": .value, "plan": .value, "model": .value, "seed": .value, "threads": .value, "rounds": .value, "versions": .value,
        "clientFraction": .value,
        "strategy": .mapping([
            "name": .value, "mu": .value, "serverLearningRate": .value, "momentum": .value, "beta1": .value, "beta2": .value, "tau": .value,
            "trim": .value, "alpha": .value, "bufferSize": .value, "staleness": .mapping(["kind": .value, "a": .value, "b": .value]),
        ]),
        "local": .mapping([
            "epochs": .value, "batch": .value, "optimizer": .value, "lr": .value, "momentum": .value, "weightDecay": .value, "clipNorm": .value,
        ]),
        "speeds": .mapping([
            "kind": .value, "samplesPerSecond": .value, "median": .value, "sigma": .value, "base": .value, "alpha": .value, "clip": .value,
            "hospitals": .value, "slowdown": .value,
        ]),
        "network": .mapping(["latency": .value, "uploadMbps": .value, "downloadMbps": .value]),
        "availability": .mapping(["joins": .free, "leaves": .free, "dropout": .value]),
        "evaluation": .mapping(["every": .value, "batch": .value]),
        "checkpoint": .mapping(["every": .value]),
        "history": .mapping(["every": .value, "hospitals": .value]),
        "backdoor": .mapping(["hospital": .value, "fraction": .value, "targetClass": .value, "value": .value]),
    ])

}

extension ConfigError {
    static func from(_ error: DecodingError) -> ConfigError {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigError(field(context.codingPath), "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            return ConfigError(field(context.codingPath), "expected \(describe(type)), found nothing")
        case .keyNotFound(let key, let context):
            return ConfigError(field(context.codingPath + [key]), "required")
        case .dataCorrupted(let context):
            return ConfigError(field(context.codingPath), "invalid value (\(context.debugDescription))")
        @unknown default:
            return ConfigError("", "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type, is Int?.Type: "a whole number"
        case is Double.Type, is Double?.Type: "a number"
        case is String.Type: "text"
        case is [Int].Type: "a list of hospital indices"
        default: "\(type)"
        }
    }
}
// Decoding with defaults: a field left out takes the default its declaration gives (synthesised
// Decodable would demand every non-optional field).

extension ExperimentConfig {
    enum Keys: String, CodingKey {
        case store, plan, model, seed, threads, rounds, versions, clientFraction, strategy, local, speeds, network, availability, evaluation, checkpoint, history
        case backdoor
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        store = try c.decode(String.self, forKey: .store)
        plan = try c.decode(String.self, forKey: .plan)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? model
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        rounds = try c.decodeIfPresent(Int.self, forKey: .rounds)
        versions = try c.decodeIfPresent(Int.self, forKey: .versions)
        clientFraction = try c.decodeIfPresent(Double.self, forKey: .clientFraction) ?? clientFraction
        strategy = try c.decodeIfPresent(Strategy.self, forKey: .strategy) ?? strategy
        local = try c.decodeIfPresent(Local.self, forKey: .local) ?? local
        speeds = try c.decodeIfPresent(Speeds.self, forKey: .speeds) ?? speeds
        network = try c.decodeIfPresent(Network.self, forKey: .network) ?? network
        availability = try c.decodeIfPresent(AvailabilityConfig.self, forKey: .availability) ?? availability
        evaluation = try c.decodeIfPresent(Evaluation.self, forKey: .evaluation) ?? evaluation
        checkpoint = try c.decodeIfPresent(Checkpointing.self, forKey: .checkpoint) ?? checkpoint
        history = try c.decodeIfPresent(History.self, forKey: .history) ?? history
        backdoor = try c.decodeIfPresent(BackdoorConfig.self, forKey: .backdoor)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(store, forKey: .store)
        try c.encode(plan, forKey: .plan)
        try c.encode(model, forKey: .model)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(threads, forKey: .threads)
        try c.encodeIfPresent(rounds, forKey: .rounds)
        try c.encodeIfPresent(versions, forKey: .versions)
        try c.encode(clientFraction, forKey: .clientFraction)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(local, forKey: .local)
        try c.encode(speeds, forKey: .speeds)
        try c.encode(network, forKey: .network)
        try c.encode(availability, forKey: .availability)
        try c.encode(evaluation, forKey: .evaluation)
        try c.encode(checkpoint, forKey: .checkpoint)
        try c.encode(history, forKey: .history)
        try c.encodeIfPresent(backdoor, forKey: .backdoor)
    }
}

extension ExperimentConfig.Strategy {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? name
        mu = try c.decodeIfPresent(Double.self, forKey: .mu)
        serverLearningRate = try c.decodeIfPresent(Double.self, forKey: .serverLearningRate)
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum)
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1)
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2)
        tau = try c.decodeIfPresent(Double.self, forKey: .tau)
        trim = try c.decodeIfPresent(Int.self, forKey: .trim)
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        staleness = try c.decodeIfPresent(ExperimentConfig.StalenessConfig.self, forKey: .staleness)
        bufferSize = try c.decodeIfPresent(Int.self, forKey: .bufferSize)
    }
}

extension ExperimentConfig.Local {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? epochs
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
        optimizer = try c.decodeIfPresent(String.self, forKey: .optimizer) ?? optimizer
        lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? lr
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? momentum
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? weightDecay
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
    }
}

extension ExperimentConfig.Speeds {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? kind
        samplesPerSecond = try c.decodeIfPresent(Double.self, forKey: .samplesPerSecond)
        median = try c.decodeIfPresent(Double.self, forKey: .median)
        sigma = try c.decodeIfPresent(Double.self, forKey: .sigma)
        base = try c.decodeIfPresent(Double.self, forKey: .base)
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        clip = try c.decodeIfPresent(Double.self, forKey: .clip)
        hospitals = try c.decodeIfPresent([Int].self, forKey: .hospitals)
        slowdown = try c.decodeIfPresent(Double.self, forKey: .slowdown)
    }
}

extension ExperimentConfig.Network {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        latency = try c.decodeIfPresent(Double.self, forKey: .latency) ?? latency
        uploadMbps = try c.decodeIfPresent(Double.self, forKey: .uploadMbps) ?? uploadMbps
        downloadMbps = try c.decodeIfPresent(Double.self, forKey: .downloadMbps) ?? downloadMbps
    }
}

extension ExperimentConfig.AvailabilityConfig {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Keys as text, so that JSON's quoted "3" and YAML's bare 3 both name hospital 3.
        func hospitals(_ key: CodingKeys) throws -> [Int: Double] {
            var out: [Int: Double] = [:]
            for (name, time) in try c.decodeIfPresent([String: Double].self, forKey: key) ?? [:] {
                guard let h = Int(name) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(name)' is not a hospital index")
                }
                out[h] = time
            }
            return out
        }
        joins = try hospitals(.joins)
        leaves = try hospitals(.leaves)
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? dropout
    }
}

extension ExperimentConfig.Evaluation {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? every
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
    }
}

extension ExperimentConfig.Checkpointing {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every)
    }
}

extension ExperimentConfig.BackdoorConfig {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hospital = try c.decode(Int.self, forKey: .hospital)
        fraction = try c.decodeIfPresent(Double.self, forKey: .fraction) ?? fraction
        targetClass = try c.decodeIfPresent(Int.self, forKey: .targetClass) ?? targetClass
        value = try c.decodeIfPresent(Double.self, forKey: .value)
    }
}

extension ExperimentConfig.History {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? every
        hospitals = try c.decodeIfPresent([Int].self, forKey: .hospitals)
    }
}
