import Auditing
import Federation
import Imaging
import Foundation
import NeuralEngine
import Seeding
import Training

/// How `medsilo evaluate` audits an unlearning output: the shadow models behind LiRA, Shokri's attack and
/// RMIA, and the relearning test.
public struct EvaluationSettings: Sendable, Codable, Equatable {
    /// Shadow models (M, even; 0 turns LiRA, the shadow-model attack and RMIA off).
    public var shadows: Int = 8
    /// Epochs each shadow trains, with the run's local optimiser, learning rate and batch.
    public var shadowEpochs: Int = 30
    /// Retained samples every shadow trains on besides its half of the audited examples (default: as
    /// many as there are audited examples), so shadows are as good as the audited models.
    public var shadowBase: Int?
    /// Fine-tuning steps on the forget set at most, and the evaluation interval, for the relearn time.
    public var relearnSteps: Int = 60
    public var relearnEvery: Int = 5
    public var seed: UInt64 = 0
    /// Host threads (default: all cores); results do not depend on it (shadows train one per thread,
    /// the relearning fine-tune runs on one thread, evaluation forwards shard by item).
    public var threads: Int?

    public init() {}

    func check() throws(ConfigError) {
        guard shadows == 0 || (shadows >= 2 && shadows % 2 == 0) else {
            throw ConfigError("shadows", "LiRA needs an even number of shadow models (each example IN half of them), or 0 for none")
        }
        guard shadowEpochs >= 1 else { throw ConfigError("shadowEpochs", "must be at least 1") }
        guard (shadowBase ?? 0) >= 0 else { throw ConfigError("shadowBase", "must not be negative") }
        guard relearnEvery >= 1 else { throw ConfigError("relearnEvery", "must be at least 1") }
        guard relearnSteps >= 0, relearnSteps % relearnEvery == 0 else {
            throw ConfigError("relearnSteps", "must be a multiple of relearnEvery (\(relearnEvery)), so the checks are evenly spaced and the steps count exact")
        }
        guard (threads ?? 1) >= 1 else { throw ConfigError("threads", "must be at least 1") }
    }
}

/// One model's figures: utility, forgetting, the membership attacks and the relearn time.
public struct ModelEvaluation: Sendable, Codable, Equatable {
    public var label: String
    /// `original` (the pre-trained model at the request), or the method's name.
    public var method: String
    public var testAccuracy: Double
    public var balancedAccuracy: Double
    public var macroAUC: Double?
    /// Accuracy on the retained hospitals' training samples.
    public var retainAccuracy: Double
    public var forgetAccuracy: Double
    public var forgetLoss: Double
    public var backdoorSuccess: Double?
    /// Every attack's figures on the target's samples (members) against held-out test samples.
    public var attacks: [AttackFigures]
    /// Fine-tuning steps on the forget set until its accuracy is back at the original model's (nil: not
    /// within `relearnSteps`), and the forget accuracy every `relearnEvery` steps from step 0.
    public var relearnSteps: Int?
    public var relearnCurve: [Double]

    public func attack(_ name: String) -> AttackFigures? { attacks.first { $0.attack == name } }
}

/// Whether the audit can tell a model that saw the target's data from one that did not: the original
/// model's attack AUC must exceed the retrained model's by more than twice the standard error of that gap.
/// Otherwise every "forgotten" verdict would be meaningless. The error comes from a paired bootstrap over
/// patients (`UnlearningEvaluation.gapStandardError`): a patient's images are alike, so a target's
/// held-out samples are worth about as many independent draws as it has held-out patients, not images.
public struct AuditVerdict: Sendable, Codable, Equatable {
    public var attack: String
    public var originalAUC: Double
    public var retrainAUC: Double
    public var gap: Double
    public var standardError: Double
    public var conclusive: Bool
    public var explanation: String
    /// The resampling units behind the error: patients (a sample without a patient counts as its own)
    /// among the members and the non-members, and the bootstrap's resamples. Absent in evaluations from
    /// before the bootstrap, which a bench refreshes.
    public var memberPatients: Int?
    public var nonMemberPatients: Int?
    public var resamples: Int?
}

