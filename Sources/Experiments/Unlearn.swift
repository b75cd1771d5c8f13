import Auditing
import Federation
import Foundation
import Imaging
import NeuralEngine
import Seeding
import Training
import Unlearning

/// What one method did, on the federation's virtual clock.
public struct MethodResult: Sendable, Codable, Equatable {
    public var label: String
    public var method: String
    /// Virtual time when the method's model was served: the merge (afu-ic), the end of the post-training
    /// rounds (pga), the end of retraining (retrain).
    public var servedAt: Double
    /// Evaluations from the request through the continuation phase.
    public var timeline: [TimelinePoint]
    public var final: TimelinePoint
    public var latency: Latency?
    /// Client-seconds the retained hospitals spent waiting because of the erasure.
    public var stallClientSeconds: Double
    /// Samples × epochs of local work (training and erasure) from the request until the model was served.
    public var clientSampleEpochs: Double
    /// Model transfers × model bytes from the request until the model was served.
    public var communicationBytes: Int
    /// What the method needed the server to keep (stored updates, models).
    public var serverStorageBytes: Int
    public var erasure: LocalEraser.Report?
    /// afu-ic: the γ the merge used (nil when the probe guard refused every γ), the calibrated steps and
    /// the mean share of a step's norm calibration removed.
    public var gamma: Double?
    public var calibratedSteps: Int?
    public var meanRemovedFraction: Double?
    /// Membership inference against the final model on the target's data.
    public var audit: MembershipAudit?
    /// Whether the forgetting held over the continuation, and how far the final model is from retraining's.
    public var persistence: Persistence?
    public var toRetrain: DistanceToRetrain?
    public var notes: [String]
    /// afu-ic: the stopping rule, the merge's guard, recovery and the closed loop.
    public var afu: AFUDetails?
}

/// results.json of an unlearning experiment.
public struct UnlearningResults: Sendable, Codable, Equatable {
    public var format = "medsilo-unlearn"
    public var version = 1
    public var run: String
    public var target: Int
    public var requestTime: Double
    public var requestStep: Int
    public var backdoor: Bool
    /// The pre-trained model at the request, and its membership audit.
    public var original: TimelinePoint
    public var originalAudit: MembershipAudit
    public var methods: [MethodResult]
    public var criterion: UnlearningConfig.Criterion
}

/// An unlearning experiment on a pre-trained run: rebuilds the federation at the request from the run
/// (its final checkpoint, or a deterministic replay to an earlier step or time) and runs every method
/// from that same state.
public final class UnlearningSession {
    public let experiment: Experiment
    public let config: UnlearningConfig
    public let runFolder: String
    let history: HistoryStore?
    let forget: [Int]
    /// The target's samples the membership audit asks about: all of them, or with a backdoor the ones left
    /// clean — a stamped, relabelled sample is told apart by the trigger alone (the backdoor's success
    /// measures that), which would swamp what the attacks say about membership.
    let auditForget: [Int]
    /// The target's stamped samples (with a backdoor), labelled with the backdoor's class.
    let stampedForget: [Int]
    let probe: [Int]
    /// The state at the request.
    private(set) var requestCheckpoint: [UInt8] = []
    public private(set) var requestTime = 0.0
    public private(set) var requestStep = 0
    var anchor: [Float] = []
    /// The membership audit's sample sets (seeded by the config).
    lazy var sets = auditSets()

