import ArgumentParser
import Datasets
import FoundationEssentials
import Partitioning

/// Seconds to partition N labelled samples across H hospitals with Dirichlet α (and other schemes), with
/// units being single samples or patients of several samples each. Labels and patients are generated
/// here, so the store's disk reads are not timed. Two kinds of figure: the partitioner alone ("assign"),
/// and the whole plan ("plan": grouping samples into patient units, the partitioner, and each hospital's
/// local train/val/test split).
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
        let values = (0..<samples).map { _ in generator.nextUnit() }
        for (name, partitioner, input) in [
            ("assign dirichlet α=\(alpha), samples", DirichletPartitioner(alpha: alpha, minimumSize: 10) as any Partitioner, single),
            ("assign dirichlet α=\(alpha), patients of \(perPatient)", DirichletPartitioner(alpha: alpha, minimumSize: 10), grouped),
            ("assign inner-dirichlet α=\(alpha), samples", InnerDirichletPartitioner(alpha: alpha), single),
            ("assign continuous, samples", ContinuousPartitioner(values: values, feature: "x", strictness: 0.5), single),
            ("assign iid, samples", IIDPartitioner(), single),
        ] {
            let clock = ContinuousClock()
            let start = clock.now
            var seeded = SeededGenerator(seed: 7)
            let assignment = try partitioner.assign(input, hospitals: hospitals, generator: &seeded)
            let seconds = (clock.now - start).seconds
            precondition(assignment.hospitals.reduce(0) { $0 + $1.count } + assignment.dropped.count == input.units.count)
            results.append(Result(name: name, units: input.units.count, seconds: seconds))
            if !json { print("\(name): \(input.units.count) units → \(hospitals) hospitals in \(String(format3(seconds))) s") }
        }
        // Whole plans from per-sample labels and patient ids (patients of `perPatient` consecutive samples).
        let all = Array(0..<samples)
        for grouping in [true, false] {
            let clock = ContinuousClock()
            let start = clock.now
            let input = PartitionInput(
                indices: all, classCount: classes, siteCount: 0, groupByPatient: grouping,
                label: { labels[$0] }, patient: { $0 / perPatient }, site: { _ in nil })
            let plan = try PlanBuilder.build(
                input: input, partitioner: DirichletPartitioner(alpha: alpha, minimumSize: 10), hospitals: hospitals, seed: 7,
                store: .init(path: "generated", fingerprint: "", count: samples), globalTest: [])
            let seconds = (clock.now - start).seconds
            let planned: Int = plan.hospitals.reduce(0) { sum, h in sum + h.train.count + h.val.count + h.test.count }
            precondition(planned == samples)
            let name = "plan dirichlet α=\(alpha), \(grouping ? "patient-grouped (\(perPatient) per patient)" : "samples")"
            results.append(Result(name: name, units: input.units.count, seconds: seconds))
            if !json { print("\(name): \(samples) samples (\(input.units.count) units) → \(hospitals) hospitals in \(String(format3(seconds))) s") }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }

    private func format3(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
}
