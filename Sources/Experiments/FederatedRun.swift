import Federation
import Foundation
import Imaging
import NeuralEngine
import Training

#if canImport(Glibc)
import Glibc
#endif

/// Why a run could not start or go on.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Global-test and per-hospital validation figures of the global model.
public struct Evaluation: Sendable, Codable, Equatable {
    public struct Figures: Sendable, Codable, Equatable {
        public var accuracy: Double
        public var balancedAccuracy: Double
        public var macroAUC: Double?
        public var loss: Double
        public var samples: Int
    }

    public var test: Figures
    /// One per hospital, in plan order (hospitals without validation samples show 0 samples).
    public var validation: [Figures]
    /// With a backdoor: the share of triggered test images (true class other than the backdoor's)
    /// classified as the backdoor's class.
    public var backdoorSuccess: Double?
}

/// One line of metrics.jsonl: a round or server version.
public struct StepMetrics: Sendable, Codable, Equatable {
    public var step: Int
    public var virtualTime: Double
    public var hostSeconds: Double
    public var trainLoss: Double?
    public var contributors: [Int]
    /// Present on evaluation steps.
    public var evaluation: Evaluation?
}

/// results.json: written last, so its presence means the run is complete.
public struct RunResults: Sendable, Codable, Equatable {
    public var format = "medsilo-federate"
    public var version = 1
    public var strategy: String
    public var synchronous: Bool
    public var model: String
    public var parameters: Int
    public var hospitals: Int
    /// Each hospital's training speed (samples per virtual second) as drawn from the profile.
    public var speeds: [Double]
    public var steps: Int
    public var virtualSeconds: Double
    /// Host seconds over all sessions of the run (machine-dependent, not a result).
    public var hostSeconds: Double
    public var final: Evaluation
    public var history: HistorySummary?

    public struct HistorySummary: Sendable, Codable, Equatable {
        public var updates: Int
        public var bytes: Int
    }
}

/// What the terminal shows after each step.
public struct RunProgress: Sendable {
    public var step: Int
    public var steps: Int
    public var synchronous: Bool
    public var virtualTime: Double
    public var trainLoss: Double?
    public var evaluation: Evaluation?
    /// Host seconds of this session so far, and the estimate of what remains.
    public var hostSeconds: Double
    public var remainingSeconds: Double
    public var resumedFrom: Int
}

/// A federated run in a run folder:
///
/// - `config.json` — the resolved config (every default filled in);
/// - `events.jsonl` — every event: virtual time, host time, kind, hospital, versions, staleness;
/// - `metrics.jsonl` — one line per round/version, with the global model's test figures and each
///   hospital's validation figures on evaluation steps;
/// - `checkpoint.safetensors` — the latest checkpoint (simulation state; log lengths in its metadata);
/// - `history/` — kept client updates (one safetensors file each) and `index.jsonl`, when asked for;
/// - `model.safetensors` and `results.json` at the end (results last: its presence marks a finished run).
///
/// Files are replaced atomically; the logs are appended a whole step at a time and cut back to the
/// checkpoint's lengths when a run resumes, so a run killed at any point resumes to exactly the results of
/// an uninterrupted one. A folder that exists is never reused unless resuming, and a lock keeps two
/// processes off one folder.
public final class FederatedRun {
    public let experiment: Experiment
    public let folder: String

    public init(experiment: Experiment, folder: String) {
        self.experiment = experiment
        self.folder = folder
    }

    var configJSON: String {
        var comparable = experiment.config
        comparable.threads = nil  // results do not depend on it; a resume may use another machine
        return Self.json(comparable)
    }

    /// Holds `folder/.lock` (`FileIO.lock`: an exclusive flock, released when the descriptor closes or the
    /// process dies, with the holder's PID in the file), so no second medsilo process works in the folder;
    /// returns the descriptor.
    static func lock(_ folder: String) throws(RunError) -> Int32 {
        do { return try FileIO.lock(folder + "/.lock", for: folder) } catch { throw RunError(error.description) }
    }

