import Datasets
import NeuralEngine

#if canImport(Glibc)
import Glibc
#endif

/// The target's erasure until a rule it computes on its own data holds (METHODS §1.8), instead of a fixed
/// budget: the depth of the erasure comes from what the model still knows, not from a learning rate.
extension LocalEraser {
    /// What the target checks, every `checkEvery` steps, on its training samples (as labelled: a stamped
    /// sample with its backdoor label) and its validation samples (never trained on):
    ///
    /// - **membership parity**: the loss attack cannot tell the two apart, AUC(−loss; training vs
    ///   validation) ≤ 0.5 + `aucMargin`, and training accuracy ≤ validation accuracy;
    /// - **reference level** (when the server sent one): training accuracy ≤ `referenceAccuracy` +
    ///   `referenceMargin`, the accuracy on the same samples of w₀ minus the target's stored contributions —
    ///   a model that never learned them, used as a yardstick only, never served.
    ///
    /// Safety: a check that finds validation accuracy below `collapseFraction` of its value at the start,
    /// or `collapseShare` of the validation predictions in one class, rolls back to the previous check's
    /// weights and goes on from there with half the learning rate (a fresh optimiser state), at most
    /// `maxBackoffs` times; one more collapse stops the erasure at the weights rolled back to. Without the
    /// halving a step size that overshoots at once would roll back to the start and erase nothing.
    /// `maxEpochs` bounds the work (passes' worth of the target's samples).
    public struct StoppingRule: Sendable, Codable, Equatable {
        public var aucMargin: Double
        public var referenceAccuracy: Double?
        public var referenceMargin: Double
        public var checkEvery: Int
        public var maxEpochs: Int
        public var collapseFraction: Double
        public var collapseShare: Double
        public var maxBackoffs: Int

        public init(
            aucMargin: Double = 0.05, referenceAccuracy: Double? = nil, referenceMargin: Double = 0.05, checkEvery: Int = 5,
            maxEpochs: Int = 20, collapseFraction: Double = 0.5, collapseShare: Double = LocalEraser.collapseShare, maxBackoffs: Int = 4
        ) {
            self.aucMargin = aucMargin
            self.referenceAccuracy = referenceAccuracy
            self.referenceMargin = referenceMargin
            self.checkEvery = checkEvery
            self.maxEpochs = maxEpochs
            self.collapseFraction = collapseFraction
            self.collapseShare = collapseShare
            self.maxBackoffs = maxBackoffs
        }
    }

    /// One check of the rule.
    public struct RuleCheck: Sendable, Codable, Equatable {
        public var step: Int
        public var trainingAccuracy: Double
        public var validationAccuracy: Double
        /// AUC of −loss, training samples as members against validation samples.
        public var membershipAUC: Double
        /// The share of the validation samples in the most predicted class.
        public var dominantClassShare: Double
        /// Training samples still in the loss (those that look like members).
        public var active: Int
        public var holds: Bool
    }

    /// How the erasure with a stopping rule ended.
    public enum RuleOutcome: String, Sendable, Codable, Equatable {
        /// The rule held at a check (or before any step).
        case held
        /// The work bound ran out first.
        case budget
        /// Checks kept finding a collapse after every halving of the learning rate; the weights of the check
        /// before the last one were kept.
        case rolledBack
    }

    /// The erasure and its checks.
    public struct RuleErasure: Sendable {
        public var weights: [Float]
        public var outcome: RuleOutcome
        public var steps: Int
        /// Samples × passes processed (for the compute accounting).
        public var sampleSteps: Int
        public var checks: [RuleCheck]
        /// Roll-backs after a collapse, each halving the learning rate.
        public var backoffs: Int
        /// The check of the weights returned.
        public var final: RuleCheck

        /// The fields every eraser reports, for an erasure from `start` of `trainingCount` samples.
        public func report(start: [Float], trainingCount: Int) -> Report {
            let reason: StopReason = switch outcome {
            case .held: .ruleHeld
            case .budget: .budget
            case .rolledBack: .rolledBack
            }
            return Report(
                steps: steps, epochs: (sampleSteps + trainingCount - 1) / max(1, trainingCount), stopReason: reason,
                distanceToStart: LocalEraser.distance(weights, start), distanceToReference: nil, largestDistanceToReference: nil,
                validationAccuracy: final.validationAccuracy, dominantClassShare: final.dominantClassShare,
                collapsed: final.dominantClassShare >= LocalEraser.collapseShare)
        }
    }

