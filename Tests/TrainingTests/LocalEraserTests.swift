import Datasets
import NeuralEngine
import Testing
import TestSupport

@testable import Training

/// The target hospital's local erasure on a tiny three-class task: cnn-small trained on 36 samples (w₀),
/// the target holding 12 of them, a reference w_ref trained a little further on the other 24.
@Suite struct LocalEraserTests {
    typealias F = ErasureFixtures

    /// Batches of 4 over the target's 12 samples: 3 steps an epoch.
    static let options = LocalEraser.Options(batchSize: 4, epochs: 5, seed: 7)
    static var validation: LocalEraser.Validation { .init(samples: F.validation, indices: Array(0..<30)) }

    @Test func projectedAscentRaisesTheTargetLossInsideTheBall() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            let (start, reference) = (F.globalModel, F.referenceModel)
            // The start lies inside the ball, 0.05 from its sphere; ascent reaches the sphere and stays on it.
            let radius = LocalEraser.distance(start, reference) + 0.05
            var distances: [Double] = []
            let erasure = LocalEraser.erase(
                model, samples: F.training, indices: F.target, start: start,
                mode: .projectedAscent(reference: reference, radius: radius), options: Self.options, validation: Self.validation,
                afterStep: { _, parameters in distances.append(LocalEraser.distance(parameters.values, reference)) })
            let report = erasure.report
            #expect(report.steps == 15 && report.epochs == 5 && report.stopReason == .budget)
            #expect(distances.count == 15)
            #expect(distances.allSatisfy { $0 <= radius + 1e-4 }, "largest \(distances.max()!) for radius \(radius)")
            #expect(abs(report.largestDistanceToReference! - distances.max()!) < 1e-9)
            #expect(report.largestDistanceToReference! > radius - 1e-3, "the projection never bound")
            #expect(abs(report.distanceToReference! - distances.last!) < 1e-9)
            #expect(abs(report.distanceToStart - LocalEraser.distance(erasure.weights, start)) < 1e-9)
            let returned = erasure.weights == model.parameters.values
            #expect(returned)
            let before = F.fit(model, start, samples: F.training, indices: F.target)
            let after = F.fit(model, erasure.weights, samples: F.training, indices: F.target)
            #expect(after.loss > before.loss + 0.05, "target loss \(before.loss) → \(after.loss)")
            #expect(report.validationAccuracy != nil)
        }
    }

    @Test func boundedLossDescentLowersTheTrueClassProbability() {
        withEngineThreadsLocked {
            let model = F.cnnSmall()
            let erasure = LocalEraser.erase(model, samples: F.training, indices: F.target, start: F.globalModel, mode: .boundedLoss, options: Self.options)
            #expect(erasure.report.steps == 15 && erasure.report.stopReason == .budget && erasure.report.distanceToReference == nil)
            let before = F.fit(model, F.globalModel, samples: F.training, indices: F.target)
            let after = F.fit(model, erasure.weights, samples: F.training, indices: F.target)
            #expect(after.trueClass < before.trueClass, "mean p_y \(before.trueClass) → \(after.trueClass)")
        }
    }

    @Test(arguments: [false, true])
    func sameSeedSameBits(projected: Bool) {
        withEngineThreadsLocked {
            let mode: LocalEraser.Mode = projected ? .projectedAscent(reference: F.referenceModel, radius: 1, distanceThreshold: 0.5) : .boundedLoss
            func run(seed: UInt64) -> LocalEraser.Erasure {
                var options = Self.options
                options.seed = seed
                return LocalEraser.erase(F.cnnSmall(), samples: F.training, indices: F.target, start: F.globalModel, mode: mode, options: options)
            }
            let once = run(seed: 7), again = run(seed: 7)
            let same = once.weights == again.weights, other = run(seed: 8).weights == once.weights
            #expect(same && once.report == again.report)
            #expect(!other)
        }
    }

    @Test func smallDistanceThresholdStopsEarly() {
        withEngineThreadsLocked {
            let threshold = 1e-3
            var distances: [Double] = []
            let erasure = LocalEraser.erase(
                F.cnnSmall(), samples: F.training, indices: F.target, start: F.globalModel,
                mode: .projectedAscent(reference: F.referenceModel, radius: 10, distanceThreshold: threshold), options: Self.options,
                afterStep: { _, parameters in distances.append(LocalEraser.distance(parameters.values, F.globalModel)) })
            let report = erasure.report
            #expect(report.stopReason == .distance && report.steps < 15 && report.epochs == 1)
            // It stops after the first step that crosses the threshold, and keeps that step's weights.
            #expect(distances.count == report.steps && distances.dropLast().allSatisfy { $0 <= threshold } && distances.last! > threshold)
            #expect(abs(report.distanceToStart - distances.last!) < 1e-9)
        }
    }

    @Test func accuracyFloorIsCheckedEveryCheckEverySteps() {
        withEngineThreadsLocked {
            var options = Self.options
            options.checkEvery = 2
            // No accuracy reaches 1.01: the first check, after step 2, stops the erasure.
            let erasure = LocalEraser.erase(
                F.cnnSmall(), samples: F.training, indices: F.target, start: F.globalModel,
                mode: .projectedAscent(reference: F.referenceModel, radius: 10, accuracyFloor: 1.01), options: options,
                validation: Self.validation)
            #expect(erasure.report.stopReason == .accuracyFloor && erasure.report.steps == 2)
        }
    }

    @Test func aModelThatPredictsOneClassIsCollapsed() {
        withEngineThreadsLocked {
            // Zero weights and biases (0, 1, 0): class 1 for everything; no epochs, so the start is reported.
            let model = F.linear(itemShape: [1, 28, 28], classes: 3, bias: [0, 1, 0])
            let start = model.parameters.values
            var options = Self.options
            options.epochs = 0
            let erasure = LocalEraser.erase(
                model, samples: F.training, indices: F.target, start: start, mode: .boundedLoss, options: options, validation: Self.validation)
            #expect(erasure.report.steps == 0 && erasure.report.collapsed && erasure.report.dominantClassShare == 1)
            // A third of the validation samples (labels i mod 3) are class 1.
            #expect(abs(erasure.report.validationAccuracy! - 1.0 / 3) < 1e-12)
            // The trained cnn-small spreads its predictions over the three classes.
            let trained = LocalEraser.erase(
                F.cnnSmall(), samples: F.training, indices: F.target, start: F.globalModel, mode: .boundedLoss, options: options,
                validation: Self.validation)
            #expect(!trained.report.collapsed && trained.report.validationAccuracy! > 2.0 / 3)
        }
    }
}
