import Datasets
import NeuralEngine
import Seeding
import Training

/// How an asynchronous server folds in updates as they arrive.
public enum AsyncStrategy: Sendable, Equatable, Codable {
    /// FedAsync (Xie et al. 2019): each arriving client model x mixes in at once,
    /// w ← (1 − α·s(τ))·w + α·s(τ)·x; every update makes a new version.
    case fedAsync(alpha: Double, staleness: Staleness)
    /// FedBuff (Nguyen et al. 2022): updates Δ = x − (the model the client started from) are buffered
    /// with weight s(τ); when `bufferSize` have arrived, w ← w + η·(1/K)·Σ s(τᵢ)Δᵢ makes a new version.
    case fedBuff(bufferSize: Int, serverLearningRate: Double, staleness: Staleness)
}

/// One arrival at the server.
public struct ArrivalRecord: Sendable, Codable, Equatable {
    public var virtualTime: Double
    public var hospital: Int
    /// The version the hospital trained from, and the server's version when the update arrived.
    public var baseVersion: Int
    public var arrivalVersion: Int
    public var staleness: Int
    /// The version after the server handled the update (higher than `arrivalVersion` when it made one).
    public var version: Int
}

/// Asynchronous federated training on the virtual clock: every hospital downloads the current model,
/// trains `local.epochs` epochs on its samples, uploads, and starts again at once with whatever model is
/// current then; the server never waits. Training is computed when a hospital starts (from the model it
/// received), and its result takes effect when the upload arrives in virtual time, so fast hospitals
/// contribute many versions while a straggler's update arrives stale.
public enum AsynchronousFederation {
    public struct Options: Sendable {
        public var local: TrainingOptions
        /// Stop once the server reaches this version.
        public var versions: Int
        public var strategy: AsyncStrategy
        public var speeds: SpeedProfile
        public var network: NetworkProfile

        public init(local: TrainingOptions, versions: Int, strategy: AsyncStrategy, speeds: SpeedProfile = .fixed(samplesPerSecond: 500), network: NetworkProfile = NetworkProfile()) {
            self.local = local
            self.versions = versions
            self.strategy = strategy
            self.speeds = speeds
            self.network = network
        }
    }

    /// Runs until the server reaches `options.versions`; the model ends holding the final weights. A
    /// shorthand for `FederationSimulation` with an asynchronous protocol.
    public static func run(model: Sequential, samples: any SampleSource, hospitals: [[Int]], options: Options, hostThreads: Int = 1) -> [ArrivalRecord] {
        let settings = SimulationSettings(
            local: options.local, protocolKind: .asynchronous(versions: options.versions, strategy: options.strategy), speeds: options.speeds,
            network: options.network, hostThreads: hostThreads)
        let simulation = FederationSimulation(model: model, samples: samples, hospitals: hospitals, settings: settings)
        var records: [ArrivalRecord] = []
        simulation.onEvent = { event in
            switch event.kind {
            case .arrived:
                let version = event.version ?? 0
                records.append(
                    ArrivalRecord(
                        virtualTime: event.virtualTime, hospital: event.hospital ?? -1, baseVersion: event.baseVersion ?? 0, arrivalVersion: version,
                        staleness: event.staleness ?? 0, version: version))
            case .aggregated:
                if !records.isEmpty { records[records.count - 1].version = event.version ?? records[records.count - 1].version }
            default: break
            }
        }
        while simulation.advance() != nil {}
        return records
    }
}