    /// The loss a rule-driven erasure descends.
    public enum RuleEraser: String, Sendable, Codable, CaseIterable {
        /// KL(uniform ‖ p) (`UniformKLLoss`).
        case uniformKL = "kl-uniform"
        /// Cross-entropy ascent, projected into a ball of `radius` around the start.
        case crossEntropyAscent = "ce-ascent"
        /// KL(teacher ‖ p) (`SoftTargetKLLoss`) on every training sample: the model's outputs pulled toward a
        /// teacher's — a model that never saw these samples — so what it knows of them becomes what such a
        /// model knows.
        case distill
    }

    /// Erases `training` from `start` with `eraser` and `optimizer` until `rule` holds (see
    /// `StoppingRule`). Each check also picks the samples that stay in the loss: the training samples whose
    /// loss (as labelled) is still below the validation samples' median loss — the memorised and stamped
    /// ones; when none are left but the accuracy conditions fail, the correctly classified ones (the distill
    /// eraser keeps every training sample in its loss, with `teacher` giving each one's target outputs). Seeded
    /// orders; the same inputs give the same weights at the same thread count. `projectStep`, when given,
    /// edits every optimiser step δ = w_after − w_before before it stands (e.g. projecting it away from the
    /// retained hospitals' recent directions), whatever the optimiser. Preconditions: `training` and
    /// `validation` not empty, `start` fits `model`.
    public static func eraseUntilRule(
        _ model: Sequential, samples: any SampleSource, training: [Int], validation: [Int], start: [Float], eraser: RuleEraser,
        radius: Double? = nil, optimizer: any Optimizer, batchSize: Int, clipNorm: Float?, rule: StoppingRule, seed: UInt64,
        projectStep: ((inout [Float]) -> Void)? = nil, teacher: [Int: [Float]]? = nil
    ) -> RuleErasure {
        precondition(!training.isEmpty && !validation.isEmpty, "a stopping rule needs training and validation samples")
        precondition(start.count == model.parameters.values.count, "start does not fit \(model.name)")
        precondition(rule.checkEvery > 0 && rule.maxEpochs > 0 && batchSize > 0, "invalid stopping rule \(rule)")
        precondition(eraser != .distill || training.allSatisfy { teacher?[$0] != nil }, "the distill eraser needs the teacher's outputs on every training sample")
        let distillation: ((Tensor, ArraySlice<Int>) -> LossResult)? = eraser != .distill ? nil : { logits, batch in
            SoftTargetKLLoss()(logits, targets: batch.flatMap { teacher![$0]! })
        }
        model.parameters.values = start
        var options = TrainingOptions(model: model.name, epochs: 1, batchSize: batchSize, learningRate: optimizer.learningRate, clipNorm: clipNorm, seed: seed)
        options.objective = eraser == .uniformKL ? .uniformKL : .ascentCrossEntropy
        let fresh = optimizer
        var optimizer = optimizer
        var generator = SeededGenerator(seed: seed)
        let ball: ((inout Parameters) -> Void)? = eraser == .crossEntropyAscent && radius != nil
            ? { parameters in projectIntoBall(&parameters.values, center: start, radius: radius!) } : nil
        // The weights before the current step, kept only when a step projection needs them.
        var before = start
        let project: ((inout Parameters) -> Void)? = projectStep == nil && ball == nil ? nil : { parameters in
            if let projectStep {
                var step = zip(parameters.values, before).map { $0 - $1 }
                projectStep(&step)
                for i in step.indices { parameters.values[i] = before[i] + step[i] }
            }
            ball?(&parameters)
            if projectStep != nil { before = parameters.values }
        }

        var checks: [RuleCheck] = []
        var steps = 0, sampleSteps = 0
        var (first, active) = check(model, samples: samples, training: training, validation: validation, rule: rule, step: 0, batchSize: batchSize)
        checks.append(first)
        if first.holds { return RuleErasure(weights: start, outcome: .held, steps: 0, sampleSteps: 0, checks: checks, backoffs: 0, final: first) }
        let startAccuracy = first.validationAccuracy
        var lastGood = start
        var lastGoodCheck = first
        var lastActive = active
        var backoffs = 0
        let workBound = rule.maxEpochs * training.count
        var outcome = RuleOutcome.budget
        while sampleSteps < workBound {
            if active.isEmpty || eraser == .distill { active = training }
            if projectStep != nil { before = model.parameters.values }
            var made = 0
            _ = Trainer.runEpoch(
                model, samples: samples, indices: active, options: options, optimizer: &optimizer, generator: &generator, afterStep: project,
                shouldStop: {
                    made += 1
                    return made >= rule.checkEvery
                }, loss: distillation)
            steps += made
            sampleSteps += min(made * batchSize, active.count)
            let next = check(model, samples: samples, training: training, validation: validation, rule: rule, step: steps, batchSize: batchSize)
            checks.append(next.check)
            if next.check.validationAccuracy < rule.collapseFraction * startAccuracy || next.check.dominantClassShare >= rule.collapseShare {
                model.parameters.values = lastGood
                guard backoffs < rule.maxBackoffs else {
                    outcome = .rolledBack
                    break
                }
                backoffs += 1
                optimizer = fresh
                optimizer.learningRate = fresh.learningRate * Float(pow(0.5, Double(backoffs)))
                active = lastActive
                continue
            }
            lastGood = model.parameters.values
            lastGoodCheck = next.check
            if next.check.holds {
                outcome = .held
                break
            }
            active = next.active
            lastActive = active
        }
        return RuleErasure(
            weights: model.parameters.values, outcome: outcome, steps: steps, sampleSteps: sampleSteps, checks: checks, backoffs: backoffs,
            final: lastGoodCheck)
    }