/// The audit over the seeds of one dataset and partition: the gaps (original − retrained AUC of the same
/// attack) pooled with weights fixed before any score is seen — each seed's null-hypothesis AUC precision
/// 12·m·n/(m + n + 1) for m member and n non-member patients (1 when a verdict does not name them) — so the
/// pooled gap is Σwg/Σw with standard error √(Σw²SE²)/Σw. Each seed is its own partition, pre-training and
/// retraining, so the gaps are independent; under the null hypothesis (the original is no easier to attack
/// than retraining) every gap has mean ≤ 0, and with data-independent weights so has the pooled one.
/// Weighting by the estimated 1/SE² instead would favour seeds whose noisy error came out small.
/// Conclusive when the pooled gap exceeds 2 × its SE — a small per-seed audit (few held-out patients) can be
/// inconclusive alone and conclusive together with its siblings. Seeds without a finite error are left out
/// and counted.
public struct PooledAuditVerdict: Sendable, Codable, Equatable {
    public var dataset: String
    public var partition: String
    public var attack: String
    /// Seeds pooled, how many of them were conclusive alone, and verdicts left out (no finite error).
    public var seeds: Int
    public var conclusiveSeeds: Int
    public var leftOut: Int
    public var gap: Double
    public var standardError: Double
    public var conclusive: Bool
    public var explanation: String

    public init?(dataset: String, partition: String, verdicts: [AuditVerdict]) {
        let usable = verdicts.filter { $0.standardError.isFinite && $0.gap.isFinite }
        guard let first = usable.first, usable.allSatisfy({ $0.attack == first.attack }) else { return nil }
        let weights = usable.map { verdict -> Double in
            guard let m = verdict.memberPatients, let n = verdict.nonMemberPatients, m > 0, n > 0 else { return 1 }
            return 12 * Double(m) * Double(n) / Double(m + n + 1)
        }
        let total = weights.reduce(0, +)
        self.dataset = dataset
        self.partition = partition
        attack = first.attack
        seeds = usable.count
        conclusiveSeeds = usable.filter(\.conclusive).count
        leftOut = verdicts.count - usable.count
        gap = zip(weights, usable).reduce(0) { $0 + $1.0 * $1.1.gap } / total
        standardError = zip(weights, usable).reduce(0) { $0 + $1.0 * $1.0 * $1.1.standardError * $1.1.standardError }.squareRoot() / total
        conclusive = gap > 2 * standardError
        let gaps = usable.map { UnlearningEvaluation.fixed($0.gap) }.joined(separator: ", ")
        var alone = "\(conclusiveSeeds) of \(seeds) seed\(seeds == 1 ? "" : "s") conclusive alone"
        if leftOut > 0 { alone += "; \(leftOut) left out, too few patients" }
        explanation = conclusive
            ? "over the seeds the \(attack) attack tells the original model from the retrained one: pooled gap \(UnlearningEvaluation.fixed(gap)) > 2 × SE \(UnlearningEvaluation.fixed(standardError)) (gaps \(gaps); \(alone))"
            : "inconclusive over the seeds: pooled gap of the \(attack) attack \(UnlearningEvaluation.fixed(gap)) ≤ 2 × SE \(UnlearningEvaluation.fixed(standardError)) (gaps \(gaps); \(alone)); this audit cannot show that any method forgot"
    }
}

/// evaluation.json of `medsilo evaluate`.
public struct EvaluationResults: Sendable, Codable, Equatable {
    public var format = "medsilo-evaluate"
    public var version = 1
    public var unlearning: String
    public var target: Int
    public var forgetSamples: Int
    public var nonMemberSamples: Int
    /// `target-held-out` (the target's local test split and audit reserve; never its validation split) or `global-test`.
    public var nonMemberSource: String
    public var settings: EvaluationSettings
    /// The original model first, then the methods in the unlearning config's order.
    public var models: [ModelEvaluation]
    public var verdict: AuditVerdict?
    /// How the `rmia_offline` figures were computed (population samples, the offline a); nil without
    /// shadows or population samples, and in evaluations from before RMIA.
    public var rmia: RMIAEvaluation?
}

