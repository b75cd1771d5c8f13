import Federation
import NeuralEngine
import Seeding
import Training
import Unlearning

/// What AFU-IC did beyond the common figures: the erasure's stopping rule, the merge's guard, recovery
/// and the closed loop's further erasures.
public struct AFUDetails: Sendable, Codable, Equatable {
    public var eraser: String
    /// `held`, `budget` or `rolledBack` for a rule-driven eraser; nil for a fixed budget.
    public var ruleOutcome: String?
    /// The checks of the first erasure's stopping rule, and its roll-backs (each halving the step).
    public var checks: [LocalEraser.RuleCheck]?
    public var backoffs: Int?
    /// The reference level's accuracy: w₀ minus the target's stored contributions, on its training samples
    /// as labelled (nil when not used).
    public var referenceAccuracy: Double?
    /// Samples in the server's probe (the retained hospitals' held-out samples).
    public var probeSize: Int
    public var probeBeforeMerge: Double
    public var probeAfterMerge: Double
    /// The collapse guard refused the merge (the erasure was not applied; calibration still holds its direction).
    public var mergeRefused: Bool
    /// Probe accuracy back within 0.03 of its pre-merge value within 10 versions (nil: the continuation was shorter).
    public var recovered: Bool?
    public var recoveredAfter: Int?
    /// The closed loop: further erasures the target sent after re-checking its rule on the global model.
    public var reErasures: [ReErasure]

    public struct ReErasure: Sendable, Codable, Equatable {
        /// Versions after the merge when the target found its rule failing, and when its erasure was merged.
        public var checkedAt: Int
        public var mergedAt: Int?
        public var outcome: String
        public var refused: Bool
    }
}

extension UnlearningSession {
    /// Rounds of the retained hospitals' training that make the `referenceStart: initial` yardstick.
    static let initialReferenceRounds = 20

    /// The probe accuracy from which a merged model counts as collapsed: chance + 10 points.
    var collapseFloor: Double { 1 / Double(max(1, experiment.store.classes.count)) + 0.10 }

    /// Whether `weights` collapsed on the probe: accuracy below chance + 10 points, or ≥ 95 % of the
    /// probe in one class.
    func collapsed(_ weights: [Float], simulation: FederationSimulation, on samples: [Int]? = nil) -> (collapsed: Bool, accuracy: Double, share: Double) {
        let output = simulation.predict(weights, sets: [samples ?? probe], batchSize: config.evaluation.batch)[0]
        let predicted = Trainer.predictions(Tensor(shape: [output.labels.count, experiment.store.classes.count], values: output.probabilities))
        let accuracy = Double(zip(predicted, output.labels).filter { $0 == $1 }.count) / Double(max(1, predicted.count))
        let share = LocalEraser.dominantShare(of: predicted)
        return (accuracy < collapseFloor || share >= LocalEraser.collapseShare, accuracy, share)
    }