    /// Opens the run and checks the config against it; every problem is reported before anything runs.
    public init(run folder: String, config: UnlearningConfig, cores: Int) throws(ConfigError) {
        let text: String
        do { text = String(decoding: try FileIO.read(folder + "/config.json"), as: UTF8.self) } catch {
            throw ConfigError("", "\(folder) is not a run of medsilo federate (\(error.description))")
        }
        guard access(folder + "/checkpoint.safetensors", F_OK) == 0 else {
            throw ConfigError("", "\(folder) has no checkpoint: the run made no step yet")
        }
        let pretraining = try ExperimentConfig.parse(text)
        experiment = try Experiment.resolve(pretraining, directory: "", cores: cores)
        self.config = config
        // The folder as an absolute path, so a resumed experiment recognises its run however it is typed.
        if let resolved = realpath(folder, nil) {
            runFolder = String(cString: resolved)
            free(resolved)
        } else {
            runFolder = folder
        }
        do { history = try HistoryStore(run: folder) } catch { throw ConfigError("", error.description) }
        let hospitals = experiment.training.count
        guard config.target < hospitals else { throw ConfigError("target", "hospital \(config.target) is not in the run (0–\(hospitals - 1))") }
        guard hospitals >= 2 else { throw ConfigError("target", "the run has one hospital; erasing it leaves nobody to train") }
        forget = experiment.training[config.target]
        let stamped = Set((experiment.samples as? BackdooredSamples)?.stamped ?? [])
        auditForget = forget.filter { !stamped.contains($0) }
        stampedForget = forget.filter { stamped.contains($0) }
        // The server's probe: the retained hospitals' held-out samples (validation and local test splits,
        // never trained on, disjoint from the global test set), as a federated evaluation would see them.
        let (store, target) = (experiment.store, config.target)
        probe = experiment.plan.hospitals.enumerated().filter { $0.offset != target }
            .flatMap { $0.element.val + $0.element.test }.filter { !store.labels($0).isEmpty }.sorted()
        for (i, method) in config.methods.enumerated() {
            if (method.preErase ?? 0) > 0 || (method.storedUpdates ?? 0) > 0 {
                guard let history, history.entries.contains(where: { $0.hospital == config.target }) else {
                    throw ConfigError(
                        "methods.\(i).\((method.preErase ?? 0) > 0 ? "preErase" : "storedUpdates")",
                        "needs the target's stored updates, and the run kept none: run medsilo federate with history: {every: 1} or {hospitals: [\(config.target)]}")
                }
            }
            // Pre-erasure subtracts the target's whole contribution; a history of every k-th step holds 1/k of it.
            if (method.preErase ?? 0) > 0, !pretraining.history.keepsAll(of: config.target) {
                throw ConfigError(
                    "methods.\(i).preErase",
                    "subtracts every contribution of hospital \(config.target), and the run kept only every \(pretraining.history.every)-th step's: run medsilo federate with history: {every: 1} or add hospitals: [\(config.target)]")
            }
            if method.name == "federaser" {
                guard let history, history.entries.contains(where: { $0.hospital != config.target && $0.step <= (config.request.step ?? .max) }) else {
                    throw ConfigError(
                        "methods.\(i).name", "federaser rebuilds the model from stored client updates, and the run kept none: run medsilo federate with history: {every: Δt}")
                }
            }
            if method.name == "afu-ic", experiment.settings.protocolKind.isSynchronous, method.gamma == "staleness" {
                throw ConfigError("methods.\(i).gamma", "staleness-weighted merges need an asynchronous run (FedBuff or FedAsync)")
            }
        }
    }

    /// A federation of the run's hospitals, speeds and links (another protocol if given), its clock
    /// starting at `startTime`.
    func makeSimulation(_ protocolKind: FederationProtocol? = nil, startTime: Double = 0) -> FederationSimulation {
        var settings = experiment.settings
        if let protocolKind { settings.protocolKind = protocolKind }
        return FederationSimulation(
            model: experiment.makeModel(), samples: experiment.samples, hospitals: experiment.training, settings: settings, startTime: startTime)
    }

    /// Puts the pre-trained federation in its state at the request.
    public func prepare() throws(RunError) {
        let simulation = makeSimulation()
        let bytes: [UInt8]
        do { bytes = try FileIO.read(runFolder + "/checkpoint.safetensors") } catch { throw RunError(error.description) }
        do { try simulation.restore(bytes) } catch { throw RunError("\(runFolder)/checkpoint.safetensors: \(error.description)") }
        if let step = config.request.step {
            guard step <= simulation.step else { throw RunError("request.step \(step): the run made only \(simulation.step) steps") }
            if step < simulation.step {
                let replay = makeSimulation()
                replay.stepLimit = step
                while replay.advance() != nil {}
                return settle(replay)
            }
        } else if let time = config.request.time {
            guard time <= simulation.virtualTime else {
                throw RunError("request.time \(time): the run ended at \(formatted(simulation.virtualTime)) virtual s")
            }
            let replay = makeSimulation()
            _ = replay.advance(until: time)
            return settle(replay)
        }
        settle(simulation)
    }

