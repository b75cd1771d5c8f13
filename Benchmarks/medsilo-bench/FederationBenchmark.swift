import ArgumentParser
import Federation
import Foundation
import NeuralEngine
import Partitioning
import Seeding
import Training

#if canImport(Glibc)
import Glibc
#endif

/// What a federated round costs beyond its local training: `rounds` rounds of synchronous FedAvg over
/// `hospitals` hospitals (Dirichlet α label skew over `samples` random 28×28 items of 10 classes held in
/// memory), cnn-small, one local epoch, hospitals trained in parallel on the host threads — next to two
/// floors measured in the same run, the same local epochs with no federation at all (no copies of the
/// global model, no aggregation, no clock, no messages):
///
/// - data-parallel: hospital after hospital on one model that spreads each batch over the threads;
/// - hospital-parallel: the hospitals' epochs handed to one-thread model copies on the threads.
///
/// `overheadFraction` = round time / the faster floor − 1.
struct FederationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "federation")

    @Option(help: "Samples.")
    var samples: Int = 10_000

    @Option(help: "Hospitals.")
    var hospitals: Int = 10

    @Option(help: "Rounds.")
    var rounds: Int = 10

    @Option(help: "Dirichlet alpha of the label skew.")
    var alpha: Double = 0.5

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Report: Encodable {
        var benchmark = "federation"
        var samples: Int
        var hospitals: Int
        var rounds: Int
        var threads: Int
        var roundSeconds: Double
        var floorSecondsPerRound: Double
        var dataParallelFloorSeconds: Double
        var hospitalParallelFloorSeconds: Double
        var overheadFraction: Double
        var virtualSecondsPerRound: Double
    }

    func run() throws {
        let threadCount = threads ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var generator = SeededGenerator(seed: 1)
        let labels = (0..<samples).map { _ in Int(generator.next() % 10) }
        let data = InMemorySamples(
            itemShape: [1, 28, 28], values: (0..<(samples * 784)).map { _ in Float(generator.nextUnit() * 2 - 1) }, labels: labels)
        let input = PartitionInput(units: (0..<samples).map { PartitionInput.Unit(samples: [$0], label: labels[$0], site: nil) }, classCount: 10)
        var partitionGenerator = SeededGenerator(seed: 2)
        let assignment = try DirichletPartitioner(alpha: alpha, minimumSize: 10).assign(input, hospitals: hospitals, generator: &partitionGenerator)
        let split = assignment.hospitals.map { units in units.map { input.units[$0].samples[0] } }
        let local = TrainingOptions(model: "cnn-small", epochs: 1, batchSize: 32, learningRate: 0.01, seed: 3)
        let clock = ContinuousClock()
        func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18 }

        // The floor: the same epochs back to back on one model. Measured before and after the federated
        // run (their mean is the floor), after one unmeasured warm-up epoch, so a slow spell of a shared
        // machine or the first use of the BLAS library does not land on one side only.
        let floorModel = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 10)
        floorModel.initialize(seed: 3)
        floorModel.setThreads(threadCount)
        func floorPass() -> Double {
            let start = clock.now
            for round in 0..<rounds {
                for h in split.indices where !split[h].isEmpty {
                    var optimizer = Trainer.makeOptimizer(local)
                    var localGenerator = SeededGenerator(seed: UInt64(round * hospitals + h))
                    _ = Trainer.runEpoch(floorModel, samples: data, indices: split[h], options: local, optimizer: &optimizer, generator: &localGenerator)
                }
            }
            return seconds(clock.now - start) / Double(rounds)
        }
        // The hospital-parallel floor: each round's epochs as plain local jobs on the host pool, every
        // job from the same weights (no averaging between rounds).
        let poolModel = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 10)
        poolModel.initialize(seed: 3)
        let pool = HostPool(model: poolModel, threads: threadCount)
        func poolPass() -> Double {
            let start = clock.now
            for round in 0..<rounds {
                let jobs = split.indices.filter { !split[$0].isEmpty }.map {
                    LocalJob(hospital: $0, base: poolModel.parameters.values, seed: UInt64(round * hospitals + $0))
                }
                _ = pool.train(jobs, samples: data, hospitals: split, options: local, proximalMu: 0)
            }
            return seconds(clock.now - start) / Double(rounds)
        }
        var warmup = Trainer.makeOptimizer(local)
        var warmupGenerator = SeededGenerator(seed: 99)
        _ = Trainer.runEpoch(floorModel, samples: data, indices: split[0], options: local, optimizer: &warmup, generator: &warmupGenerator)
        let floorBefore = floorPass()
        let poolBefore = poolPass()

        let model = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 10)
        let started = clock.now
        let records = SynchronousFederation.run(
            model: model, samples: data, hospitals: split, options: FederationOptions(local: local, rounds: rounds), hostThreads: threadCount
        ) { record, _ in
            if !json { print("round \(record.round)/\(rounds): \(String(format: "%.3f", record.hostSeconds)) s host, \(String(format: "%.1f", record.virtualTime)) s virtual") }
        }
        let round = seconds(clock.now - started) / Double(rounds)
        let dataParallel = (floorBefore + floorPass()) / 2
        let hospitalParallel = (poolBefore + poolPass()) / 2
        let floor = min(dataParallel, hospitalParallel)
        let report = Report(
            samples: samples, hospitals: hospitals, rounds: rounds, threads: threadCount, roundSeconds: round, floorSecondsPerRound: floor,
            dataParallelFloorSeconds: dataParallel, hospitalParallelFloorSeconds: hospitalParallel, overheadFraction: round / floor - 1, virtualSecondsPerRound: records.last!.virtualTime / Double(rounds))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("FedAvg round \(String(format: "%.3f", round)) s against the same local training without federation: \(String(format: "%.3f", dataParallel)) s data-parallel, \(String(format: "%.3f", hospitalParallel)) s hospital-parallel: overhead \(String(format: "%.1f", 100 * report.overheadFraction)) % over the faster")
        }
    }
}