    /// The target's stopping rule for `method`, with the reference level when the run kept every one of
    /// the target's updates (the server sends w₀ minus them once, as a yardstick); `contribution` gives
    /// the sum of the `stored` ones, read once for every use.
    func stoppingRule(
        _ method: UnlearningConfig.Method, stored: [HistoryStore.Entry], contribution: () throws(RunError) -> [Float], simulation: FederationSimulation,
        notes: inout [String], cost: inout (seconds: Double, sampleEpochs: Double, transfers: Int), referenceWeights: inout [Float]?
    ) throws(RunError) -> LocalEraser.StoppingRule {
        var rule = LocalEraser.StoppingRule(
            aucMargin: method.aucMargin ?? 0.05, referenceMargin: method.referenceMargin ?? 0.05, checkEvery: method.checkEvery ?? 5,
            maxEpochs: method.epochs ?? 20)
        guard method.reference ?? true else { return rule }
        if method.resolvedReferenceStart == "initial" {
            // A short retraining from the federation's initial model by the retained hospitals: it never
            // saw the target, and it stands for what a model without the target knows of the target's data.
            let model = experiment.makeModel()
            model.initialize(seed: experiment.settings.local.seed)
            let rounds = method.referenceRepair ?? Self.initialReferenceRounds
            let trained = repairedReference(model.parameters.values, rounds: rounds, simulation: simulation)
            cost.seconds += trained.seconds
            cost.sampleEpochs += trained.sampleEpochs
            cost.transfers += trained.transfers
            // A model without the target may rightly know little of the target's data (label skew), so
            // whether it works is judged on the server's probe, the retained hospitals' held-out samples.
            let check = collapsed(trained.weights, simulation: simulation)
            guard !check.collapsed else {
                notes.append("no reference level: \(rounds) rounds of the retained hospitals from the initial model collapsed (accuracy \(formatted(check.accuracy)) on the server's probe)")
                return rule
            }
            notes.append("reference level from \(rounds) rounds of the \(hospitalCount - 1) retained hospitals' training from the initial model")
            referenceWeights = trained.weights
            rule.referenceAccuracy = simulation.evaluate(trained.weights, sets: [forget], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)[0].metrics.accuracy
            return rule
        }
        guard experiment.config.history.keepsAll(of: config.target), !stored.isEmpty else {
            notes.append("no reference level: the run did not keep every update of hospital \(config.target) (history: {hospitals: [\(config.target)]})")
            return rule
        }
        let sum = try contribution()
        // A yardstick that collapsed measures nothing: subtracting a whole contribution at once can leave a
        // model that puts everything in one class (METHODS §1.7 saw β = 1 collapse test accuracy to 11 %),
        // whose accuracy on the target's samples would demand an erasure down to chance. Checked on the
        // target's own validation samples, as the rest of its rule. With `shrinkReference`, the server
        // halves β from 1 (to ⅛ at most) until w₀ − β·Σ does not collapse: a weaker yardstick, still one.
        let betas: [Double] = (method.shrinkReference ?? false) ? [1, 0.5, 0.25, 0.125] : [1]
        let repairRounds = method.referenceRepair ?? 0
        var reference: [Float]?
        var last: (collapsed: Bool, accuracy: Double, share: Double)?
        for beta in betas {
            var candidate = zip(anchor, sum).map { Float(Double($0) - beta * Double($1)) }
            if repairRounds > 0 {
                let repaired = repairedReference(candidate, rounds: repairRounds, simulation: simulation)
                candidate = repaired.weights
                cost.seconds += repaired.seconds
                cost.sampleEpochs += repaired.sampleEpochs
                cost.transfers += repaired.transfers
                notes.append(
                    "reference repaired by \(repairRounds) round(s) of the \(hospitalCount - 1) retained hospitals' local training from w₀ − \(beta) × the target's contributions")
            }
            let check = collapsed(candidate, simulation: simulation, on: experiment.validation[config.target])
            last = check
            if !check.collapsed {
                reference = candidate
                if beta < 1 { notes.append("reference level from w₀ − \(beta) × the target's contributions (larger β collapsed)") }
                break
            }
        }
        guard let reference else {
            notes.append(
                "no reference level: w₀ minus \(betas.count > 1 ? "⅛ of " : "")the target's \(stored.count) contributions collapsed (accuracy \(formatted(last!.accuracy)) on its validation samples, \(Int((last!.share * 100).rounded())) % in one class)")
            return rule
        }
        referenceWeights = reference
        rule.referenceAccuracy = simulation.evaluate(reference, sets: [forget], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)[0].metrics.accuracy
        return rule
    }