    private func settle(_ simulation: FederationSimulation) {
        requestCheckpoint = simulation.checkpoint()
        requestTime = simulation.virtualTime
        requestStep = simulation.step
        anchor = simulation.global
    }

    /// A simulation in the request's state (the pre-training's protocol), or a fresh one of another
    /// protocol starting at the request's time from the request's model.
    func continuation(_ protocolKind: FederationProtocol) -> FederationSimulation {
        if protocolKind.isSynchronous == experiment.settings.protocolKind.isSynchronous {
            let simulation = makeSimulation()
            try! simulation.restore(requestCheckpoint)
            return simulation
        }
        let simulation = makeSimulation(protocolKind, startTime: requestTime)
        simulation.updateGlobal { $0 = anchor }
        return simulation
    }

    /// FedBuff as the asynchronous protocol of methods on a synchronous run: buffers of half the
    /// remaining hospitals, η 1, 1/√(1 + τ).
    var fallbackAsynchronous: AsyncStrategy {
        if case .asynchronous(_, let strategy) = experiment.settings.protocolKind { return strategy }
        return .fedBuff(bufferSize: max(1, (experiment.training.count - 1 + 1) / 2), serverLearningRate: 1, staleness: .inverseSquareRoot)
    }

    // MARK: Evaluation

    /// The figures of `weights`.
    func point(_ weights: [Float], simulation: FederationSimulation, time: Double, step: Int) -> TimelinePoint {
        let results = simulation.evaluate(weights, sets: [experiment.test, forget], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)
        let backdoor = backdoorSuccess(weights)
        let outputs = simulation.predict(weights, sets: [auditForget, sets.nonMembers, stampedForget], batchSize: config.evaluation.batch)
        let classes = experiment.store.classes.count
        let loss = outputs.prefix(2).map { ThresholdAttack.loss.scores(probabilities: $0.probabilities, labels: $0.labels, classes: classes) }
        var point = TimelinePoint(
            virtualTime: time, step: step, testAccuracy: results[0].metrics.accuracy, forgetAccuracy: results[1].metrics.accuracy,
            forgetLoss: results[1].loss, backdoorSuccess: backdoor,
            membershipAUC: ROC(memberScores: loss[0], nonMemberScores: loss[1])?.auc)
        if backdoor != nil {
            func accuracy(_ output: (probabilities: [Float], labels: [Int])) -> Double? {
                output.labels.isEmpty ? nil : ClassificationMetrics(scores: output.probabilities, labels: output.labels, classes: classes).accuracy
            }
            point.forgetCleanAccuracy = accuracy(outputs[0])
            point.forgetStampedAccuracy = accuracy(outputs[2])
        }
        return point
    }

    /// Share of triggered test images `weights` classifies as the backdoor's class (nil without a backdoor).
    func backdoorSuccess(_ weights: [Float]) -> Double? {
        guard let settings = experiment.backdoor else { return nil }
        let model = experiment.makeModel()
        model.parameters.values = weights
        return Backdoor.successRate(
            model: model, source: experiment.store, indices: experiment.test, targetClass: settings.targetClass, batchSize: config.evaluation.batch,
            trigger: experiment.trigger)
    }

    func probeAccuracy(_ weights: [Float], simulation: FederationSimulation) -> Double {
        simulation.evaluate(weights, sets: [probe], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)[0].metrics.accuracy
    }

    /// Runs `simulation` for `steps` more steps, evaluating every `config.evaluation.every` steps and at
    /// the end.
    func runPhase(_ simulation: FederationSimulation, steps: Int, from first: Int, timeline: inout [TimelinePoint]) {
        simulation.stepLimit = simulation.step + steps
        var made = 0
        while let report = simulation.advance() {
            made += 1
            if made % config.evaluation.every == 0 || simulation.isFinished {
                timeline.append(point(simulation.global, simulation: simulation, time: report.virtualTime, step: first + made))
            }
        }
    }

    var modelBytes: Int { anchor.count * 4 }

    // MARK: Methods

    /// Runs every method and writes `DIR/<label>/` (model, results, events) and `DIR/results.json`.
    /// The output folder's record of what it is: the config and the run, so `--resume` can refuse
    /// another experiment.
    struct Identity: Codable, Equatable {
        var run: String
        var config: UnlearningConfig
        var requestStep: Int
        var requestTime: Double
    }

