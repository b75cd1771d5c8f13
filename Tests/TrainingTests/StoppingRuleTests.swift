import Datasets
#if canImport(Glibc)
import Glibc
#endif
import NeuralEngine
import Testing
import TestSupport

@testable import Training

/// The target's erasure until its stopping rule holds: the rule's AUC against hand-counted pairs, a rule
/// that fails on a memorising model and holds after the erasure (checked again from the returned weights),
/// no work when it holds from the start, and the roll-back on collapse.
@Suite struct StoppingRuleTests {
    typealias F = ErasureFixtures

    /// 60 band images with seeded random labels, so a model can only learn them by heart: the target
    /// trains on 0..<12 (with the others on 12..<36) and keeps 36..<60 as validation, never trained on.
    static let samples: InMemorySamples = {
        let bands = F.bands(count: 60, seed: 21)
        var generator = SeededGenerator(seed: 22)
        return InMemorySamples(itemShape: bands.itemShape, values: bands.values, labels: (0..<60).map { _ in Int(generator.next() % 3) })
    }()
    static let training = Array(0..<12)
    static let validation = Array(36..<60)

    /// cnn-small fitted 25 epochs on 0..<36: the labels are learned by heart, so the target's samples are
    /// recognisable as members. Call with the engine threads locked.
    static let memorised: [Float] = fitted(on: Array(0..<36))

    /// cnn-small from seed 9, fitted 25 epochs of SGD (lr 0.05, batch 6) on `indices`.
    static func fitted(on indices: [Int]) -> [Float] {
        let model = F.cnnSmall()
        model.initialize(seed: 9)
        let options = TrainingOptions(model: "cnn-small", epochs: 25, batchSize: 6, learningRate: 0.05, seed: 9)
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<options.epochs {
            _ = Trainer.runEpoch(model, samples: samples, indices: indices, options: options, optimizer: &optimizer, generator: &generator)
        }
        return model.parameters.values
    }

    /// Members' losses (1, 2, 4) against non-members' (2, 3): pairs where the member's loss is lower count
    /// 1, ties ½ — (1,2) 1, (1,3) 1, (2,2) ½, (2,3) 1, (4,2) 0, (4,3) 0: 3.5 of 6.
    @Test func membershipAUCCountsPairs() {
        #expect(abs(LocalEraser.membershipAUC(memberLosses: [1, 2, 4], nonMemberLosses: [2, 3]) - 3.5 / 6) < 1e-12)
        #expect(LocalEraser.membershipAUC(memberLosses: [0, 0], nonMemberLosses: [1]) == 1)
        #expect(LocalEraser.membershipAUC(memberLosses: [5], nonMemberLosses: [5, 5]) == 0.5)
        #expect(LocalEraser.median([3, 1, 2]) == 2 && LocalEraser.median([4, 1, 2, 3]) == 2.5)
    }

