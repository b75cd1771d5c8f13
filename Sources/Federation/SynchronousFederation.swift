import Datasets
import NeuralEngine
import Seeding
import Training

/// Settings of a federated run.
public struct FederationOptions: Sendable {
    /// Local training of each hospital (model name, batch, optimiser, learning rate, seed…); `epochs`
    /// is the number of local epochs per round.
    public var local: TrainingOptions
    public var rounds: Int
    /// Share of hospitals taking part in a round (at least one), drawn per round from the seed.
    public var clientFraction: Double
    public var speeds: SpeedProfile
    public var network: NetworkProfile
    public var strategy: ServerStrategy
    /// FedProx's μ: local training adds μ(w − w_global) to every gradient (0: plain local SGD).
    public var proximalMu: Float

    public init(
        local: TrainingOptions, rounds: Int, clientFraction: Double = 1, speeds: SpeedProfile = .fixed(samplesPerSecond: 500),
        network: NetworkProfile = NetworkProfile(), strategy: ServerStrategy = .fedAvg, proximalMu: Float = 0
    ) {
        self.local = local
        self.rounds = rounds
        self.clientFraction = clientFraction
        self.speeds = speeds
        self.network = network
        self.strategy = strategy
        self.proximalMu = proximalMu
    }
}

/// One round's record.
public struct RoundRecord: Sendable, Codable {
    public var round: Int
    public var participants: [Int]
    /// Virtual seconds the round took: its slowest participant's download, training and upload.
    public var duration: Double
    /// Virtual time at the end of the round.
    public var virtualTime: Double
    /// Host seconds spent in the round.
    public var hostSeconds: Double
    /// Mean local training loss, weighted by samples.
    public var trainLoss: Double
}

/// Synchronous federated training on the virtual clock: every round the server sends the global model to
/// the round's participants, each trains `local.epochs` epochs on its own training samples from that
/// model with a fresh optimiser (with FedProx's proximal term when μ > 0), and once the last of them has
/// answered the server combines their models by its strategy (FedAvg: the sample-weighted mean;
/// FedAvgM, FedAdam, median, trimmed mean). The round lasts as long as its slowest
/// participant (download + samples/speed + upload); everybody else waits.
///
/// Each hospital's local randomness comes from a generator seeded by (seed, round, hospital), so a run
/// does not depend on the order hospitals are computed in; round 0 of hospital 0 uses the seed
/// centralised training uses, so one hospital holding the whole training split for one round of one
/// epoch is exactly one epoch of `Trainer.train`.
public enum SynchronousFederation {
    static func localSeed(_ seed: UInt64, round: Int, hospital: Int) -> UInt64 {
        seed &+ 0x5EED &+ UInt64(round) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(hospital) &* 0xBF58_476D_1CE4_E5B9
    }

    /// Runs `options.rounds` rounds over `hospitals` (each hospital's training sample indices into
    /// `samples`) starting from `model` initialised from the seed; returns the round records. The model
    /// ends holding the final global weights.
    public static func run(
        model: Sequential, samples: any SampleSource, hospitals: [[Int]], options: FederationOptions,
        afterRound: (RoundRecord, Sequential) -> Void = { _, _ in }
    ) -> [RoundRecord] {
        model.initialize(seed: options.local.seed)
        var sampler = SeededGenerator(seed: options.local.seed &+ 0xF00D)
        var speedGenerator = SeededGenerator(seed: options.local.seed &+ 0x5BEED)
        let speeds = options.speeds.speeds(hospitals: hospitals.count, generator: &speedGenerator)
        let modelBytes = model.parameters.values.count * 4
        let eligible = hospitals.indices.filter { !hospitals[$0].isEmpty }
        var server = ServerAggregator(options.strategy)
        var virtualTime = 0.0
        var records: [RoundRecord] = []
        let clock = ContinuousClock()
        for round in 0..<options.rounds {
            let started = clock.now
            let participants = sample(eligible, fraction: options.clientFraction, generator: &sampler)
            let global = model.parameters.values
            var models: [[Float]] = []
            var duration = 0.0
            var lossSum = 0.0, seen = 0
            for h in participants {
                model.parameters.values = global
                var optimizer = Trainer.makeOptimizer(options.local)
                var generator = SeededGenerator(seed: localSeed(options.local.seed, round: round, hospital: h))
                let mu = options.proximalMu
                let proximal: ((inout Parameters) -> Void)? = mu == 0 ? nil : { parameters in
                    for i in parameters.gradients.indices { parameters.gradients[i] += mu * (parameters.values[i] - global[i]) }
                }
                for _ in 0..<max(1, options.local.epochs) {
                    let result = Trainer.runEpoch(
                        model, samples: samples, indices: hospitals[h], options: options.local, optimizer: &optimizer, generator: &generator,
                        adjustGradients: proximal)
                    lossSum += result.lossSum
                    seen += result.seen
                }
                models.append(model.parameters.values)
                let compute = Double(hospitals[h].count * max(1, options.local.epochs)) / speeds[h]
                duration = max(
                    duration,
                    options.network.transfer(modelBytes, upload: false) + compute + options.network.transfer(modelBytes, upload: true))
            }
            model.parameters.values = server.aggregate(global: global, clients: models, samples: participants.map { hospitals[$0].count })
            virtualTime += duration
            let elapsed = clock.now - started
            let record = RoundRecord(
                round: round + 1, participants: participants, duration: duration, virtualTime: virtualTime,
                hostSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                trainLoss: seen > 0 ? lossSum / Double(seen) : 0)
            records.append(record)
            afterRound(record, model)
        }
        return records
    }

    /// max(1, round(fraction·n)) of `candidates`, drawn without replacement, in ascending order.
    static func sample(_ candidates: [Int], fraction: Double, generator: inout SeededGenerator) -> [Int] {
        guard fraction < 1 else { return candidates }
        let count = min(candidates.count, max(1, Int((fraction * Double(candidates.count)).rounded())))
        var pool = candidates
        for i in 0..<count {
            let j = i + Int(generator.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return pool.prefix(count).sorted()
    }
}
