import Datasets
import Foundation
import Imaging
import Partitioning
import SyntheticSuite

/// One cell of a bench: a dataset, a partition and a seed, and in the straggler sweep the target's slowdown.
public struct BenchCell: Sendable, Codable, Equatable {
    public var dataset: String
    public var partition: String
    public var seed: UInt64
    /// Straggler sweep: how many times slower than the other hospitals the target trains.
    public var slowdown: Double?
    /// The cell's folder, relative to the bench folder.
    public var path: String
    /// A main cell whose target trains this many times slower than under the federation's speed profile
    /// (`targetSlowdowns`): its `partition` names the group (`dirichlet-a0.5-target-x4`), `planPartition`
    /// the partition whose plan it shares with the cell at the common speed.
    public var targetSlowdown: Double?
    public var planPartition: String?

    /// The partition label of the cell's plan.
    public var planLabel: String { planPartition ?? partition }

    public var label: String { "\(dataset)/\(partition)/s\(seed)" + (slowdown.map { " target ×\(BenchCell.factor($0)) slower" } ?? "") }

    static func factor(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}

/// A benchmark run (`medsilo bench`): for every dataset × partition × seed, pre-training (`medsilo
/// federate`), unlearning by every method (`medsilo unlearn`) and the audit (`medsilo evaluate`), then the
/// straggler sweep; then results.json, CSV tables and the report. Every phase writes its results when it
/// ends and is skipped when they are there, so a bench stopped at any moment continues where it stopped
/// when the same command runs again; a folder holding another bench is refused.
///
/// DIR/
///   bench.json                       the resolved config (what the folder holds)
///   data/synth/, data/stores/NAME/   the built-in suite's files and every dataset's store
///   plans/NAME-PARTITION-sSEED.json  partition plans
///   cells/NAME/PARTITION/sSEED/      federate/ (run folder), unlearn/ (with evaluation/)
///   stragglers/xFACTOR/              federate/, unlearn/
///   results.json, tables/*.csv, report.md, report.html
public final class Bench {
    public let config: BenchConfig
    public let folder: String
    let cores: Int
    public let cells: [BenchCell]
    public let sweep: [BenchCell]

    public init(config: BenchConfig, folder: String, cores: Int) {
        self.config = config
        self.folder = folder
        self.cores = cores
        var cells: [BenchCell] = []
        for dataset in config.datasets {
            for partition in config.partitions {
                for factor in config.targetSlowdowns ?? [1] {
                    let group = factor == 1 ? partition.label : "\(partition.label)-target-x\(BenchCell.factor(factor))"
                    for seed in config.seeds {
                        cells.append(BenchCell(
                            dataset: dataset.name, partition: group, seed: seed, slowdown: nil, path: "cells/\(dataset.name)/\(group)/s\(seed)",
                            targetSlowdown: factor == 1 ? nil : factor, planPartition: factor == 1 ? nil : partition.label))
                    }
                }
            }
        }
        self.cells = cells
        // A slowdown of 1 on a main cell whose hospitals all train at the sweep's speed is that cell: its
        // folder is reused.
        let speeds = config.federation.speeds
        let uniform = speeds.kind == "fixed" && speeds.samplesPerSecond == config.stragglers?.samplesPerSecond
        sweep = (config.stragglers?.factors ?? []).map {
            BenchCell(
                dataset: config.datasets[0].name, partition: config.partitions[0].label, seed: config.seeds[0], slowdown: $0,
                path: $0 == 1 && uniform ? cells[0].path : "stragglers/x\(BenchCell.factor($0))")
        }
    }

    func path(_ relative: String) -> String { folder + "/" + relative }

    /// Host seconds of each phase of a cell (or of the data), in `FOLDER/seconds.json`: what the phase's
    /// last run took. A phase read back from its results takes no time and keeps the figure of the run that
    /// computed it; one resumed after a kill records the resumed part only.
    func recordSeconds(since start: ContinuousClock.Instant, phase: String, in relative: String) throws(RunError) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        var table = hostSeconds(relative) ?? [:]
        guard table[phase] == nil || seconds > 0.5 else { return }
        table[phase] = (seconds * 1000).rounded() / 1000
        try make(path(relative))
        try write(Array(FederatedRun.json(table).utf8) + [10], to: path(relative + "/seconds.json"))
    }

    func hostSeconds(_ relative: String) -> [String: Double]? {
        guard let bytes = try? FileIO.read(path(relative + "/seconds.json")) else { return nil }
        return try? JSONDecoder().decode([String: Double].self, from: Data(bytes))
    }

    // MARK: Running

