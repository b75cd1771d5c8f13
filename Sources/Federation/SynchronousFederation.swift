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
/// participant (download + samples/speed + upload); everybody else waits. A shorthand for
/// `FederationSimulation` with a synchronous protocol, always available hospitals and one host thread.
///
/// Each hospital's local randomness comes from a generator seeded by (seed, round, hospital), so a run
/// does not depend on the order hospitals are computed in; round 0 of hospital 0 uses the seed
/// centralised training uses, so one hospital holding the whole training split for one round of one
/// epoch is exactly one epoch of `Trainer.train`.
public enum SynchronousFederation {
    /// Runs `options.rounds` rounds over `hospitals` (each hospital's training sample indices into
    /// `samples`) starting from `model` initialised from the seed; returns the round records. The model
    /// ends holding the final global weights.
    public static func run(
        model: Sequential, samples: any SampleSource, hospitals: [[Int]], options: FederationOptions, hostThreads: Int = 1,
        afterRound: (RoundRecord, Sequential) -> Void = { _, _ in }
    ) -> [RoundRecord] {
        let settings = SimulationSettings(
            local: options.local, protocolKind: .synchronous(rounds: options.rounds, clientFraction: options.clientFraction, strategy: options.strategy),
            proximalMu: options.proximalMu, speeds: options.speeds, network: options.network, hostThreads: hostThreads)
        let simulation = FederationSimulation(model: model, samples: samples, hospitals: hospitals, settings: settings)
        var participants: [Int] = []
        var roundStart = 0.0
        simulation.onEvent = { event in
            if event.kind == .round {
                participants = event.participants ?? []
                roundStart = event.virtualTime
            }
        }
        var records: [RoundRecord] = []
        while let report = simulation.advance() {
            let record = RoundRecord(
                round: report.step, participants: participants, duration: report.virtualTime - roundStart, virtualTime: report.virtualTime,
                hostSeconds: report.hostSeconds, trainLoss: report.trainLoss ?? 0)
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