    /// `rounds` rounds of federated averaging over the retained hospitals from `start`, each hospital one
    /// local job with the federation's settings, weighted by its training samples: the server's repair of
    /// a reference that subtraction left collapsed. The retained hospitals' data never included the
    /// target's, so the repair adds none of its knowledge. Returns the weights, the virtual seconds the
    /// rounds take (each as long as its slowest participant), the work in sample-epochs and the model transfers.
    func repairedReference(_ start: [Float], rounds: Int, simulation: FederationSimulation) -> (weights: [Float], seconds: Double, sampleEpochs: Double, transfers: Int) {
        let retained = (0..<hospitalCount).filter { $0 != config.target && !experiment.training[$0].isEmpty }
        let network = experiment.settings.network
        let epochs = Double(max(1, experiment.settings.local.epochs))
        var weights = start, seconds = 0.0, work = 0.0
        for round in 0..<rounds {
            let answers = simulation.transport.exchange(
                retained.map { TrainingRequest(hospital: $0, job: (1 << 42) + round * hospitalCount + $0, model: GlobalModel(version: requestStep, weights: weights)) })
            let updates = answers.map { answer in zip(answer.weights, weights).map { $0 - $1 } }
            let step = UnlearningMath.weightedMean(updates: updates, weights: retained.map { Double(experiment.training[$0].count) })
            for i in weights.indices { weights[i] += step[i] }
            seconds += retained.map {
                network.transfer(modelBytes, upload: false) + Double(experiment.training[$0].count) * epochs / simulation.speeds[$0]
                    + network.transfer(modelBytes, upload: true)
            }.max() ?? 0
            work += retained.reduce(0) { $0 + Double(experiment.training[$1].count) * epochs }
        }
        return (weights, seconds, work, 2 * retained.count * rounds)
    }

    /// The span of the retained hospitals' last `count` stored aggregated steps before the request — each
    /// the server's weighted sum of the retained updates it folded into one stored step — per parameter
    /// tensor, as a basis the eraser's steps are projected away from (FedOSD's idea: erase along directions
    /// the others are not using, so their progress is not undone).
    func retainedDirections(count: Int) throws(RunError) -> ForgetBasis? {
        let entries = (history?.entries ?? []).filter { $0.hospital != config.target && $0.step <= requestStep }
        let steps = Array(Set(entries.map(\.step)).sorted().suffix(count))
        guard !steps.isEmpty else { return nil }
        var generators: [[Float]] = []
        for step in steps.reversed() {
            var contributions: [(delta: [Float], weight: Double)] = []
            for entry in entries where entry.step == step { contributions.append((try history!.delta(entry), entry.weight)) }
            generators.append(UnlearningMath.contribution(updates: contributions))
        }
        return ForgetBasis(generators: generators, blocks: UnlearningMath.blocks(of: experiment.makeModel().parameters.layout), maxColumnsPerBlock: count)
    }

    /// A rule-driven erasure from `start` on the target's training samples, watched on its validation
    /// samples, its steps projected away from `directions` when given.
    func ruleErasure(
        _ method: UnlearningConfig.Method, from start: [Float], rule: LocalEraser.StoppingRule, round: Int, directions: ForgetBasis? = nil,
        teacher: [Int: [Float]]? = nil
    ) -> LocalEraser.RuleErasure {
        let local = experiment.settings.local
        var eraser = LocalEraser.RuleEraser(rawValue: method.eraser ?? "kl-uniform") ?? .uniformKL
        // Without a teacher (its reference collapsed), distillation falls back to KL(uniform); AFU-IC says so.
        if eraser == .distill, teacher == nil { eraser = .uniformKL }
        let kind = method.optimizer.flatMap(TrainingOptions.OptimizerKind.init(rawValue:)) ?? local.optimizer
        var options = local
        options.optimizer = kind
        options.learningRate = Float(method.learningRate ?? Double(local.learningRate))
        options.momentum = Float(method.momentum ?? Double(local.momentum))
        let optimizer = Trainer.makeOptimizer(options)
        var radius: Double?
        if eraser == .crossEntropyAscent {
            radius = method.radius ?? halimiRadius(reference: start, scale: method.radiusScale ?? 0.3)
        }
        return LocalEraser.eraseUntilRule(
            experiment.makeModel(), samples: experiment.samples, training: forget, validation: experiment.validation[config.target], start: start,
            eraser: eraser, radius: radius, optimizer: optimizer, batchSize: local.batchSize, clipNorm: 1, rule: rule,
            seed: config.seed &+ 0xE4A5E &+ UInt64(round),
            projectStep: directions.map { basis in { step in _ = basis.calibrate(&step, twoSided: true, restoreNorm: false) } }, teacher: teacher)
    }