    /// Runs (or reuses) every phase, then writes the results and the report.
    public func run(progress: (String) -> Void = { _ in }) throws(RunError) -> BenchResults {
        let lock = try claim()
        defer { close(lock) }

        var phases = ["data"]
        for cell in cells + sweep {
            if cell.slowdown != nil, cells.contains(where: { $0.path == cell.path }) {
                phases += ["reused", "reused"]
            } else {
                phases += cell.slowdown == nil ? ["federate", "unlearn", "evaluate"] : ["federate", "unlearn"]
            }
        }
        var clock = PhaseClock(plan: phases)
        func report(_ cell: String, _ phase: String) {
            progress("[\(clock.done + 1)/\(clock.total)] \(cell) · \(phase) · \(clock.elapsedText)\(clock.etaText.map { " · ETA \($0)" } ?? "")")
        }
        report("data", "stores and plans")
        var started = ContinuousClock.now
        let stores = try prepareData(progress: progress)
        try recordSeconds(since: started, phase: "data", in: "data")
        clock.finish("data")

        for cell in cells + sweep {
            if cell.slowdown != nil, cells.contains(where: { $0.path == cell.path }) {
                clock.finish("reused")
                clock.finish("reused")
                continue
            }
            let store = stores[cell.dataset]!
            let plan = try planPath(cell, store: store)
            report(cell.label, "federate")
            started = ContinuousClock.now
            let runFolder = try federate(cell, store: store, plan: plan, progress: progress)
            try recordSeconds(since: started, phase: "federate", in: cell.path)
            if cell.slowdown == nil, config.centralEpochCount > 0 {
                started = ContinuousClock.now
                _ = try central(cell, run: runFolder)
                try recordSeconds(since: started, phase: "central", in: cell.path)
            }
            clock.finish("federate")
            report(cell.label, "unlearn")
            started = ContinuousClock.now
            try unlearn(cell, run: runFolder, progress: progress)
            try recordSeconds(since: started, phase: "unlearn", in: cell.path)
            clock.finish("unlearn")
            if cell.slowdown == nil {
                report(cell.label, "evaluate")
                started = ContinuousClock.now
                try evaluate(cell, progress: progress)
                try recordSeconds(since: started, phase: "evaluate", in: cell.path)
                clock.finish("evaluate")
            }
        }
        progress("writing results.json, tables and the report (\(clock.elapsedText))")
        let results = try collect(stores: stores)
        try BenchReport(bench: self, results: results).write()
        try write(Array(FederatedRun.json(results).utf8) + [10], to: path("results.json"))
        return results
    }

    /// Makes the folder this bench's, or checks it already is, and holds its lock (the returned
    /// descriptor) so no second process works in it. A folder with anything in it but a lock or a
    /// killed write's temporary file, and no bench.json, is refused untouched.
    func claim() throws(RunError) -> Int32 {
        let identity = Array(FederatedRun.json(config).utf8) + [10]
        var stored: [UInt8]?
        // Checked before the folder is made (a folder that is not ours is refused untouched) and again under
        // the lock (another bench may have claimed it in between).
        let lock = try FederatedRun.claim(folder) { () throws(RunError) in
            stored = try? FileIO.read(path("bench.json"))
            if stored == nil, access(folder, F_OK) == 0 {
                let entries = ((try? FileIO.listFiles(in: folder, recursive: true)) ?? []).filter {
                    let name = $0.split(separator: "/").last.map(String.init) ?? $0
                    return name != ".lock" && !name.contains(".tmp-")
                }
                guard entries.isEmpty else {
                    throw RunError("\(folder) exists and is not a bench folder; results are never overwritten (choose another --out)")
                }
            }
            if let stored, stored != identity {
                throw RunError("\(folder) holds another bench (its bench.json differs); choose another --out, or run the same preset or config to continue it")
            }
        }
        if stored == nil {
            do { try write(identity, to: path("bench.json")) } catch {
                close(lock)
                throw error
            }
        }
        return lock
    }

    // MARK: Data