    /// Makes `folder` and holds its lock (the returned descriptor). `check` refuses a folder that is not the
    /// caller's to write; it runs before anything is written, so a refused folder is left untouched, and
    /// again once the lock is held, since another process may have written there in between.
    static func claim(_ folder: String, check: () throws(RunError) -> Void) throws(RunError) -> Int32 {
        try check()
        do { try FileIO.createDirectory(folder) } catch { throw RunError(error.description) }
        let lock = try lock(folder)
        do throws(RunError) { try check() } catch {
            close(lock)
            throw error
        }
        return lock
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    /// The decoder for what `json` wrote, non-finite numbers included ("inf", "-inf", "nan").
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    func file(_ name: String) -> String { folder + "/" + name }

    /// Runs (or, with `resume`, continues) the experiment to the end and returns its results; `progress`
    /// after every step. A finished run folder given with `resume` returns its results at once.
    public func run(resume: Bool, progress: (RunProgress) -> Void = { _ in }) throws(RunError) -> (results: RunResults, alreadyFinished: Bool) {
        let lock = try prepareFolder(resume: resume)
        defer { close(lock) }
        if resume, access(file("results.json"), F_OK) == 0 {
            do {
                let results = try FederatedRun.decoder().decode(RunResults.self, from: Data(try FileIO.read(file("results.json"))))
                return (results, true)
            } catch { throw RunError("\(file("results.json")): unreadable (\(error))") }
        }
        let model = experiment.makeModel()
        let simulation = FederationSimulation(model: model, samples: experiment.samples, hospitals: experiment.training, settings: experiment.settings)
        var hostBefore = 0.0
        var lengths = ["events": 0, "metrics": 0, "historyIndex": 0]
        var historyUpdates = 0, historyBytes = 0
        if resume, access(file("checkpoint.safetensors"), F_OK) == 0 {
            do {
                let bytes = try FileIO.read(file("checkpoint.safetensors"))
                try simulation.restore(bytes)
                let metadata = try FederationSimulation.checkpointMetadata(bytes)
                for key in lengths.keys { lengths[key] = Int(metadata["run.\(key)Bytes"] ?? "") ?? 0 }
                hostBefore = Double(metadata["run.hostSeconds"] ?? "") ?? 0
                historyUpdates = Int(metadata["run.historyUpdates"] ?? "") ?? 0
                historyBytes = Int(metadata["run.historyFileBytes"] ?? "") ?? 0
            } catch let error as FederationSimulation.CheckpointError {
                throw RunError("\(file("checkpoint.safetensors")): \(error.description)")
            } catch {
                throw RunError("\(file("checkpoint.safetensors")): \(error)")
            }
        }
        let keepHistory = experiment.config.history.isOn
        if keepHistory { try make(file("history")) }
        let events = try AppendLog(file("events.jsonl"), length: lengths["events"]!)
        let metrics = try AppendLog(file("metrics.jsonl"), length: lengths["metrics"]!)
        let index = keepHistory ? try AppendLog(file("history/index.jsonl"), length: lengths["historyIndex"]!) : nil
        defer {
            events.close()
            metrics.close()
            index?.close()
        }

        let started = ContinuousClock.now
        func hostNow() -> Double {
            let d = ContinuousClock.now - started
            return hostBefore + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var pendingEvents: [UInt8] = []
        simulation.onEvent = { event in
            var line = Self.json(event)
            line.insert(contentsOf: "\"hostTime\":\(Self.rounded(hostNow())),", at: line.index(after: line.startIndex))
            pendingEvents += Array(line.utf8) + [10]
        }
        var pendingIndex: [UInt8] = []
        var writeFailure: RunError?
        if keepHistory {
            let history = experiment.config.history
            simulation.onUpdate = { [folder] folded in
                guard history.keeps(step: folded.step, hospital: folded.update.hospital), writeFailure == nil else { return }
                let name = String(format: "history/step-%06d-%02d-h%03d.safetensors", folded.step, folded.position, folded.update.hospital)
                let metadata = [
                    "hospital": String(folded.update.hospital), "step": String(folded.step), "baseVersion": String(folded.update.baseVersion),
                    "staleness": String(folded.staleness), "weight": String(folded.weight), "samples": String(folded.update.samples),
                ]
                let bytes = Safetensors.encode(arrays: ["delta": .f32(folded.update.delta)], metadata: metadata)
                do { try FileIO.writeAtomically(bytes, to: folder + "/" + name) } catch {
                    writeFailure = RunError("\(error)")
                    return
                }
                historyUpdates += 1
                historyBytes += bytes.count
                let entry = HistoryStore.Entry(
                    file: name, step: folded.step, hospital: folded.update.hospital, baseVersion: folded.update.baseVersion,
                    staleness: folded.staleness, weight: folded.weight, samples: folded.update.samples, bytes: bytes.count)
                pendingIndex += Array(Self.json(entry).utf8) + [10]
            }
        }

        let steps = experiment.settings.protocolKind.steps
        let resumedFrom = simulation.step
        var lastEvaluation: Evaluation?
        while let report = simulation.advance() {
            if let writeFailure { throw writeFailure }
            let last = simulation.isFinished
            let evaluation = report.step % experiment.config.evaluation.every == 0 || last ? evaluate(simulation) : nil
            if let evaluation { lastEvaluation = evaluation }
            let line = StepMetrics(
                step: report.step, virtualTime: report.virtualTime, hostSeconds: report.hostSeconds, trainLoss: report.trainLoss,
                contributors: report.contributors, evaluation: evaluation)
            try events.append(pendingEvents)
            try index?.append(pendingIndex)
            try metrics.append(Array(Self.json(line).utf8) + [10])
            pendingEvents = []
            pendingIndex = []
            if report.step % experiment.checkpointEvery == 0 || last {
                let metadata = [
                    "run.eventsBytes": String(events.length), "run.metricsBytes": String(metrics.length),
                    "run.historyIndexBytes": String(index?.length ?? 0), "run.historyUpdates": String(historyUpdates),
                    "run.historyFileBytes": String(historyBytes), "run.hostSeconds": String(hostNow()),
                ]
                try write(simulation.checkpoint(metadata: metadata), to: "checkpoint.safetensors")
            }
            let session = hostNow() - hostBefore
            let done = report.step - resumedFrom
            progress(
                RunProgress(
                    step: report.step, steps: steps, synchronous: experiment.settings.protocolKind.isSynchronous, virtualTime: report.virtualTime,
                    trainLoss: report.trainLoss, evaluation: evaluation, hostSeconds: session,
                    remainingSeconds: done > 0 ? session / Double(done) * Double(steps - report.step) : 0, resumedFrom: resumedFrom))
        }
        if let writeFailure { throw writeFailure }
        try events.append(pendingEvents)
        // A run that ran out of hospitals (all left) ends early; it still gets its final figures.
        let final = lastEvaluation ?? evaluate(simulation)
        model.parameters.values = simulation.global
        try write(Safetensors.encode(model), to: "model.safetensors")
        let results = RunResults(
            strategy: experiment.config.strategy.name, synchronous: experiment.settings.protocolKind.isSynchronous, model: experiment.config.model,
            parameters: simulation.global.count, hospitals: experiment.training.count, speeds: simulation.speeds, steps: simulation.step,
            virtualSeconds: simulation.virtualTime, hostSeconds: hostNow(), final: final,
            history: keepHistory ? .init(updates: historyUpdates, bytes: historyBytes) : nil)
        try write(Array(Self.json(results).utf8) + [10], to: "results.json")
        return (results, false)
    }

    static func rounded(_ seconds: Double) -> String { String(format: "%.6f", seconds) }

    func evaluate(_ simulation: FederationSimulation) -> Evaluation {
        let results = simulation.evaluate(
            sets: [experiment.test] + experiment.validation, classes: experiment.store.classes.count, batchSize: experiment.config.evaluation.batch)
        let figures = results.map { result in
            Evaluation.Figures(
                accuracy: result.metrics.accuracy, balancedAccuracy: result.metrics.balancedAccuracy, macroAUC: result.metrics.macroAUC,
                loss: result.loss, samples: result.metrics.samples)
        }
        var success: Double?
        if let backdoor = experiment.backdoor {
            let model = experiment.makeModel()
            model.parameters.values = simulation.global
            success = Backdoor.successRate(
                model: model, source: experiment.store, indices: experiment.test, targetClass: backdoor.targetClass,
                batchSize: experiment.config.evaluation.batch, trigger: experiment.trigger)
        }
        return Evaluation(test: figures[0], validation: Array(figures.dropFirst()), backdoorSuccess: success)
    }

    func write(_ bytes: [UInt8], to name: String) throws(RunError) {
        do { try FileIO.writeAtomically(bytes, to: file(name)) } catch { throw RunError(error.description) }
    }

    func make(_ path: String) throws(RunError) {
        do { try FileIO.createDirectory(path) } catch { throw RunError(error.description) }
    }

    /// Creates (or, resuming, checks) the folder and takes its lock; returns the lock's descriptor.
    func prepareFolder(resume: Bool) throws(RunError) -> Int32 {
        let lock = try Self.claim(folder) { () throws(RunError) in
            if resume {
                guard access(file("config.json"), F_OK) == 0 else {
                    throw RunError("\(folder) is not a run folder to resume (no config.json); start it without --resume")
                }
            } else if !((try? FileIO.listFiles(in: folder, recursive: false)) ?? []).isEmpty {
                throw RunError("\(folder) exists and is not empty; a run folder is never overwritten (choose another --out, or --resume it)")
            }
        }
        if resume {
            // A process killed in the middle of an atomic write leaves its temporary file; the folder
            // is locked now, so any such file is stale.
            for name in ((try? FileIO.listFiles(in: folder, recursive: true)) ?? []) where name.contains(".tmp-") {
                unlink(name)
            }
            let stored: String
            do { stored = String(decoding: try FileIO.read(file("config.json")), as: UTF8.self) } catch {
                close(lock)
                throw RunError(error.description)
            }
            let current = configJSON
            if stored.trimmingCharacters(in: .whitespacesAndNewlines) != current {
                close(lock)
                throw RunError("\(file("config.json")): the run was started with another config\(Self.firstDifference(stored, current)); resume it with the same config")
            }
        } else {
            do { try FileIO.writeAtomically(Array(configJSON.utf8) + [10], to: file("config.json")) } catch {
                close(lock)
                throw RunError(error.description)
            }
        }
        return lock
    }

    /// " (field X differs)" for the first top-level field whose JSON differs, or "".
    static func firstDifference(_ a: String, _ b: String) -> String {
        guard let x = try? JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any],
            let y = try? JSONSerialization.jsonObject(with: Data(b.utf8)) as? [String: Any]
        else { return "" }
        for key in Set(x.keys).union(y.keys).sorted() {
            let left = x[key].map { "\($0)" }, right = y[key].map { "\($0)" }
            if left != right { return " (\(key): \(left ?? "absent") then, \(right ?? "absent") now)" }
        }
        return ""
    }
}

/// A file appended a whole step at a time, cut back to a known length when a run resumes.
final class AppendLog {
    let path: String
    let fd: Int32
    private(set) var length: Int

    init(_ path: String, length: Int) throws(RunError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        var status = stat()
        fstat(fd, &status)
        guard Int(status.st_size) >= length else {
            Glibc.close(fd)
            throw RunError("\(path): shorter (\(status.st_size) bytes) than the checkpoint recorded (\(length)); the run folder was changed by hand")
        }
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) >= 0 else {
            Glibc.close(fd)
            throw RunError("\(path): cannot cut back to \(length) bytes")
        }
        self.length = length
    }

    func append(_ bytes: [UInt8]) throws(RunError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RunError("\(path): write failed (\(String(cString: strerror(errno))))") }
            done += n
        }
        length += bytes.count
    }

    func close() { Glibc.close(fd) }
}
