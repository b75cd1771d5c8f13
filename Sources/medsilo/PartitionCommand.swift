import ArgumentParser
import Datasets
import FoundationEssentials
import Partitioning

/// `medsilo partition`: make plans (the default subcommand) and show them.
struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Spread a dataset store across simulated hospitals (partition STORE …), show a plan (partition show), compare plans (partition compare).",
        subcommands: [PartitionMake.self, PartitionShow.self, PartitionCompare.self],
        defaultSubcommand: PartitionMake.self
    )
}

/// `medsilo partition [make]`: spread a store across simulated hospitals and write the plan.
struct PartitionMake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Partition a dataset store across hospitals (IID, label skew, size skew, sites, feature skew) into a plan file.",
        discussion: """
            The store's train and val samples are spread; its test split is kept as the global test set. \
            Patients stay whole (all images of one patient in one hospital) unless --no-patient-grouping. \
            Each hospital's share is split into local train/val/test. Every hospital must hold at least \
            --min-size samples and one training sample unless --allow-empty. See docs/partitioning.md.
            """
    )

    enum Scheme: String, ExpressibleByArgument, CaseIterable {
        case iid, dirichlet
        case innerDirichlet = "inner-dirichlet"
        case pathological, shards, size, natural
        case groupedNatural = "grouped-natural"
        case continuous, acquisition, distribution
    }

    enum SizeProfile: String, ExpressibleByArgument, CaseIterable {
        case linear, square, exponential
    }

    @Argument(help: "The store folder.")
    var store: String

    @Option(help: "Number of hospitals (natural and grouped-natural: implied by the sites; distribution: by the matrix).")
    var hospitals: Int?

    @Option(help: "Scheme: \(Scheme.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scheme: Scheme = .iid

    @Option(help: "Dirichlet and inner-dirichlet concentration (smaller: stronger label skew).")
    var alpha: Double = 0.5

    @Option(help: "Minimum samples per hospital (dirichlet: units, redrawn until met).")
    var minSize: Int = 10

    @Flag(help: "Allow hospitals below --min-size, even without training data.")
    var allowEmpty = false

    @Flag(help: "Dirichlet: hospitals above the average size get no share of later classes.")
    var selfBalancing = false

    @Option(help: "Pathological: classes per hospital.")
    var classesPerHospital: Int = 2

    @Option(help: "Pathological: how classes are given (\(PathologicalPartitioner.ClassAssignment.allCases.map(\.rawValue).joined(separator: ", "))).")
    var classAssignment: String = PathologicalPartitioner.ClassAssignment.balanced.rawValue

    @Option(help: "Shards: shards per hospital (2 when --shard-size is not given either).")
    var shardsPerHospital: Int?

    @Option(help: "Shards: units per shard.")
    var shardSize: Int?

    @Flag(help: "Shards with --shard-size: keep the last, incomplete shard.")
    var keepIncompleteShard = false

    @Option(help: "Size and inner-dirichlet: linear, square or exponential hospital sizes (ignored with --sizes).")
    var sizeProfile: SizeProfile?

    @Option(help: "Size and inner-dirichlet: explicit relative sizes, one per hospital (e.g. 1,1,2,4).")
    var sizes: String?

    @Option(help: "Grouped-natural: sites per hospital.")
    var sitesPerHospital: Int = 2

    @Option(help: "Grouped-natural: what happens to sites left over (\(NaturalPartitioner.Remainder.allCases.map(\.rawValue).joined(separator: ", "))).")
    var remainder: String = NaturalPartitioner.Remainder.allowSmaller.rawValue

    @Option(help: "Continuous: the feature — intensity or contrast (of the stored pixels), or a column of --feature-file.")
    var feature: String = FeatureValues.ImageStatistic.intensity.rawValue

    @Option(help: "Continuous: a CSV with an 'index' (store sample index) or 'sha256' column and the --feature column.")
    var featureFile: String?

    @Option(help: "Continuous and acquisition: 1 follows the feature or site strictly, 0 is IID.")
    var strictness: Double = 1

    @Option(help: "Distribution: a CSV of weights, one row per hospital, one column per class (header: class names).")
    var matrix: String?

    @Option(help: "Distribution: units of a class every hospital with a nonzero weight for it gets first.")
    var preassigned: Int = 0

    @Flag(help: "Spread samples one by one instead of whole patients.")
    var noPatientGrouping = false

    @Option(help: "HOSPITAL:SHARE — set aside that share of the hospital's samples (whole patients) as its audit reserve: never trained on, the membership audit's non-members when it is the unlearning target (e.g. 0:0.3).")
    var auditReserve: String?

    @Option(help: "Seed of every random step.")
    var seed: UInt64 = 0

    @Option(help: "The plan file to write.")
    var out: String

    @Option(help: "Also write the statistics as JSON to this file.")
    var stats: String?

    @OptionGroup var heatmap: HeatmapOptions

    @Flag(help: "Print the statistics as one JSON object.")
    var json = false

    func validate() throws {
        if let hospitals, hospitals < 1 { throw ValidationError("--hospitals must be at least 1") }
        guard alpha > 0, alpha.isFinite else { throw ValidationError("--alpha must be positive") }
        guard minSize >= 0 else { throw ValidationError("--min-size must not be negative") }
        guard (0...1).contains(strictness) else { throw ValidationError("--strictness must lie in 0…1") }
        guard PathologicalPartitioner.ClassAssignment(rawValue: classAssignment) != nil else {
            throw ValidationError("--class-assignment must be one of \(PathologicalPartitioner.ClassAssignment.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard NaturalPartitioner.Remainder(rawValue: remainder) != nil else {
            throw ValidationError("--remainder must be one of \(NaturalPartitioner.Remainder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let sizes, sizes.split(separator: ",").contains(where: { Double($0.trimmingCharacters(in: .whitespaces)) == nil }) {
            throw ValidationError("--sizes must be numbers separated by commas, e.g. 1,1,2,4")
        }
        if scheme == .distribution && matrix == nil { throw ValidationError("--matrix is needed for the distribution scheme") }
        if ![.natural, .groupedNatural, .distribution].contains(scheme) && hospitals == nil {
            throw ValidationError("--hospitals is needed for the \(scheme.rawValue) scheme")
        }
    }

    /// The size profile of --sizes or --size-profile, if either is given.
    var sizeChoice: SizePartitioner.Profile? {
        if let sizes { return .explicit(sizes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }) }
        switch sizeProfile {
        case .linear: return .linear
        case .square: return .square
        case .exponential: return .exponential
        case nil: return nil
        }
    }

    func partitioner(for opened: DatasetStore) throws(PartitionError) -> any Partitioner {
        switch scheme {
        case .iid: return IIDPartitioner()
        case .dirichlet: return DirichletPartitioner(alpha: alpha, minimumSize: allowEmpty ? 0 : minSize, selfBalancing: selfBalancing)
        case .innerDirichlet: return InnerDirichletPartitioner(alpha: alpha, sizes: sizeChoice)
        case .pathological:
            return PathologicalPartitioner(classesPerHospital: classesPerHospital, classAssignment: .init(rawValue: classAssignment)!)
        case .shards:
            return ShardPartitioner(
                shardsPerHospital: shardsPerHospital ?? (shardSize == nil ? 2 : nil), shardSize: shardSize,
                keepIncompleteShard: keepIncompleteShard)
        case .size: return SizePartitioner(profile: sizeChoice ?? .linear)
        case .natural: return NaturalPartitioner()
        case .groupedNatural: return NaturalPartitioner(sitesPerHospital: sitesPerHospital, remainder: .init(rawValue: remainder)!)
        case .continuous:
            if let featureFile {
                return ContinuousPartitioner(
                    values: try FeatureValues.csv(featureFile, column: feature, store: opened), feature: feature, strictness: strictness)
            }
            guard let statistic = FeatureValues.ImageStatistic(rawValue: feature) else {
                throw PartitionError(
                    "continuous: --feature \(feature) is neither \(FeatureValues.ImageStatistic.allCases.map(\.rawValue).joined(separator: " nor ")) nor used with --feature-file")
            }
            return ContinuousPartitioner(values: FeatureValues.image(opened, statistic), feature: feature, strictness: strictness)
        case .acquisition: return AcquisitionPartitioner(strictness: strictness)
        case .distribution:
            let path = matrix ?? ""
            return DistributionPartitioner(
                weights: try DistributionPartitioner.matrix(csv: path, classes: opened.classes), preassigned: preassigned,
                source: String(path.split(separator: "/").last ?? ""))
        }
    }

    func run() throws {
        let opened: DatasetStore
        do { opened = try DatasetStore(path: store) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        var reserve: (hospital: Int, share: Double)?
        if let auditReserve {
            let parts = auditReserve.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let hospital = Int(parts[0]), let share = Double(parts[1]) else {
                Output.error("--audit-reserve: '\(auditReserve)' is not HOSPITAL:SHARE (e.g. 0:0.3)")
                throw ExitCode(1)
            }
            reserve = (hospital, share)
        }
        let plan: PartitionPlan
        do {
            plan = try PlanBuilder.build(
                store: opened, partitioner: try partitioner(for: opened), hospitals: hospitals, seed: seed,
                groupByPatient: !noPatientGrouping, minimumSize: minSize, allowEmpty: allowEmpty, reserve: reserve)
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
        try writeStatistics(statistics, to: stats)
        try heatmap.draw([(plan, statistics)])
        if json {
            print(Output.jsonLine(statistics))
            return
        }
        print("\(out): \(plan.scheme) over \(plan.hospitalCount) hospitals (\(plan.grouping)-grouped, seed \(seed)); global test \(statistics.globalTest)")
        printTable(statistics, plan: plan)
    }
}

/// `--plot FILE.svg|FILE.png` and `--percent`, shared by `partition`, `show` and `compare`.
struct HeatmapOptions: ParsableArguments {
    @Option(help: "Draw the hospitals × classes heatmap to this file (.svg or .png).")
    var plot: String?

    @Flag(help: "Heatmap cells in percent of each hospital's samples instead of counts.")
    var percent = false

    func validate() throws {
        if let plot { _ = try plotFormat(plot) }
    }

    /// Draws one panel per plan into `plot`, when one was asked for.
    func draw(_ panels: [(plan: PartitionPlan, statistics: PartitionStatistics)]) throws {
        guard let plot else { return }
        do {
            let picture = try renderHeatmap(
                panels.map { (title: planTitle($0.plan), statistics: $0.statistics) }, scale: percent ? .percent : .counts,
                format: try plotFormat(plot))
            try FileIO.writeAtomically(picture, to: plot)
        } catch {
            Output.error("\(error)")
            throw ExitCode(1)
        }
    }
}

/// The plot format of a file name: SVG or PNG by its extension.
func plotFormat(_ path: String) throws(ValidationError) -> PlotFormat {
    let lower = path.lowercased()
    if lower.hasSuffix(".svg") { return .svg }
    if lower.hasSuffix(".png") { return .png }
    throw ValidationError("\(path): the plot file must end in .svg or .png")
}

enum PlotFormat { case svg, png }

/// The heatmap of one or more plans (one panel each), as SVG text or PNG bytes.
func renderHeatmap(_ panels: [(title: String, statistics: PartitionStatistics)], scale: Heatmap.Scale, format: PlotFormat) throws -> [UInt8] {
    switch format {
    case .svg: return Array(Heatmap.svg(panels: panels, scale: scale).utf8)
    case .png: return try Heatmap.png(panels: panels, scale: scale)
    }
}

/// Writes the statistics JSON when asked for.
func writeStatistics(_ statistics: PartitionStatistics, to path: String?) throws {
    guard let path else { return }
    do { try FileIO.writeAtomically(Array(Output.jsonLine(statistics).utf8) + [10], to: path) } catch {
        Output.error(error.description)
        throw ExitCode(1)
    }
}

/// "dirichlet alpha=0.1 minimumSize=10 … seed 3".
func planTitle(_ plan: PartitionPlan) -> String {
    ([plan.scheme] + plan.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + ["seed \(plan.seed)"]).joined(separator: " ")
}

/// Reads a plan file, refusing anything that is not a plan of a format this build reads.
func loadPlan(_ path: String) throws -> PartitionPlan {
    do { return try PartitionPlan.load(path) } catch {
        Output.error(error.description)
        throw ExitCode(1)
    }
}

/// Opens the plan's store (or `override`) and checks it is the store the plan was made for.
func openStore(of plan: PartitionPlan, planPath: String, override: String?) throws -> DatasetStore {
    let opened: DatasetStore
    do { opened = try DatasetStore(path: override ?? plan.store.path) } catch {
        Output.error(error.description)
        throw ExitCode(1)
    }
    guard opened.metadata.fingerprint == plan.store.fingerprint, opened.count == plan.store.count else {
        Output.error("\(planPath): made for another store (fingerprint or size differs from \(opened.path))")
        throw ExitCode(1)
    }
    return opened
}

/// `medsilo partition show PLAN`: the statistics table of a plan, optionally a heatmap picture.
struct PartitionShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a plan's hospitals × classes table, and draw it as a heatmap (SVG or PNG).")

    @Argument(help: "The plan file.")
    var plan: String

    @Option(help: "The store (default: the path recorded in the plan).")
    var store: String?

    @OptionGroup var heatmap: HeatmapOptions

    @Flag(help: "Print the statistics as one JSON object.")
    var json = false

    func run() throws {
        let loaded = try loadPlan(plan)
        let opened = try openStore(of: loaded, planPath: plan, override: store)
        let statistics = PartitionStatistics(plan: loaded, store: opened)
        try heatmap.draw([(loaded, statistics)])
        if json {
            print(Output.jsonLine(statistics))
        } else {
            print("\(plan): \(loaded.scheme) over \(loaded.hospitalCount) hospitals (\(loaded.grouping)-grouped, seed \(loaded.seed)); global test \(statistics.globalTest)")
            printTable(statistics, plan: loaded)
        }
    }
}

/// `medsilo partition compare PLAN…`: several plans of one store side by side.
struct PartitionCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare plans of the same store side by side: skew measures, sizes, and one heatmap with a panel per plan.")

    @Argument(help: "Two or more plan files of the same store.")
    var plans: [String]

    @Option(help: "The store (default: the path recorded in the first plan).")
    var store: String?

    @OptionGroup var heatmap: HeatmapOptions

    @Flag(help: "Print the comparison as one JSON object.")
    var json = false

    func validate() throws {
        guard plans.count >= 2 else { throw ValidationError("give two or more plan files") }
    }

    /// One plan's summary row.
    struct Row: Codable {
        var plan: String
        var scheme: String
        var title: String
        var hospitals: Int
        var grouping: String
        var smallest: Int
        var largest: Int
        var sizeCV: Double
        var meanClassesPerHospital: Double
        var meanJensenShannon: Double
        var meanHellinger: Double
        var meanEarthMovers: Double
        var dropped: Int
    }

    struct Comparison: Codable {
        var store: String
        var plans: [Row]
    }

    func run() throws {
        let loaded = try plans.map(loadPlan)
        let opened = try openStore(of: loaded[0], planPath: plans[0], override: store)
        for (path, plan) in zip(plans, loaded).dropFirst() { _ = try openStore(of: plan, planPath: path, override: opened.path) }
        let statistics = loaded.map { PartitionStatistics(plan: $0, store: opened) }
        let rows = zip(plans, zip(loaded, statistics)).map { path, pair in
            let (plan, s) = pair
            let sizes = s.hospitals.map { Double($0.samples) }
            let mean = sizes.reduce(0, +) / Double(max(1, sizes.count))
            let sd = (sizes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, sizes.count))).squareRoot()
            let classesHeld = s.hospitals.map { Double($0.classCounts.filter { $0 > 0 }.count) }
            return Row(
                plan: path, scheme: plan.scheme, title: planTitle(plan), hospitals: plan.hospitalCount, grouping: plan.grouping,
                smallest: Int(sizes.min() ?? 0), largest: Int(sizes.max() ?? 0), sizeCV: mean > 0 ? sd / mean : 0,
                meanClassesPerHospital: classesHeld.reduce(0, +) / Double(max(1, classesHeld.count)),
                meanJensenShannon: s.meanJensenShannon, meanHellinger: s.meanHellinger, meanEarthMovers: s.meanEarthMovers,
                dropped: s.dropped)
        }
        try heatmap.draw(Array(zip(loaded, statistics)))
        if json {
            print(Output.jsonLine(Comparison(store: opened.path, plans: rows)))
            return
        }
        print("\(opened.path): \(plans.count) plans, \(opened.classes.count) classes")
        let names = rows.map { $0.scheme + " " + ($0.plan.split(separator: "/").last.map(String.init) ?? $0.plan) }
        let width = min(60, (names.map(\.count).max() ?? 4) + 2)
        print("plan".padding(width) + "hosp".leftPadding(5) + "min".leftPadding(7) + "max".leftPadding(7) + "CV".leftPadding(6)
            + "cls/h".leftPadding(6) + "JS".leftPadding(7) + "Hell".leftPadding(7) + "EMD".leftPadding(7) + "dropped".leftPadding(8))
        for (row, name) in zip(rows, names) {
            print(String(name.prefix(width - 1)).padding(width)
                + String(row.hospitals).leftPadding(5) + String(row.smallest).leftPadding(7) + String(row.largest).leftPadding(7)
                + formatted(row.sizeCV, digits: 2).leftPadding(6) + formatted(row.meanClassesPerHospital, digits: 1).leftPadding(6)
                + formatted(row.meanJensenShannon, digits: 3).leftPadding(7) + formatted(row.meanHellinger, digits: 3).leftPadding(7)
                + formatted(row.meanEarthMovers, digits: 3).leftPadding(7) + String(row.dropped).leftPadding(8))
        }
        print("min/max: samples in the smallest/largest hospital; CV: their coefficient of variation; cls/h: classes held per hospital;")
        print("JS, Hell, EMD: mean Jensen–Shannon, Hellinger and earth mover's distance to the global label distribution")
    }
}

/// The hospitals × classes table with sizes and Jensen–Shannon distances, and what was dropped.
func printTable(_ statistics: PartitionStatistics, plan: PartitionPlan) {
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
    for group in plan.dropped { print("dropped \(group.samples.count) samples: \(group.reason)") }
}

import Imaging
