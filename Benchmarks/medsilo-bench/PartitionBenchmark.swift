import ArgumentParser
import Datasets
import FoundationEssentials
import Partitioning

/// Seconds to partition N labelled samples across H hospitals with Dirichlet α (and IID), with units
/// being single samples or patients of several samples each. Labels and patients are generated here
/// (the store is not involved: this times the partitioner itself).
struct PartitionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partition")

    @Option(help: "Samples.")
    var samples: Int = 1_000_000

    @Option(help: "Hospitals.")
    var hospitals: Int = 100

    @Option(help: "Classes.")
    var classes: Int = 10

    @Option(help: "Dirichlet alpha.")
    var alpha: Double = 0.1

    @Option(help: "Samples per patient in the grouped case.")
    var perPatient: Int = 4

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Result: Encodable {
        var name: String
        var units: Int
        var seconds: Double
    }

    func run() throws {
        var generator = SeededGenerator(seed: 1)
        let labels = (0..<samples).map { _ in Int(generator.next() % UInt64(classes)) }
        let single = PartitionInput(
            units: (0..<samples).map { PartitionInput.Unit(samples: [$0], label: labels[$0], site: nil) }, classCount: classes)
        let grouped = PartitionInput(
            units: stride(from: 0, to: samples, by: perPatient).map { start in
                PartitionInput.Unit(samples: Array(start..<min(samples, start + perPatient)), label: labels[start], site: nil)
            }, classCount: classes, grouped: true)
        var results: [Result] = []
        for (name, partitioner, input) in [
            ("dirichlet α=\(alpha), samples", DirichletPartitioner(alpha: alpha, minimumSize: 10) as any Partitioner, single),
            ("dirichlet α=\(alpha), patients of \(perPatient)", DirichletPartitioner(alpha: alpha, minimumSize: 10), grouped),
            ("iid, samples", IIDPartitioner(), single),
        ] {
            let clock = ContinuousClock()
            let start = clock.now
            var seeded = SeededGenerator(seed: 7)
            let assignment = try partitioner.assign(input, hospitals: hospitals, generator: &seeded)
            let seconds = (clock.now - start).seconds
            precondition(assignment.reduce(0) { $0 + $1.count } == input.units.count)
            results.append(Result(name: name, units: input.units.count, seconds: seconds))
            if !json { print("\(name): \(input.units.count) units → \(hospitals) hospitals in \(String(format3(seconds))) s") }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }

    private func format3(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
}