    /// Every dataset's store (absolute path), building what is missing: the synthetic suite's files and
    /// stores, MedMNIST stores; given stores are opened to check them.
    func prepareData(progress: (String) -> Void) throws(RunError) -> [String: String] {
        var stores: [String: String] = [:]
        let tasks = config.datasets.compactMap(\.synthetic)
        if !tasks.isEmpty, access(path("data/synth/.complete"), F_OK) != 0 {
            progress("writing the synthetic suite (\(tasks.joined(separator: ", "))) to \(path("data/synth"))")
            let options: SynthOptions
            do { options = try config.synthOptions(threads: cores) } catch { throw RunError("synthetic.\(error.description)") }
            do { _ = try SyntheticSuite.generate(options, to: path("data/synth")) } catch { throw RunError("synthetic suite: \(error.description)") }
            try write([], to: path("data/synth/.complete"))
        }
        for dataset in config.datasets {
            if let given = dataset.store {
                do { _ = try DatasetStore(path: given) } catch { throw RunError("dataset \(dataset.name): \(error.description)") }
                stores[dataset.name] = absolute(given)
                continue
            }
            let store = path("data/stores/" + dataset.name)
            if (try? DatasetStore(path: store)) == nil {
                let source = dataset.synthetic.map { path("data/synth/" + $0) } ?? dataset.medmnist!
                let channels = dataset.channels ?? (dataset.synthetic == "ct" ? 1 : 3)
                progress("ingesting \(dataset.name) (\(source)) at \(dataset.size ?? 28)×\(dataset.size ?? 28)×\(channels)")
                let kind: LayoutKind = dataset.medmnist != nil ? .medmnist : .auto
                do {
                    let manifest = try LayoutSelection.manifest(source: source, kind: kind, options: LayoutOptions())
                    let options = IngestOptions(preprocessing: PreprocessSettings(size: dataset.size ?? 28, channels: channels))
                    _ = try Ingest.run(manifest, to: store, options: options, progress: { _ in }, shouldStop: { false })
                } catch { throw RunError("dataset \(dataset.name): \(error.description)") }
            }
            stores[dataset.name] = absolute(store)
        }
        return stores
    }