    /// The rule checked on `model`'s current weights (the closed loop: the target checks the global model).
    public static func checkRule(
        _ model: Sequential, samples: any SampleSource, training: [Int], validation: [Int], rule: StoppingRule, batchSize: Int
    ) -> RuleCheck {
        check(model, samples: samples, training: training, validation: validation, rule: rule, step: 0, batchSize: batchSize).check
    }

    /// Evaluates the rule on the model's current weights; also returns the training samples that stay in
    /// the loss.
    static func check(
        _ model: Sequential, samples: any SampleSource, training: [Int], validation: [Int], rule: StoppingRule, step: Int, batchSize: Int
    ) -> (check: RuleCheck, active: [Int]) {
        let train = outputs(model, samples: samples, indices: training, batchSize: batchSize)
        let held = outputs(model, samples: samples, indices: validation, batchSize: batchSize)
        let trainAccuracy = Double(train.correct.filter { $0 }.count) / Double(training.count)
        let validationAccuracy = Double(held.correct.filter { $0 }.count) / Double(validation.count)
        let auc = membershipAUC(memberLosses: train.losses, nonMemberLosses: held.losses)
        let dominant = dominantShare(of: held.predicted)
        let parity = auc <= 0.5 + rule.aucMargin && trainAccuracy <= validationAccuracy
        let level = rule.referenceAccuracy.map { trainAccuracy <= $0 + rule.referenceMargin } ?? true
        let median = Self.median(held.losses)
        var active = training.indices.filter { train.losses[$0] < median }.map { training[$0] }
        if active.isEmpty, !(trainAccuracy <= validationAccuracy && level) {
            active = training.indices.filter { train.correct[$0] }.map { training[$0] }
        }
        let check = RuleCheck(
            step: step, trainingAccuracy: trainAccuracy, validationAccuracy: validationAccuracy, membershipAUC: auc, dominantClassShare: dominant,
            active: active.count, holds: parity && level)
        return (check, active)
    }

    /// Per-sample cross-entropy (as labelled), correctness and predicted class, in evaluation mode.
    static func outputs(_ model: Sequential, samples: any SampleSource, indices: [Int], batchSize: Int)
        -> (losses: [Double], correct: [Bool], predicted: [Int])
    {
        let batches = Batches(source: samples, indices: indices, batchSize: batchSize)
        var losses: [Double] = [], correct: [Bool] = [], predicted: [Int] = []
        var start = 0
        while start < indices.count {
            let (x, labels) = batches.load(indices[start..<min(indices.count, start + batchSize)])
            var context = ForwardContext(training: false)
            let logits = model.forward(x, &context)
            let logP = SoftmaxCrossEntropy.logSoftmax(logits, nonFiniteAsUniform: true)
            let k = logits.shape[1]
            let classes = Trainer.predictions(logits)
            for (row, label) in labels.enumerated() {
                losses.append(-Double(logP[row * k + label]))
                correct.append(classes[row] == label)
            }
            predicted += classes
            start += labels.count
        }
        return (losses, correct, predicted)
    }

    /// The loss attack's AUC: the probability that a member has a lower loss than a non-member, ties ½
    /// (Mann–Whitney), by sorting.
    static func membershipAUC(memberLosses: [Double], nonMemberLosses: [Double]) -> Double {
        guard !memberLosses.isEmpty, !nonMemberLosses.isEmpty else { return 0.5 }
        let sorted = nonMemberLosses.sorted()
        var sum = 0.0
        for loss in memberLosses {
            // Non-members with a higher loss count 1, equal ½.
            let below = lowerBound(sorted, loss)
            let upTo = upperBound(sorted, loss)
            sum += Double(sorted.count - upTo) + 0.5 * Double(upTo - below)
        }
        return sum / Double(memberLosses.count * nonMemberLosses.count)
    }

    static func lowerBound(_ sorted: [Double], _ value: Double) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func upperBound(_ sorted: [Double], _ value: Double) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