    /// AFU-IC (METHODS §1.3–1.4, revised in §1.8): the target erases on its own clock until its stopping
    /// rule holds while the others go on; the server merges the erasure in full unless the merged model
    /// collapses, calibrates every later step against the erased directions, watches the probe recover,
    /// and the target re-checks its rule every `recheckEvery` versions, sending a further erasure when it
    /// fails.
    func afuIC(_ method: UnlearningConfig.Method) throws(RunError) -> (MethodResult, [Float], [UInt8]) {
        let strategy = fallbackAsynchronous
        let simulation = continuation(.asynchronous(versions: 0, strategy: strategy))
        simulation.excluded = [config.target]
        // Training goes on while the target erases, however long that takes.
        simulation.stepLimit = .max
        let recorder = Recorder()
        recorder.attach(simulation, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
        var notes: [String] = []
        let startStep = simulation.step
        var storage = 0
        // Stored updates of the target up to the request, oldest first.
        let stored = history?.entries.filter { $0.hospital == config.target && $0.step <= requestStep } ?? []
        let beta = method.preErase ?? 0
        if (beta > 0 || (method.storedUpdates ?? 0) > 0), stored.isEmpty {
            throw RunError("afu-ic: the run kept no update of hospital \(config.target) before the request (step \(requestStep))")
        }
        var readBack: Set<String> = []
        // The sum of the target's stored, weighted contributions: read at most once, for pre-erasure and the
        // stopping rule's reference level.
        var summed: [Float]?
        func contribution() throws(RunError) -> [Float] {
            if let summed { return summed }
            var contributions: [(delta: [Float], weight: Double)] = []
            for entry in stored { contributions.append((try history!.delta(entry), entry.weight)) }
            let sum = UnlearningMath.contribution(updates: contributions)
            summed = sum
            return sum
        }
        if beta > 0 {
            let sum = try contribution()
            simulation.updateGlobal { w in for i in w.indices { w[i] -= Float(beta) * sum[i] } }
            readBack.formUnion(stored.map(\.file))
            notes.append("pre-erasure: β = \(beta) × the sum of \(stored.count) stored contributions subtracted at the request")
        }
        // The target erases on its own clock; everybody else goes on.
        let eraserName = method.eraser ?? "kl-uniform"
        let ruleDriven = ["kl-uniform", "ce-ascent", "distill"].contains(eraserName) && (method.stop ?? "rule") == "rule"
        let validation = experiment.validation[config.target]
        if ruleDriven, validation.isEmpty {
            throw RunError("afu-ic: hospital \(config.target) has no validation samples, which its stopping rule needs (or set stop: budget)")
        }
        var details = AFUDetails(
            eraser: eraserName, probeSize: probe.count, probeBeforeMerge: 0, probeAfterMerge: 0, mergeRefused: false, reErasures: [])
        let erasureReport: LocalEraser.Report
        let erasedWeights: [Float]
        let work: Double
        var rule: LocalEraser.StoppingRule?
        var directions: ForgetBasis?
        // The repaired reference's rounds: the target waits for its yardstick; the retained hospitals' work.
        var referenceCost = (seconds: 0.0, sampleEpochs: 0.0, transfers: 0)
        var teacher: [Int: [Float]]?
        if ruleDriven {
            var referenceWeights: [Float]?
            let chosen = try stoppingRule(
                method, stored: stored, contribution: contribution, simulation: simulation, notes: &notes, cost: &referenceCost,
                referenceWeights: &referenceWeights)
            if eraserName == "distill" {
                // The teacher: the reference model's outputs on the target's training samples, sent once.
                if let referenceWeights {
                    let output = simulation.predict(referenceWeights, sets: [forget], batchSize: config.evaluation.batch)[0]
                    let k = experiment.store.classes.count
                    teacher = Dictionary(uniqueKeysWithValues: forget.enumerated().map { ($1, Array(output.probabilities[$0 * k..<($0 + 1) * k])) })
                } else {
                    details.eraser = "kl-uniform"
                    notes.append("distill had no teacher (no reference model), so the target erased with kl-uniform")
                }
            }
            // The subtracted yardstick read the target's stored updates; a retrained one did not.
            if chosen.referenceAccuracy != nil, method.resolvedReferenceStart == "subtracted" { readBack.formUnion(stored.map(\.file)) }
            rule = chosen
            details.referenceAccuracy = chosen.referenceAccuracy
            if method.projection == "retained" {
                directions = try retainedDirections(count: method.projectionSteps ?? 5)
                if let directions {
                    notes.append("eraser steps projected away from \(directions.columnCount) retained directions over \(directions.blocks.count) blocks")
                } else {
                    notes.append("projection: the run kept no retained hospital's update before the request; the eraser ran unprojected")
                }
            }
            let erasure = ruleErasure(method, from: anchor, rule: chosen, round: 0, directions: directions, teacher: teacher)
            details.ruleOutcome = erasure.outcome.rawValue
            details.checks = erasure.checks
            details.backoffs = erasure.backoffs
            if erasure.weights == anchor {
                notes.append("the target's erasure rolled back to w₀: nothing was erased")
            }
            erasureReport = erasure.report(start: anchor, trainingCount: forget.count)
            erasedWeights = erasure.weights
            // Each check forwards the training and validation samples once.
            work = Double(erasure.sampleSteps) + Double(erasure.checks.count * (forget.count + validation.count)) / 3
            if erasure.outcome != .held {
                notes.append("the target's stopping rule did not hold (\(erasure.outcome.rawValue)) after \(erasure.steps) steps")
            }
        } else {
            let fixed = erase(method, pga: eraserName == "pga", simulation: simulation, notes: &notes)
            erasureReport = fixed.erasure.report
            erasedWeights = fixed.erasure.weights
            work = fixed.sampleEpochs
        }
        let arrival = simulation.virtualTime + referenceCost.seconds + targetSeconds(sampleEpochs: work, simulation: simulation)
        var timeline: [TimelinePoint] = []
        var made = 0
        simulation.advance(until: arrival) { report in
            made += 1
            if made % config.evaluation.every == 0 {
                timeline.append(point(simulation.global, simulation: simulation, time: report.virtualTime, step: made))
            }
        }
        // The merge: w ← w_now + γ·Δ, refused only on collapse (or line-searched, as an ablation).
        let delta = zip(erasedWeights, anchor).map { $0 - $1 }
        let tau = simulation.step - startStep
        var gamma = 1.0
        if method.gamma == "staleness" {
            let staleness: Staleness
            switch strategy {
            case .fedBuff(_, _, let s), .fedAsync(_, let s): staleness = s
            }
            gamma = (method.gamma0 ?? 1) * staleness.weight(tau)
        }
        let before = collapsed(simulation.global, simulation: simulation)
        details.probeBeforeMerge = before.accuracy
        var merged: (weights: [Float], gamma: Double?)
        var probeAfterMerge = before.accuracy
        if method.lineSearch ?? false {
            let floor = before.accuracy - (method.probeDrop ?? 0.05)
            merged = UnlearningMath.lineSearchMerge(current: simulation.global, delta: delta, gammas: [gamma, gamma / 2, gamma / 4]) {
                probeAccuracy($0, simulation: simulation) >= floor
            }
            if merged.gamma == nil { notes.append("the probe guard refused γ = \(gamma), \(gamma / 2) and \(gamma / 4): the erasure was not merged") }
            if merged.gamma != nil { probeAfterMerge = probeAccuracy(merged.weights, simulation: simulation) }
        } else {
            let candidate = zip(simulation.global, delta).map { w, d in Float(Double(w) + gamma * Double(d)) }
            let check = collapsed(candidate, simulation: simulation)
            if check.collapsed {
                merged = (simulation.global, nil)
                notes.append("the collapse guard refused the merge: probe accuracy \(formatted(check.accuracy)) (floor \(formatted(collapseFloor))) or one class ≥ 95 %")
            } else {
                merged = (candidate, gamma)
                probeAfterMerge = check.accuracy
            }
        }
        details.mergeRefused = merged.gamma == nil
        if merged.gamma != nil { simulation.updateGlobal { $0 = merged.weights } }
        details.probeAfterMerge = probeAfterMerge
        let unlearned = simulation.global
        let served = simulation.virtualTime
        timeline.append(point(unlearned, simulation: simulation, time: served, step: made))
        // The target's own check of its erasure.
        let accuracyBefore = simulation.evaluate(anchor, sets: [forget], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)[0].metrics.accuracy
        let accuracyAfter = simulation.evaluate(erasedWeights, sets: [forget], classes: experiment.store.classes.count, batchSize: config.evaluation.batch)[0].metrics.accuracy
        if accuracyAfter > accuracyBefore - 0.05 {
            notes.append("erasure incomplete by the target's own report: accuracy on its data \(formatted(accuracyBefore)) before, \(formatted(accuracyAfter)) after")
        }
        // Invariance calibration from here on, against every erasure merged (a refused one's direction too:
        // calibration is never dropped silently).
        var calibrated = 0
        var removed = 0.0
        let calibrating = method.calibration != "none"
        let m = method.storedUpdates ?? 0
        var storedDeltas: [[Float]] = []
        if calibrating {
            for entry in stored.suffix(m).reversed() { storedDeltas.append(try history!.delta(entry)) }
            readBack.formUnion(stored.suffix(m).map(\.file))
        }
        let blocks = (method.perTensor ?? true) ? UnlearningMath.blocks(of: experiment.makeModel().parameters.layout) : [0..<anchor.count]
        let k = method.k ?? 1
        var relearning: [[Float]] = [delta.map { -$0 }]
        var basis = ForgetBasis(generators: relearning + storedDeltas, blocks: blocks, maxColumnsPerBlock: k)
        if calibrating {
            let twoSided = method.calibration == "two-sided"
            let restore = method.restoreNorm ?? false
            let clamp = method.clamp ?? false
            let horizon = method.horizon ?? 0
            simulation.calibrateStep = { [unowned simulation] step in
                guard horizon == 0 || calibrated < horizon else { return }
                let report = basis.calibrate(&step, twoSided: twoSided, restoreNorm: restore)
                if clamp {
                    var next = zip(simulation.global, step).map { $0 + $1 }
                    basis.clampDrift(&next, anchor: unlearned, epsilon: 0)
                    step = zip(next, simulation.global).map { $0 - $1 }
                }
                calibrated += 1
                removed += report.removedFraction
            }
            notes.append("forget basis: \(basis.columnCount) columns over \(blocks.count) blocks")
        }
        storage += stored.filter { readBack.contains($0.file) }.reduce(0) { $0 + $1.bytes }
        // The retained directions the eraser was projected away from, kept by the server for the closed loop.
        if let directions { storage += 4 * zip(directions.columns, directions.blocks).reduce(0) { $0 + $1.0.count * $1.1.count } }
        var (clientWork, transfers) = (recorder.sampleEpochs + work + referenceCost.sampleEpochs, recorder.transfers + 2)
        transfers += referenceCost.transfers

        // The continuation, with the recovery watch and the closed loop.
        let recheckEvery = ruleDriven ? (method.recheckEvery ?? 10) : 0
        var pending: (weights: [Float], base: [Float], arrival: Double, entry: Int)?
        var versions = 0
        simulation.stepLimit = simulation.step + config.continuation
        while let report = simulation.advance() {
            made += 1
            versions += 1
            if details.recovered == nil, !details.mergeRefused, versions <= 10 {
                if probeAccuracy(simulation.global, simulation: simulation) >= details.probeBeforeMerge - 0.03 {
                    details.recovered = true
                    details.recoveredAfter = versions
                } else if versions == 10 {
                    details.recovered = false
                    notes.append("the probe was not back within 0.03 of its pre-merge accuracy 10 versions after the merge")
                }
            }
            if let arrived = pending, report.virtualTime >= arrived.arrival {
                let delta = zip(arrived.weights, arrived.base).map { $0 - $1 }
                let candidate = zip(simulation.global, delta).map { $0 + $1 }
                let refused = collapsed(candidate, simulation: simulation).collapsed
                if !refused {
                    simulation.updateGlobal { $0 = candidate }
                    relearning.append(delta.map { -$0 })
                    if calibrating {
                        basis = ForgetBasis(generators: relearning + storedDeltas, blocks: blocks, maxColumnsPerBlock: k + relearning.count - 1)
                    }
                }
                details.reErasures[arrived.entry].mergedAt = versions
                details.reErasures[arrived.entry].refused = refused
                pending = nil
            }
            if recheckEvery > 0, pending == nil, versions % recheckEvery == 0, let rule, versions < config.continuation {
                // The target, no longer training, evaluates the global model against its rule.
                let model = experiment.makeModel()
                model.parameters.values = simulation.global
                let check = LocalEraser.checkRule(
                    model, samples: experiment.samples, training: forget, validation: validation, rule: rule, batchSize: experiment.settings.local.batchSize)
                if !check.holds {
                    let base = simulation.global
                    let again = ruleErasure(method, from: base, rule: rule, round: details.reErasures.count + 1, directions: directions, teacher: teacher)
                    let effort = Double(again.sampleSteps) + Double(again.checks.count * (forget.count + validation.count)) / 3
                    clientWork += effort
                    transfers += 2
                    details.reErasures.append(.init(checkedAt: versions, mergedAt: nil, outcome: again.outcome.rawValue, refused: false))
                    pending = (again.weights, base, report.virtualTime + targetSeconds(sampleEpochs: effort, simulation: simulation), details.reErasures.count - 1)
                }
            }
            if made % config.evaluation.every == 0 || simulation.isFinished {
                timeline.append(point(simulation.global, simulation: simulation, time: report.virtualTime, step: made))
            }
        }
        if !details.reErasures.isEmpty {
            notes.append("closed loop: \(details.reErasures.count) further erasure(s) after the target's rule failed on the global model")
        }
        var result = MethodResult(
            label: "", method: "afu-ic", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: 0,
            clientSampleEpochs: clientWork, communicationBytes: transfers * modelBytes, serverStorageBytes: storage, erasure: erasureReport,
            gamma: merged.gamma, calibratedSteps: calibrating ? calibrated : nil,
            meanRemovedFraction: calibrated > 0 ? removed / Double(calibrated) : nil, notes: notes)
        result.afu = details
        return (result, simulation.global, recorder.log)
    }

    /// The `exclude` control: the target leaves at the request and nothing is erased; the others go on
    /// (with the run's protocol). What the federation forgets by itself: a forgetting test has power only
    /// where this fails it.
    func exclude(_ method: UnlearningConfig.Method) -> (MethodResult, [Float], [UInt8]) {
        let simulation = continuation(experiment.settings.protocolKind)
        simulation.excluded = [config.target]
        let recorder = Recorder()
        recorder.attach(simulation, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
        let served = simulation.virtualTime
        var timeline = [point(simulation.global, simulation: simulation, time: served, step: 0)]
        runPhase(simulation, steps: config.continuation, from: 0, timeline: &timeline)
        let result = MethodResult(
            label: "", method: "exclude", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: 0,
            clientSampleEpochs: 0, communicationBytes: 0, serverStorageBytes: 0, erasure: nil, gamma: nil, calibratedSteps: nil,
            meanRemovedFraction: nil, notes: ["hospital \(config.target) dropped at the request; nothing erased"])
        return (result, simulation.global, recorder.log)
    }
}
