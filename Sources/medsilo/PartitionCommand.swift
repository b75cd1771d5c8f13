import ArgumentParser
import Datasets
import FoundationEssentials
import Partitioning

/// `medsilo partition`: make plans (the default subcommand) and show them.
struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Spread a dataset store across simulated hospitals (partition STORE …), or show a plan (partition show).",
        subcommands: [PartitionMake.self, PartitionShow.self],
        defaultSubcommand: PartitionMake.self
    )
}

/// `medsilo partition [make]`: spread a store across simulated hospitals and write the plan.
struct PartitionMake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Partition a dataset store across hospitals (IID, Dirichlet, pathological, natural sites) into a plan file.",
        discussion: """
            The store's train and val samples are spread; its test split is kept as the global test set. \
            Patients stay whole (all images of one patient in one hospital) unless --no-patient-grouping. \
            Each hospital's share is split into local train/val/test. See docs/partitioning.md.
            """
    )

    enum Scheme: String, ExpressibleByArgument, CaseIterable {
        case iid, dirichlet, pathological, shards, size, natural
    }

    enum SizeProfile: String, ExpressibleByArgument, CaseIterable {
        case linear, square, exponential
    }

    @Argument(help: "The store folder.")
    var store: String

    @Option(help: "Number of hospitals.")
    var hospitals: Int

    @Option(help: "Scheme: \(Scheme.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scheme: Scheme = .iid

    @Option(help: "Dirichlet concentration (smaller: stronger label skew).")
    var alpha: Double = 0.5

    @Option(help: "Dirichlet: minimum units (patients or samples) per hospital.")
    var minSize: Int = 10

    @Flag(help: "Dirichlet: hospitals above the average size get no share of later classes.")
    var selfBalancing = false

    @Option(help: "Pathological: classes per hospital.")
    var classesPerHospital: Int = 2

    @Option(help: "Shards: shards per hospital.")
    var shardsPerHospital: Int = 2

    @Option(help: "Size: linear, square or exponential hospital sizes (ignored with --sizes).")
    var sizeProfile: SizeProfile = .linear

    @Option(help: "Size: explicit relative sizes, one per hospital (e.g. 1,1,2,4).")
    var sizes: String?

    @Flag(help: "Spread samples one by one instead of whole patients.")
    var noPatientGrouping = false

    @Option(help: "Seed of every random step.")
    var seed: UInt64 = 0

    @Option(help: "The plan file to write.")
    var out: String

    @Flag(help: "Print the statistics as one JSON object.")
    var json = false

    func validate() throws {
        guard hospitals >= 1 else { throw ValidationError("--hospitals must be at least 1") }
        guard alpha > 0, alpha.isFinite else { throw ValidationError("--alpha must be positive") }
        guard minSize >= 0 else { throw ValidationError("--min-size must not be negative") }
    }

    func run() throws {
        let opened: DatasetStore
        do { opened = try DatasetStore(path: store) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let partitioner: any Partitioner
        switch scheme {
        case .iid: partitioner = IIDPartitioner()
        case .dirichlet: partitioner = DirichletPartitioner(alpha: alpha, minimumSize: minSize, selfBalancing: selfBalancing)
        case .pathological: partitioner = PathologicalPartitioner(classesPerHospital: classesPerHospital)
        case .shards: partitioner = ShardPartitioner(shardsPerHospital: shardsPerHospital)
        case .size:
            if let sizes {
                partitioner = SizePartitioner(profile: .explicit(sizes.split(separator: ",").compactMap { Double($0) }))
            } else {
                switch sizeProfile {
                case .linear: partitioner = SizePartitioner(profile: .linear)
                case .square: partitioner = SizePartitioner(profile: .square)
                case .exponential: partitioner = SizePartitioner(profile: .exponential)
                }
            }
        case .natural: partitioner = NaturalPartitioner()
        }
        let plan: PartitionPlan
        do {
            plan = try PlanBuilder.build(
                store: opened, partitioner: partitioner, hospitals: hospitals, seed: seed, groupByPatient: !noPatientGrouping)
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(plan) else {
            Output.error("\(out): cannot encode the plan")
            throw ExitCode(1)
        }
        do { try FileIO.writeAtomically(Array(data) + [10], to: out) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let statistics = PartitionStatistics(plan: plan, store: opened)
        if json {
            print(Output.jsonLine(statistics))
            return
        }
        print("\(out): \(plan.scheme) over \(hospitals) hospitals (\(plan.grouping)-grouped, seed \(seed)); global test \(statistics.globalTest)")
        printTable(statistics)
    }
}

/// `medsilo partition show PLAN`: the statistics table of a plan, optionally a heatmap picture.
struct PartitionShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a plan's hospitals × classes table, and draw it as an SVG heatmap.")

    @Argument(help: "The plan file.")
    var plan: String

    @Option(help: "The store (default: the path recorded in the plan).")
    var store: String?

    @Option(help: "Write a heatmap of hospitals × classes to this SVG file.")
    var plot: String?

    @Flag(help: "Heatmap cells in percent of each hospital's samples instead of counts.")
    var percent = false

    @Flag(help: "Print the statistics as one JSON object.")
    var json = false

    func run() throws {
        let loaded: PartitionPlan
        do {
            loaded = try JSONDecoder().decode(PartitionPlan.self, from: Data(try FileIO.read(plan)))
        } catch {
            Output.error("\(plan): not a partition plan (\(error))")
            throw ExitCode(1)
        }
        let opened: DatasetStore
        do { opened = try DatasetStore(path: store ?? loaded.store.path) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        guard opened.metadata.fingerprint == loaded.store.fingerprint, opened.count == loaded.store.count else {
            Output.error("\(plan): made for another store (fingerprint or size differs from \(opened.path))")
            throw ExitCode(1)
        }
        let statistics = PartitionStatistics(plan: loaded, store: opened)
        if let plot {
            let title = "\(loaded.scheme) \(loaded.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) seed \(loaded.seed)"
            let svg = Heatmap.svg(statistics, scale: percent ? .percent : .counts, title: title)
            do { try FileIO.writeAtomically(Array(svg.utf8), to: plot) } catch {
                Output.error(error.description)
                throw ExitCode(1)
            }
        }
        if json {
            print(Output.jsonLine(statistics))
        } else {
            print("\(plan): \(loaded.scheme) over \(loaded.hospitalCount) hospitals (\(loaded.grouping)-grouped, seed \(loaded.seed)); global test \(statistics.globalTest)")
            printTable(statistics)
        }
    }
}

/// The hospitals × classes table with sizes and Jensen–Shannon distances.
func printTable(_ statistics: PartitionStatistics) {
    let width = 7
    var header = "hospital".padding(10) + "train".leftPadding(7) + "val".leftPadding(6) + "test".leftPadding(6) + "JS".leftPadding(7)
    for name in statistics.classes { header += String(name.prefix(width - 1)).leftPadding(width) }
    print(header)
    for h in statistics.hospitals {
        var line = h.id.padding(10) + String(h.train).leftPadding(7) + String(h.val).leftPadding(6) + String(h.test).leftPadding(6)
            + formatted(h.jensenShannon, digits: 3).leftPadding(7)
        for count in h.classCounts { line += String(count).leftPadding(width) }
        print(line)
    }
    print("mean Jensen–Shannon distance to the global label distribution: \(formatted(statistics.meanJensenShannon, digits: 3))")
}

import Imaging