    @Test func theRuleFailsOnAMemorisingModelAndHoldsAfterCrossEntropyAscent() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            let rule = LocalEraser.StoppingRule(checkEvery: 2, maxEpochs: 60)
            model.parameters.values = Self.memorised
            let before = LocalEraser.checkRule(model, samples: Self.samples, training: Self.training, validation: Self.validation, rule: rule, batchSize: 4)
            #expect(!before.holds && before.trainingAccuracy > before.validationAccuracy + 0.3 && before.membershipAUC > 0.75, "\(before)")
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .crossEntropyAscent,
                radius: 50, optimizer: SGD(learningRate: 0.05, momentum: 0.9), batchSize: 4, clipNorm: 1, rule: rule, seed: 3)
            #expect(erasure.outcome == .held, "\(erasure.checks)")
            #expect(erasure.steps > 0 && erasure.checks.count >= 2 && erasure.checks.last!.holds)
            // The returned weights satisfy the rule when checked afresh.
            model.parameters.values = erasure.weights
            let after = LocalEraser.checkRule(model, samples: Self.samples, training: Self.training, validation: Self.validation, rule: rule, batchSize: 4)
            #expect(after.holds && after.membershipAUC <= 0.55 && after.trainingAccuracy <= after.validationAccuracy, "\(after)")
            let report = erasure.report(start: Self.memorised, trainingCount: Self.training.count)
            #expect(report.stopReason == .ruleHeld && report.steps == erasure.steps && report.distanceToStart > 0)
            // Same seed, same bits.
            let again = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .crossEntropyAscent,
                radius: 50, optimizer: SGD(learningRate: 0.05, momentum: 0.9), batchSize: 4, clipNorm: 1, rule: rule, seed: 3)
            #expect(again.weights == erasure.weights)
        }
    }

    /// The distill eraser pulls the target's outputs toward a teacher that never saw them — here cnn-small
    /// fitted on the other samples (12..<36) only. On the memorised model the rule fails; after the
    /// erasure it holds, and the training samples' predictions agree with the teacher's far more than
    /// before (the teacher's labels are random on them, so agreement means its outputs were learned).
    @Test func distillingTowardATeacherThatNeverSawTheSamplesMeetsTheRule() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            let teacherWeights = Self.fitted(on: Array(12..<36))
            func outputs(_ weights: [Float]) -> [[Float]] {
                model.parameters.values = weights
                let (x, _) = Batches(source: Self.samples, indices: Self.training, batchSize: 12).load(Self.training[...])
                var context = ForwardContext(training: false)
                let logP = SoftmaxCrossEntropy.logSoftmax(model.forward(x, &context))
                return (0..<12).map { row in (0..<3).map { expf(logP[row * 3 + $0]) } }
            }
            let teacherOutputs = outputs(teacherWeights)
            let teacher = Dictionary(uniqueKeysWithValues: zip(Self.training, teacherOutputs))
            func agreement(_ weights: [Float]) -> Int {
                zip(outputs(weights), teacherOutputs).filter { a, b in a.indices.max { a[$0] < a[$1] } == b.indices.max { b[$0] < b[$1] } }.count
            }
            let rule = LocalEraser.StoppingRule(checkEvery: 2, maxEpochs: 60)
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .distill,
                optimizer: SGD(learningRate: 0.05, momentum: 0.9), batchSize: 4, clipNorm: 1, rule: rule, seed: 3, teacher: teacher)
            #expect(erasure.outcome == .held && erasure.steps > 0, "\(erasure.checks)")
            model.parameters.values = erasure.weights
            let after = LocalEraser.checkRule(model, samples: Self.samples, training: Self.training, validation: Self.validation, rule: rule, batchSize: 4)
            #expect(after.holds, "\(after)")
            #expect(agreement(erasure.weights) > agreement(Self.memorised), "\(agreement(erasure.weights)) against \(agreement(Self.memorised))")
        }
    }

    /// KL(uniform ‖ p) flattens every output, not only the memorised ones: on this task, at this step size,
    /// the validation predictions pile into one class before the membership gap closes. Each collapse rolls
    /// back to the check before and halves the step; whatever the outcome, the weights returned are the
    /// last check's that did not collapse, and they erased part of the gap.
    @Test func aCollapseRollsBackHalvesTheStepAndGoesOn() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            let rule = LocalEraser.StoppingRule(checkEvery: 2, maxEpochs: 60)
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .uniformKL,
                optimizer: SGD(learningRate: 0.05, momentum: 0.9), batchSize: 4, clipNorm: 1, rule: rule, seed: 3)
            #expect(erasure.backoffs >= 1 && erasure.checks.contains { $0.dominantClassShare >= rule.collapseShare }, "\(erasure.checks)")
            #expect(erasure.backoffs <= rule.maxBackoffs && (erasure.outcome != .rolledBack || erasure.backoffs == rule.maxBackoffs))
            model.parameters.values = erasure.weights
            let kept = LocalEraser.checkRule(model, samples: Self.samples, training: Self.training, validation: Self.validation, rule: rule, batchSize: 4)
            #expect(kept == { var c = erasure.final; c.step = 0; return c }())
            #expect(kept.dominantClassShare < rule.collapseShare && kept.membershipAUC < erasure.checks[0].membershipAUC)
        }
    }

    @Test func projectedStepsNeverMoveAlongTheRemovedDirection() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            // A unit vector v: every optimiser step loses its component along v, so the erasure moves
            // orthogonally to v however far it goes (Adam's per-coordinate scaling included).
            var generator = SeededGenerator(seed: 31)
            var v = (0..<Self.memorised.count).map { _ in Float(generator.nextUnit() * 2 - 1) }
            let length = Float(v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
            v = v.map { $0 / length }
            var projected = 0
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .crossEntropyAscent,
                radius: 50, optimizer: Adam(learningRate: 0.001), batchSize: 4, clipNorm: 1, rule: .init(checkEvery: 2, maxEpochs: 10), seed: 3,
                projectStep: { step in
                    projected += 1
                    let along = zip(step, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    for i in step.indices { step[i] -= Float(along) * v[i] }
                })
            let moved = zip(erasure.weights, Self.memorised).map { $0 - $1 }
            let norm = moved.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let along = zip(moved, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(projected >= erasure.steps && erasure.steps > 0 && norm > 0)
            #expect(abs(along) < 1e-4 * max(1, norm), "moved \(norm), along v \(along)")
        }
    }

    @Test func aReferenceLevelBelowTheTrainingAccuracyKeepsTheRuleFailing() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            model.parameters.values = Self.memorised
            let loose = LocalEraser.StoppingRule(aucMargin: 1, referenceAccuracy: nil)
            let plain = LocalEraser.checkRule(model, samples: Self.samples, training: Self.validation, validation: Self.validation, rule: loose, batchSize: 8)
            // Training = validation: parity holds (AUC ½, equal accuracies) …
            #expect(plain.holds && abs(plain.membershipAUC - 0.5) < 1e-12)
            // … but not under a reference level 0.06 below the accuracy.
            let strict = LocalEraser.StoppingRule(aucMargin: 1, referenceAccuracy: plain.trainingAccuracy - 0.06, referenceMargin: 0.05)
            #expect(!LocalEraser.checkRule(model, samples: Self.samples, training: Self.validation, validation: Self.validation, rule: strict, batchSize: 8).holds)
        }
    }

    @Test func nothingIsErasedWhenTheRuleAlreadyHolds() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            // Training and validation samples alike: the rule holds at the start.
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.validation, validation: Self.validation, start: Self.memorised, eraser: .uniformKL,
                optimizer: SGD(learningRate: 0.01), batchSize: 4, clipNorm: 1, rule: .init(), seed: 3)
            #expect(erasure.outcome == .held && erasure.steps == 0 && erasure.weights == Self.memorised && erasure.checks.count == 1)
        }
    }

    @Test func aCollapseRollsBackToThePreviousCheck() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            // A huge step pushes everything toward uniform at once; a dominant-share limit of 0 counts any
            // model after a step as collapsed, so the first check rolls back to the start.
            let rule = LocalEraser.StoppingRule(aucMargin: 0, checkEvery: 1, collapseFraction: 0, collapseShare: 0, maxBackoffs: 0)
            let erasure = LocalEraser.eraseUntilRule(
                model, samples: Self.samples, training: Self.training, validation: Self.validation, start: Self.memorised, eraser: .uniformKL,
                optimizer: SGD(learningRate: 0.5), batchSize: 4, clipNorm: nil, rule: rule, seed: 3)
            #expect(erasure.outcome == .rolledBack && erasure.steps == 1 && erasure.weights == Self.memorised)
            #expect(erasure.report(start: Self.memorised, trainingCount: 12).stopReason == .rolledBack)
        }
    }
}