    /// Runs every method and writes `DIR/<label>/` (model, results, events) and `DIR/results.json`. With
    /// `resume`, methods whose `results.json` is already there are read back instead of run again (a
    /// method's files are written as soon as it ends, its results last).
    public func run(out folder: String, resume: Bool = false, progress: (String) -> Void = { _ in }) throws(RunError) -> UnlearningResults {
        // What the folder holds is checked before the federation is rebuilt, and again under its lock.
        func check() throws(RunError) {
            if resume, access(folder + "/unlearn.json", F_OK) != 0 {
                throw RunError("\(folder) is not an unlearning output to resume (no unlearn.json); start it without --resume")
            }
            if !resume, access(folder, F_OK) == 0, !((try? FileIO.listFiles(in: folder, recursive: true)) ?? []).isEmpty {
                throw RunError("\(folder) exists and is not empty; results are never overwritten (choose another --out, or --resume it)")
            }
        }
        try check()
        progress("rebuilding the federation at the request")
        try prepare()
        let lock = try FederatedRun.claim(folder, check: check)
        defer { close(lock) }
        let identity = Array(FederatedRun.json(Identity(run: runFolder, config: config, requestStep: requestStep, requestTime: requestTime)).utf8) + [10]
        if resume {
            let stored: [UInt8]
            do { stored = try FileIO.read(folder + "/unlearn.json") } catch {
                throw RunError("\(folder) is not an unlearning output to resume (no unlearn.json); start it without --resume")
            }
            guard stored == identity else {
                throw RunError("\(folder) holds another unlearning experiment (config, run or request differs); resume it with the same ones")
            }
        }
        try make(folder)
        try write(identity, to: folder + "/unlearn.json")
        let reference = makeSimulation()
        let original = point(anchor, simulation: reference, time: requestTime, step: 0)
        let auditSets = sets
        let originalAudit = audit(anchor, simulation: reference, sets: auditSets)
        try make(folder + "/original")
        try save(anchor, label: "original", folder: folder)
        var results: [MethodResult] = []
        for method in config.methods {
            let label = method.label ?? method.defaultLabel
            let done = folder + "/" + label + "/results.json"
            if resume, access(done, F_OK) == 0 {
                do {
                    results.append(try FederatedRun.decoder().decode(MethodResult.self, from: Data(try FileIO.read(done))))
                    progress("\(label): done before, read back")
                    continue
                } catch { throw RunError("\(done): unreadable (\(error))") }
            }
            progress("\(label): running")
            var (result, weights, log): (MethodResult, [Float], [UInt8])
            switch method.name {
            case "retrain": (result, weights, log) = retrain(method)
            case "pga": (result, weights, log) = pga(method)
            case "federaser": (result, weights, log) = try fedEraser(method)
            case "knot": (result, weights, log) = knot(method)
            case "exclude": (result, weights, log) = exclude(method)
            default: (result, weights, log) = try afuIC(method)
            }
            result.label = label
            if let bad = weights.firstIndex(where: { !$0.isFinite }) {
                let count = weights.count { !$0.isFinite }
                result.notes.append("the model diverged: \(count) non-finite weights (the first at \(bad)); its outputs read as uniform in every figure")
            }
            result.audit = audit(weights, simulation: reference, sets: auditSets)
            try make(folder + "/" + label)
            try write(log, to: folder + "/" + label + "/events.jsonl")
            try save(weights, label: label, folder: folder)
            try write(Array(FederatedRun.json(result).utf8) + [10], to: done)
            results.append(result)
            progress("\(label): served at +\(formatted(result.servedAt - requestTime)) s, test \(formatted(result.final.testAccuracy)), forget \(formatted(result.final.forgetAccuracy))\(result.final.backdoorSuccess.map { ", backdoor \(formatted($0))" } ?? "")")
        }
        // Latency against the retrained models when served (forgetting: the stricter) and the exclude control
        // at the same time (utility).
        let retrained = results.filter { $0.method == "retrain" }.compactMap { $0.timeline.first }
        if !retrained.isEmpty {
            let reference = UnlearningAccounting.Reference(retrained: retrained, control: results.first { $0.method == "exclude" }?.timeline)
            for i in results.indices {
                if results[i].method == "retrain" {
                    let served = results[i].servedAt - requestTime
                    results[i].latency = Latency(firstHit: served, persistent: served)
                } else if results[i].method != "exclude" {
                    results[i].latency = UnlearningAccounting.latency(results[i].timeline, requestTime: requestTime) {
                        UnlearningAccounting.holds($0, reference: reference, criterion: config.criterion)
                    }
                }
            }
        } else {
            let note = "no retrain among the methods: latency needs retrain's figures as the criterion's reference"
            for i in results.indices where !results[i].notes.contains(note) { results[i].notes.append(note) }
        }
        for i in results.indices { results[i].persistence = Persistence(results[i], original: original) }
        if let retrainLabel = results.first(where: { $0.method == "retrain" })?.label {
            let retrained = try load(label: retrainLabel, folder: folder)
            let reference = simulation(predicting: retrained)
            for i in results.indices where results[i].label != retrainLabel {
                results[i].toRetrain = distance(try load(label: results[i].label, folder: folder), retrained: retrained, reference: reference)
            }
        }
        let summary = UnlearningResults(
            run: runFolder, target: config.target, requestTime: requestTime, requestStep: requestStep, backdoor: experiment.backdoor != nil,
            original: original, originalAudit: originalAudit, methods: results, criterion: config.criterion)
        for result in results {
            try write(Array(FederatedRun.json(result).utf8) + [10], to: folder + "/" + result.label + "/results.json")
        }
        try write(Array(FederatedRun.json(summary).utf8) + [10], to: folder + "/results.json")
        return summary
    }