/// The full audit of an unlearning output (`medsilo unlearn`'s folder): for the model at the request and
/// every method's model — utility (test, balanced and retain accuracy, macro AUC), forgetting (forget
/// accuracy and loss, backdoor), the four calibrated threshold attacks, LiRA (online, offline, each also
/// with a fixed variance), Shokri's shadow-model attack and RMIA offline (`rmia_offline`, against
/// population samples from the global test set; see `rmiaPopulation`), all as AUC, advantage, TPR at 1 %
/// and 0.1 % FPR, balanced accuracy and MIA-efficacy, with per-sample scores as CSV — and the relearn time.
///
/// Members are the target's training samples (with a backdoor, the unstamped ones), non-members the
/// target's own held-out samples (or half the global test set when it has too few; the same sets as
/// `medsilo unlearn`'s audit, `UnlearningSession.auditSets`). The shadows are trained once per output and kept
/// (`shadows.safetensors`); each model's figures are written as soon as they are computed, so an
/// interrupted evaluation resumes where it stopped.
public final class UnlearningEvaluation {
    public let folder: String
    public let session: UnlearningSession
    public let settings: EvaluationSettings
    let labels: [(label: String, method: String)]
    let threads: Int

    public init(unlearning folder: String, settings: EvaluationSettings, cores: Int) throws(ConfigError) {
        try settings.check()
        let identity: UnlearningSession.Identity
        do {
            identity = try FederatedRun.decoder().decode(UnlearningSession.Identity.self, from: Data(try FileIO.read(folder + "/unlearn.json")))
        } catch {
            throw ConfigError("", "\(folder) is not an output of medsilo unlearn (no readable unlearn.json: \(error))")
        }
        guard access(folder + "/results.json", F_OK) == 0 else {
            throw ConfigError("", "\(folder): the unlearning experiment has not finished (no results.json); finish it with medsilo unlearn --resume")
        }
        self.folder = folder
        self.settings = settings
        session = try UnlearningSession(run: identity.run, config: identity.config, cores: cores)
        labels = [("original", "original")] + identity.config.methods.map { ($0.label ?? $0.defaultLabel, $0.name) }
        threads = max(1, settings.threads ?? cores)
    }