    /// The cell's partition plan, built if missing.
    func planPath(_ cell: BenchCell, store: String) throws(RunError) -> String {
        let file = path("plans/\(cell.dataset)-\(cell.planLabel)-s\(cell.seed).json")
        if access(file, F_OK) == 0 { return absolute(file) }
        let partition = config.partitions.first { $0.label == cell.planLabel }!
        let opened: DatasetStore
        do { opened = try DatasetStore(path: store) } catch { throw RunError(error.description) }
        let plan: PartitionPlan
        do {
            let partitioner: any Partitioner = switch partition.scheme {
            case "iid": IIDPartitioner()
            case "natural": NaturalPartitioner()
            default: DirichletPartitioner(alpha: partition.alpha ?? 0.5, minimumSize: 10, selfBalancing: false)
            }
            plan = try PlanBuilder.build(
                store: opened, partitioner: partitioner, hospitals: partition.hospitals, seed: cell.seed,
                reserve: config.auditReserve.map { (config.target, $0) })
        } catch { throw RunError("\(cell.dataset), partition \(cell.partition): \(error.description)") }
        guard config.target < plan.hospitals.count else {
            throw RunError("\(cell.dataset), partition \(cell.partition): target \(config.target) is not among its \(plan.hospitals.count) hospitals")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(plan) else { throw RunError("\(file): cannot encode the plan") }
        try make(path("plans"))
        try write(Array(data) + [10], to: file)
        return absolute(file)
    }

    // MARK: Phases

    /// Pre-trains the cell's federation (resuming a run that has a checkpoint); returns the run folder.
    func federate(_ cell: BenchCell, store: String, plan: String, progress: (String) -> Void) throws(RunError) -> String {
        let run = path(cell.path + "/federate")
        var experiment = config.federation
        experiment.store = store
        experiment.plan = plan
        experiment.seed = cell.seed
        experiment.threads = nil
        // Every update of the hospital that will withdraw, so pre-erasure can subtract all of it.
        if experiment.history.isOn { experiment.history.hospitals = [config.target] }
        if let slowdown = cell.slowdown, let stragglers = config.stragglers {
            var speeds = ExperimentConfig.Speeds()
            speeds.kind = "stragglers"
            speeds.samplesPerSecond = stragglers.samplesPerSecond
            speeds.hospitals = [config.target]
            speeds.slowdown = slowdown
            experiment.speeds = speeds
        }
        if let factor = cell.targetSlowdown {
            // Checked with the config: fixed speeds, or stragglers slowed by this same factor.
            var speeds = experiment.speeds
            if speeds.kind == "fixed" {
                speeds.kind = "stragglers"
                speeds.hospitals = [config.target]
                speeds.slowdown = factor
            } else {
                speeds.hospitals = (speeds.hospitals ?? []) + [config.target]
            }
            experiment.speeds = speeds
        }
        let resolved: Experiment
        do { resolved = try Experiment.resolve(experiment, directory: "", cores: cores) } catch {
            throw RunError("\(cell.label): \(Self.field("federation", error))")
        }
        let resume = access(run + "/checkpoint.safetensors", F_OK) == 0
        if !resume { try removeTree(run) }
        try make(path(cell.path))
        do {
            _ = try FederatedRun(experiment: resolved, folder: run).run(resume: resume) { step in
                if step.step % max(1, step.steps / 4) == 0 {
                    progress("    step \(step.step)/\(step.steps) · virtual \(Int(step.virtualTime)) s\(step.evaluation.map { " · test \(BenchReport.fixed($0.test.accuracy, 3))" } ?? "")")
                }
            }
        } catch { throw RunError("\(cell.label): \(error.description)") }
        return run
    }

    /// Unlearns the cell's target with every method (the sweep: the listed ones), resuming what was done.
    func unlearn(_ cell: BenchCell, run: String, progress: (String) -> Void) throws(RunError) {
        let out = path(cell.path + "/unlearn")
        if access(out + "/results.json", F_OK) == 0 { return }
        var unlearning = config.unlearning
        unlearning.seed = cell.seed
        if cell.slowdown != nil, let labels = config.stragglers?.methods {
            unlearning.methods = unlearning.methods.filter { labels.contains($0.label ?? $0.defaultLabel) }
        }
        let resume = access(out + "/unlearn.json", F_OK) == 0
        if !resume { try removeTree(out) }
        do {
            let session = try UnlearningSession(run: run, config: unlearning, cores: cores)
            _ = try session.run(out: out, resume: resume) { progress("    " + $0) }
        } catch let error as ConfigError {
            throw RunError("\(cell.label): \(Self.field("unlearning", error))")
        } catch let error as RunError {
            throw RunError("\(cell.label): \(error.description)")
        } catch { throw RunError("\(cell.label): \(error)") }
    }

    /// Audits every model of the cell's unlearning (resuming what was done).
    func evaluate(_ cell: BenchCell, progress: (String) -> Void) throws(RunError) {
        let unlearning = path(cell.path + "/unlearn")
        // Done, unless written before the verdict's patient bootstrap: then rerun, which reads every model's
        // figures and the shadows back and only recomputes the verdict.
        if let bytes = try? FileIO.read(unlearning + "/evaluation/evaluation.json"),
           let stored = try? FederatedRun.decoder().decode(EvaluationResults.self, from: Data(bytes)),
           stored.verdict == nil || stored.verdict?.resamples != nil
        { return }
        var settings = config.evaluation
        settings.seed = settings.seed &+ cell.seed
        do {
            let evaluation = try UnlearningEvaluation(unlearning: unlearning, settings: settings, cores: cores)
            _ = try evaluation.run { progress("    " + $0) }
        } catch let error as ConfigError {
            throw RunError("\(cell.label): \(Self.field("evaluation", error))")
        } catch let error as RunError {
            throw RunError("\(cell.label): \(error.description)")
        } catch { throw RunError("\(cell.label): \(error)") }
    }

    /// A config error of a block, its field prefixed with the block's name (when it has one).
    static func field(_ block: String, _ error: ConfigError) -> String {
        error.field.isEmpty ? error.reason : "\(block).\(error.field): \(error.reason)"
    }

    // MARK: Files

    func make(_ directory: String) throws(RunError) {
        do { try FileIO.createDirectory(directory) } catch { throw RunError(error.description) }
    }

    func write(_ bytes: [UInt8], to file: String) throws(RunError) {
        do { try FileIO.writeAtomically(bytes, to: file) } catch { throw RunError(error.description) }
    }

    /// Removes a phase's partial folder that holds nothing to resume from.
    func removeTree(_ directory: String) throws(RunError) {
        guard access(directory, F_OK) == 0 else { return }
        do { try FileManager.default.removeItem(atPath: directory) } catch { throw RunError("\(directory): cannot remove a partial phase (\(error))") }
    }

    func absolute(_ file: String) -> String {
        guard let resolved = realpath(file, nil) else { return file }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Phases done, host time, and the estimate of what remains: each phase still to run at the mean time of
/// its kind so far in this session (of every phase measured, for a kind not yet seen). Phases read back
/// take no time and are not counted; reused ones count nothing.
struct PhaseClock {
    let plan: [String]
    var done = 0
    let start = ContinuousClock.now
    var last = ContinuousClock.now
    var durations: [String: [Double]] = [:]

    init(plan: [String]) { self.plan = plan }

    var total: Int { plan.count }

    mutating func finish(_ kind: String) {
        let now = ContinuousClock.now
        let seconds = Double((now - last).components.seconds) + Double((now - last).components.attoseconds) * 1e-18
        if seconds > 0.5 { durations[kind, default: []].append(seconds) }
        last = now
        done += 1
    }

    var elapsedText: String { Self.duration(Double((ContinuousClock.now - start).components.seconds)) }

    var etaText: String? {
        let measured = durations.values.flatMap { $0 }
        guard !measured.isEmpty else { return nil }
        let overall = measured.reduce(0, +) / Double(measured.count)
        let remaining = plan.dropFirst(done).reduce(0.0) { sum, kind in
            kind == "reused" ? sum : sum + (durations[kind].map { $0.reduce(0, +) / Double($0.count) } ?? overall)
        }
        return Self.duration(remaining)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
