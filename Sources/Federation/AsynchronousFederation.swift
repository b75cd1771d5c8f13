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

    enum Event: Sendable {
        case start(hospital: Int)
        case arrive(hospital: Int, baseVersion: Int, base: [Float], trained: [Float])
    }

    /// Runs until the server reaches `options.versions`; the model ends holding the final weights.
    public static func run(model: Sequential, samples: any SampleSource, hospitals: [[Int]], options: Options) -> [ArrivalRecord] {
        model.initialize(seed: options.local.seed)
        var speedGenerator = SeededGenerator(seed: options.local.seed &+ 0x5BEED)
        let speeds = options.speeds.speeds(hospitals: hospitals.count, generator: &speedGenerator)
        let modelBytes = model.parameters.values.count * 4
        var global = model.parameters.values
        var version = 0
        var buffer: [(weight: Double, delta: [Float])] = []
        var starts = [Int](repeating: 0, count: hospitals.count)
        var clock = VirtualClock<Event>()
        for h in hospitals.indices where !hospitals[h].isEmpty { clock.schedule(.start(hospital: h), after: 0) }
        var records: [ArrivalRecord] = []
        while version < options.versions, let (time, event) = clock.next() {
            switch event {
            case .start(let h):
                model.parameters.values = global
                var optimizer = Trainer.makeOptimizer(options.local)
                var generator = SeededGenerator(seed: SynchronousFederation.localSeed(options.local.seed, round: starts[h], hospital: h))
                starts[h] += 1
                for _ in 0..<max(1, options.local.epochs) {
                    _ = Trainer.runEpoch(model, samples: samples, indices: hospitals[h], options: options.local, optimizer: &optimizer, generator: &generator)
                }
                let duration = options.network.transfer(modelBytes, upload: false)
                    + Double(hospitals[h].count * max(1, options.local.epochs)) / speeds[h] + options.network.transfer(modelBytes, upload: true)
                clock.schedule(.arrive(hospital: h, baseVersion: version, base: global, trained: model.parameters.values), after: duration)
            case .arrive(let h, let baseVersion, let base, let trained):
                let arrivalVersion = version
                let tau = version - baseVersion
                switch options.strategy {
                case .fedAsync(let alpha, let staleness):
                    let a = Float(alpha * staleness.weight(tau))
                    for i in global.indices { global[i] = (1 - a) * global[i] + a * trained[i] }
                    version += 1
                case .fedBuff(let size, let eta, let staleness):
                    buffer.append((staleness.weight(tau), zip(trained, base).map { $0 - $1 }))
                    if buffer.count >= size {
                        let scale = eta / Double(buffer.count)
                        for i in global.indices {
                            var step = 0.0
                            for entry in buffer { step += entry.weight * Double(entry.delta[i]) }
                            global[i] += Float(scale * step)
                        }
                        buffer.removeAll()
                        version += 1
                    }
                }
                records.append(
                    ArrivalRecord(virtualTime: time, hospital: h, baseVersion: baseVersion, arrivalVersion: arrivalVersion, staleness: tau, version: version))
                clock.schedule(.start(hospital: h), after: 0)
            }
        }
        model.parameters.values = global
        return records
    }
}