    /// Evaluates every model; `out` defaults to `<unlearning>/evaluation`.
    public func run(out: String? = nil, progress: (String) -> Void = { _ in }) throws(RunError) -> EvaluationResults {
        let out = out ?? folder + "/evaluation"
        // Figures already in `out` are read back only if they were computed with these settings.
        // The host thread count is left out: the figures do not depend on it, so a rerun may use another.
        var identitySettings = settings
        identitySettings.threads = nil
        let identity = Array(FederatedRun.json(identitySettings).utf8) + [10]
        // Checked before anything is written and again under the folder's lock, held to the end.
        let lock = try FederatedRun.claim(out) { () throws(RunError) in
            if let stored = try? FileIO.read(out + "/settings.json") {
                // Folders written before the thread count was left out name it; it is ignored there too.
                var storedSettings = try? FederatedRun.decoder().decode(EvaluationSettings.self, from: Data(stored))
                storedSettings?.threads = nil
                guard storedSettings == identitySettings else {
                    throw RunError("\(out) holds an evaluation with other settings (shadows, epochs, relearning or seed); choose another --out")
                }
            } else if access(out, F_OK) == 0, !((try? FileIO.listFiles(in: out, recursive: true)) ?? []).filter({ !$0.contains(".tmp-") }).isEmpty {
                throw RunError("\(out) exists and is not an evaluation folder; results are never overwritten (choose another --out)")
            }
        }
        defer { close(lock) }
        try session.write(identity, to: out + "/settings.json")
        try session.make(out + "/models")
        try session.make(out + "/scores")
        let experiment = session.experiment
        let sets = session.sets
        let forget = session.auditForget
        let population = forget + sets.nonMembers
        let classes = experiment.store.classes.count
        let model = experiment.makeModel()
        model.setThreads(threads)

        // Shadow models, trained once and kept, with their outputs on RMIA's population samples z.
        var shadowAttacks: [any MembershipAttack] = []
        var rmiaPool: ShadowPool?
        var rmia = Self.storedRMIAEvaluation(out: out)
        let z = settings.shadows > 0 ? rmiaPopulation(sets: sets) : []
        // Only when some model is still to be evaluated (a rerun that recomputes the verdict needs none).
        let pending = labels.contains { access(out + "/models/" + $0.label + ".json", F_OK) != 0 }
        if settings.shadows > 0, pending {
            let shadowSettings = ShadowSettings(
                models: settings.shadows, epochs: settings.shadowEpochs, batch: experiment.settings.local.batchSize,
                learningRate: experiment.settings.local.learningRate, optimizer: experiment.settings.local.optimizer, seed: settings.seed &+ 0x54AD0)
            let path = out + "/shadows.safetensors"
            var pool: ShadowPool?
            if let bytes = try? FileIO.read(path) {
                pool = try? ShadowPool.load(bytes, expecting: shadowSettings, population: population, unseen: z, classes: classes)
                if pool != nil { progress("shadow models: read back") }
            }
            if pool == nil {
                let fresh = ShadowPool(settings: shadowSettings, population: population, classes: classes, unseen: z)
                let base = shadowBase(sets: sets)
                progress("shadow models: training \(settings.shadows) on \(base.count) retained + half of \(population.count) audited samples (outputs also on \(z.count) population samples for RMIA)")
                fresh.train(makeModel: { experiment.makeModel() }, samples: experiment.samples, base: base, threads: threads) { done, total in
                    progress("shadow models: \(done)/\(total)")
                }
                try session.write(fresh.encoded(), to: path)
                pool = fresh
            }
            if let pool {
                shadowAttacks = LiRAAttack.Variant.allCases.map { pool.lira($0) } + [pool.shokri(seed: settings.seed &+ 0x5B0C)]
                if !z.isEmpty {
                    let setup = Self.rmiaEvaluation(pool: pool, z: z)
                    try session.write(Array(FederatedRun.json(setup).utf8) + [10], to: out + "/rmia.json")
                    (rmiaPool, rmia) = (pool, setup)
                }
            }
        }

        let reference = session.makeSimulation()
        // The original model comes first (labels[0]); its forget accuracy is the relearning goal.
        var originalForget: Double?
        var evaluations: [ModelEvaluation] = []
        for (label, method) in labels {
            let done = out + "/models/" + label + ".json"
            if let bytes = try? FileIO.read(done), let stored = try? FederatedRun.decoder().decode(ModelEvaluation.self, from: Data(bytes)) {
                if method == "original" { originalForget = stored.forgetAccuracy }
                evaluations.append(stored)
                progress("\(label): evaluated before, read back")
                continue
            }
            progress("\(label): evaluating")
            let weights = try session.load(label: label, folder: folder)
            model.parameters.values = weights
            // Forget figures over all the target's samples (as they were trained on), like medsilo unlearn's.
            let forgetFigures = reference.evaluate(weights, sets: [session.forget], classes: classes, batchSize: session.config.evaluation.batch)[0]
            if method == "original" { originalForget = forgetFigures.metrics.accuracy }
            let test = Self.outputs(model, samples: experiment.samples, indices: experiment.test, classes: classes, batch: session.config.evaluation.batch)
            let utility = ClassificationMetrics(scores: test.probabilities, labels: test.labels, classes: classes)
            let retained = experiment.training.enumerated().filter { $0.offset != session.config.target }.flatMap(\.element)
            let retain = Self.outputs(model, samples: experiment.samples, indices: retained, classes: classes, batch: session.config.evaluation.batch)
            let retainAccuracy = ClassificationMetrics(scores: retain.probabilities, labels: retain.labels, classes: classes).accuracy

            // The attacks: calibrated thresholds, then the shadow attacks.
            let batch = session.config.evaluation.batch
            let members = Self.outputs(model, samples: experiment.samples, indices: forget, classes: classes, batch: batch)
            let nonMembers = Self.outputs(model, samples: experiment.samples, indices: sets.nonMembers, classes: classes, batch: batch)
            let calibrationMembers = Self.outputs(model, samples: experiment.samples, indices: sets.members, classes: classes, batch: batch)
            let calibrationNonMembers = Self.outputs(model, samples: experiment.samples, indices: sets.calibrationNonMembers, classes: classes, batch: batch)
            var attacks: [any MembershipAttack] = ThresholdAttack.allCases.compactMap {
                CalibratedThresholdAttack(attack: $0, members: calibrationMembers, nonMembers: calibrationNonMembers)
            }
            attacks += shadowAttacks
            // RMIA needs this model's outputs on the population samples z as well.
            if let rmiaPool, let rmia {
                let zOutputs = Self.outputs(model, samples: experiment.samples, indices: z, classes: classes, batch: batch)
                attacks.append(rmiaPool.rmia(.offline, z: zOutputs, options: RMIA.Options(offlineA: rmia.offlineA)))
            }
            var table = ScoreTable(
                ids: (forget + sets.nonMembers).map(String.init), labels: members.labels + nonMembers.labels,
                isMember: [Bool](repeating: true, count: forget.count) + [Bool](repeating: false, count: sets.nonMembers.count))
            var figures: [AttackFigures] = []
            for attack in attacks {
                let result = attack.figures(members: members, nonMembers: nonMembers)
                figures.append(result.figures)
                table.append(attack.name, scores: result.memberScores + result.nonMemberScores)
            }
            try session.write(Array(table.csv.utf8), to: out + "/scores/" + label + ".csv")

            let curve = relearnCurve(weights, model: model)
            model.parameters.values = weights
            let evaluation = ModelEvaluation(
                label: label, method: method, testAccuracy: utility.accuracy, balancedAccuracy: utility.balancedAccuracy, macroAUC: utility.macroAUC,
                retainAccuracy: retainAccuracy, forgetAccuracy: forgetFigures.metrics.accuracy, forgetLoss: forgetFigures.loss,
                backdoorSuccess: session.backdoorSuccess(weights), attacks: figures,
                relearnSteps: ForgettingMetrics.relearnTime(accuracies: curve, original: originalForget ?? forgetFigures.metrics.accuracy)
                    .map { $0 * settings.relearnEvery },
                relearnCurve: curve)
            try session.write(Array(FederatedRun.json(evaluation).utf8) + [10], to: done)
            evaluations.append(evaluation)
        }
        let results = EvaluationResults(
            unlearning: folder, target: session.config.target, forgetSamples: forget.count,
            nonMemberSamples: sets.nonMembers.count, nonMemberSource: sets.nonMemberSource, settings: settings, models: evaluations,
            verdict: try verdict(evaluations, model: model, members: forget, nonMembers: sets.nonMembers), rmia: rmia)
        try session.write(Array(FederatedRun.json(results).utf8) + [10], to: out + "/evaluation.json")
        return results
    }