    func make(_ path: String) throws(RunError) {
        do { try FileIO.createDirectory(path) } catch { throw RunError(error.description) }
    }

    func write(_ bytes: [UInt8], to path: String) throws(RunError) {
        do { try FileIO.writeAtomically(bytes, to: path) } catch { throw RunError(error.description) }
    }

    /// A method's model, read back from its folder (so methods read back on --resume count too).
    func load(label: String, folder: String) throws(RunError) -> [Float] {
        let model = experiment.makeModel()
        let path = folder + "/" + label + "/model.safetensors"
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            // The error names the path already.
            throw RunError(label == "original" ? "\(error) (outputs of medsilo unlearn from before the model at the request was kept lack it; run the unlearning again)" : "\(error)")
        }
        do { try Safetensors.load(bytes, into: model) } catch { throw RunError("\(path): \(error)") }
        return model.parameters.values
    }

    /// A simulation used only to compute outputs, and the retrained model's outputs on the forget and test sets.
    func simulation(predicting retrained: [Float]) -> (simulation: FederationSimulation, outputs: [(probabilities: [Float], labels: [Int])]) {
        let simulation = makeSimulation()
        return (simulation, simulation.predict(retrained, sets: [forget, experiment.test], batchSize: config.evaluation.batch))
    }

    /// KL(retrained ‖ method) on the forget and test sets, and the weight distance.
    func distance(_ weights: [Float], retrained: [Float], reference: (simulation: FederationSimulation, outputs: [(probabilities: [Float], labels: [Int])]))
        -> DistanceToRetrain
    {
        let outputs = reference.simulation.predict(weights, sets: [forget, experiment.test], batchSize: config.evaluation.batch)
        let classes = experiment.store.classes.count
        return DistanceToRetrain(
            klForget: ForgettingMetrics.meanKLDivergence(retrained: reference.outputs[0].probabilities, unlearned: outputs[0].probabilities, classes: classes),
            klTest: ForgettingMetrics.meanKLDivergence(retrained: reference.outputs[1].probabilities, unlearned: outputs[1].probabilities, classes: classes),
            weightDistance: ForgettingMetrics.weightDistance(weights, retrained))
    }

    /// Writes a method's model.
    func save(_ weights: [Float], label: String, folder: String) throws(RunError) {
        let model = experiment.makeModel()
        model.parameters.values = weights
        try write(Safetensors.encode(model), to: folder + "/" + label + "/model.safetensors")
    }

    func formatted(_ value: Double) -> String { String(format: "%.3f", value) }
}