    /// Retained samples every shadow trains on: a seeded sample of the retained hospitals' training data.
    func shadowBase(sets: UnlearningSession.AuditSets) -> [Int] {
        let experiment = session.experiment
        let retained = experiment.training.enumerated().filter { $0.offset != session.config.target }.flatMap(\.element)
        let count = min(retained.count, settings.shadowBase ?? (session.auditForget.count + sets.nonMembers.count))
        var generator = SeededGenerator(seed: settings.seed &+ 0xBA5E)
        return Array(generator.shuffled(retained).prefix(count)).sorted()
    }

    /// Forget-set accuracy while fine-tuning `weights` on the forget set with the run's local optimiser:
    /// at step 0 and after every `relearnEvery` steps, up to `relearnSteps` (stopping once the accuracy is
    /// back at the original's is not done, so every model's curve has the same length). Each interval
    /// draws its batches from a fresh seeded shuffle of the forget set.
    func relearnCurve(_ weights: [Float], model: Sequential) -> [Double] {
        let experiment = session.experiment
        let forget = session.forget
        let classes = experiment.store.classes.count
        func accuracy() -> Double {
            let output = Self.outputs(model, samples: experiment.samples, indices: forget, classes: classes, batch: session.config.evaluation.batch)
            return ClassificationMetrics(scores: output.probabilities, labels: output.labels, classes: classes).accuracy
        }
        // On one thread: data-parallel shards would sum the gradients in another order, and a check can
        // flip on rounding; the fine-tuning is small.
        let threads = model.threads
        model.setThreads(1)
        defer { model.setThreads(threads) }
        model.parameters.values = weights
        var curve = [accuracy()]
        guard settings.relearnSteps > 0, !forget.isEmpty else { return curve }
        var options = experiment.settings.local
        options.objective = .crossEntropy
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: settings.seed &+ 0x4E1EA4)
        var steps = 0
        while steps < settings.relearnSteps {
            let chunk = min(settings.relearnEvery, settings.relearnSteps - steps)
            var made = 0
            while made < chunk {
                _ = Trainer.runEpoch(
                    model, samples: experiment.samples, indices: forget, options: options, optimizer: &optimizer, generator: &generator,
                    afterStep: { _ in made += 1 }, shouldStop: { made >= chunk })
            }
            steps += chunk
            curve.append(accuracy())
        }
        return curve
    }

    /// Logits, softmax probabilities and labels of `model` (evaluation mode) on `indices`.
    static func outputs(_ model: Sequential, samples: any SampleSource, indices: [Int], classes: Int, batch: Int) -> AttackQuery {
        let batches = Batches(source: samples, indices: indices, batchSize: batch)
        var logits: [Float] = []
        var probabilities: [Float] = []
        var labels: [Int] = []
        logits.reserveCapacity(indices.count * classes)
        var start = 0
        while start < indices.count {
            let (x, y) = batches.load(indices[start..<min(indices.count, start + batch)])
            var context = ForwardContext(training: false)
            let z = model.forward(x, &context)
            logits += z.values
            probabilities += SoftmaxCrossEntropy.logSoftmax(z, nonFiniteAsUniform: true).map { expf($0) }
            labels += y
            start += y.count
        }
        return AttackQuery(ids: indices, probabilities: probabilities, logits: logits, labels: labels, classes: classes)
    }

    /// Bootstrap resamples behind the verdict's standard error.
    static let verdictResamples = 2000

    /// The verdict, on an attack fixed in advance — the loss-threshold attack, which needs neither shadow
    /// models nor calibration (picking whichever attack shows the largest gap would overstate what the
    /// audit sees): the original model against the first retrained one, on the same audited samples. The
    /// per-sample scores are recomputed from the two saved models (a forward pass over the audited samples
    /// each), so a resumed evaluation gets the same verdict.
    func verdict(_ models: [ModelEvaluation], model: Sequential, members: [Int], nonMembers: [Int]) throws(RunError) -> AuditVerdict? {
        guard let (original, retrain) = Self.auditPair(models) else { return nil }
        let experiment = session.experiment
        let classes = experiment.store.classes.count, batch = session.config.evaluation.batch
        func scores(_ label: String) throws(RunError) -> (members: [Double], nonMembers: [Double]) {
            model.parameters.values = try session.load(label: label, folder: folder)
            func loss(_ indices: [Int]) -> [Double] {
                let output = Self.outputs(model, samples: experiment.samples, indices: indices, classes: classes, batch: batch)
                return ThresholdAttack.loss.scores(probabilities: output.probabilities, labels: output.labels, classes: classes).map { $0.isNaN ? -.infinity : $0 }
            }
            return (loss(members), loss(nonMembers))
        }
        // A sample without a patient is its own unit (negative ids cannot collide with patient indices).
        func units(_ indices: [Int]) -> [Int] { indices.map { experiment.store.patient($0) ?? -1 - $0 } }
        let a = try scores(original.label), b = try scores(retrain.label)
        guard let originalROC = ROC(memberScores: a.members, nonMemberScores: a.nonMembers),
              let retrainROC = ROC(memberScores: b.members, nonMemberScores: b.nonMembers)
        else { return nil }
        let memberUnits = units(members), nonMemberUnits = units(nonMembers)
        let se = Self.gapStandardError(
            original: a, retrain: b, memberUnits: memberUnits, nonMemberUnits: nonMemberUnits, resamples: Self.verdictResamples,
            seed: settings.seed &+ 0xB0075)
        return Self.verdict(
            originalAUC: originalROC.auc, retrainAUC: retrainROC.auc, standardError: se,
            memberPatients: Set(memberUnits).count, nonMemberPatients: Set(nonMemberUnits).count, resamples: Self.verdictResamples)
    }

    /// The two models the verdict compares: the original and the first retrained one, both with a
    /// loss-attack AUC; nil without either.
    static func auditPair(_ models: [ModelEvaluation]) -> (original: ModelEvaluation, retrain: ModelEvaluation)? {
        guard let original = models.first(where: { $0.method == "original" }), let retrain = models.first(where: { $0.method == "retrain" }),
              original.attack("loss")?.auc != nil, retrain.attack("loss")?.auc != nil
        else { return nil }
        return (original, retrain)
    }

    static func verdict(originalAUC a: Double, retrainAUC b: Double, standardError se: Double, memberPatients: Int, nonMemberPatients: Int, resamples: Int)
        -> AuditVerdict
    {
        let name = "loss"
        let gap = a - b
        let conclusive = gap > 2 * se
        let basis = "SE from \(resamples) paired resamples of \(memberPatients) member and \(nonMemberPatients) non-member patients"
        let text = !se.isFinite
            ? "inconclusive: \(memberPatients) member and \(nonMemberPatients) non-member patients are too few to judge a gap (at least \(minimumUnits) a side); this audit cannot show that any method forgot"
            : conclusive
            ? "the \(name) attack tells the original model (AUC \(fixed(a))) from the retrained one (AUC \(fixed(b))): gap \(fixed(gap)) > 2 × SE \(fixed(se)) (\(basis)); methods can be judged by how close they come to retraining"
            : "inconclusive: the \(name) attack's AUC on the original model (\(fixed(a))) is not clearly above the retrained model's (\(fixed(b))): gap \(fixed(gap)) ≤ 2 × SE \(fixed(se)) (\(basis)); this audit cannot show that any method forgot"
        return AuditVerdict(
            attack: name, originalAUC: a, retrainAUC: b, gap: gap, standardError: se, conclusive: conclusive, explanation: text,
            memberPatients: memberPatients, nonMemberPatients: nonMemberPatients, resamples: resamples)
    }

    /// The standard error of AUC(original) − AUC(retrained) by a paired cluster bootstrap: each resample
    /// draws, with replacement, as many member units (patients) as there are, and as many non-member units,
    /// takes all their samples, and computes both AUCs on that same resample (the two models' AUCs on the
    /// same samples move together, which a sum of separate errors would ignore). Units are whatever ids the
    /// caller gives, one per sample; the result is the sample standard deviation of the resampled gaps
    /// (infinite when a side has fewer than `minimumUnits` units or fewer than two resamples are asked
    /// for: a handful of patients gives every resample nearly the same gap, and an error near 0). The
    /// bootstrap's variance is about (G − 1)/G of the true one for G units; the error is scaled by
    /// √(G/(G − 1)) with G the smaller side's count, which is conservative for the larger side. Members and
    /// non-members are resampled apart, which assumes no patient is on both sides (patient-level splits).
    static func gapStandardError(
        original: (members: [Double], nonMembers: [Double]), retrain: (members: [Double], nonMembers: [Double]),
        memberUnits: [Int], nonMemberUnits: [Int], resamples: Int, seed: UInt64
    ) -> Double {
        precondition(original.members.count == memberUnits.count && retrain.members.count == memberUnits.count, "one unit per member")
        precondition(original.nonMembers.count == nonMemberUnits.count && retrain.nonMembers.count == nonMemberUnits.count, "one unit per non-member")
        func groups(_ units: [Int]) -> [[Int]] {
            var order: [Int] = [], members: [Int: [Int]] = [:]
            for (i, unit) in units.enumerated() {
                if members[unit] == nil { order.append(unit) }
                members[unit, default: []].append(i)
            }
            return order.map { members[$0]! }
        }
        let memberGroups = groups(memberUnits), nonMemberGroups = groups(nonMemberUnits)
        let smaller = min(memberGroups.count, nonMemberGroups.count)
        guard smaller >= minimumUnits, resamples >= 2 else { return .infinity }
        var generator = SeededGenerator(seed: seed)
        func draw(_ groups: [[Int]]) -> [Int] {
            (0..<groups.count).flatMap { _ in groups[Int(generator.next() % UInt64(groups.count))] }
        }
        var gaps: [Double] = []
        gaps.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let m = draw(memberGroups), n = draw(nonMemberGroups)
            guard let x = ROC(memberScores: m.map { original.members[$0] }, nonMemberScores: n.map { original.nonMembers[$0] }),
                  let y = ROC(memberScores: m.map { retrain.members[$0] }, nonMemberScores: n.map { retrain.nonMembers[$0] })
            else { continue }
            gaps.append(x.auc - y.auc)
        }
        guard gaps.count >= 2 else { return .infinity }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let spread = (gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count - 1)).squareRoot()
        return spread * (Double(smaller) / Double(smaller - 1)).squareRoot()
    }

    /// Fewest units (patients) a side needs for the verdict's error.
    static let minimumUnits = 5

    static func fixed(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension EvaluationSettings {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shadows = try c.decodeIfPresent(Int.self, forKey: .shadows) ?? shadows
        shadowEpochs = try c.decodeIfPresent(Int.self, forKey: .shadowEpochs) ?? shadowEpochs
        shadowBase = try c.decodeIfPresent(Int.self, forKey: .shadowBase)
        relearnSteps = try c.decodeIfPresent(Int.self, forKey: .relearnSteps) ?? relearnSteps
        relearnEvery = try c.decodeIfPresent(Int.self, forKey: .relearnEvery) ?? relearnEvery
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
    }
}
