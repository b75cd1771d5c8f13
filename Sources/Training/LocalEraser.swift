import Datasets
import NeuralEngine

/// The target hospital's local erasure of its own training samples, from a start model it was sent
/// (METHODS §1.3, phase U): gradient ascent projected into a ball around a reference model (U1), or
/// descent of FedOSD's bounded forgetting loss (U2). Both train with SGD through `Trainer.runEpoch`, in a
/// seeded order, so the same inputs and seed give the same weights bit for bit (at the same thread count).
public enum LocalEraser {
    /// How the target erases.
    public enum Mode: Sendable, Equatable {
        /// Projected gradient ascent (Halimi et al. 2022, "Federated Unlearning: How to Efficiently Erase a
        /// Client in FL?", arXiv 2207.05521): maximise the target's cross-entropy F_u(w) inside the ball
        /// Ω = {v : ‖v − w_ref‖₂ ≤ δ}, one SGD step on −F_u then a projection per batch:
        ///
        ///     w ← P_Ω(SGD step on −F_u(w)),   P_Ω(v) = w_ref + (v − w_ref)·min(1, δ/‖v − w_ref‖₂).
        ///
        /// `reference` is w_ref (Halimi: the mean of the other clients' last models, which the target
        /// computes as (N·w^T − w_u^{T−1})/(N − 1)); `radius` is δ (Euclidean, not squared). Early
        /// stopping: after the step on which ‖w − w_start‖₂ exceeds `distanceThreshold`, or after a check
        /// (every `Options.checkEvery` steps) that finds accuracy on the validation samples below
        /// `accuracyFloor`; the weights returned are those of that step.
        ///
        /// Where to start is the caller's `start`. Halimi's official notebook (IBM/federated-unlearning)
        /// starts the ascent at w_ref itself (`model = copy.deepcopy(model_ref)`), inside the ball from the
        /// outset; METHODS §1.3 (AFU-IC, U1) starts at the anchor w_orig the server sent, so that
        /// Δ_u = w_unl − w_orig holds the erasure alone. From w_orig, which lies ‖w_orig − w_u‖/(N − 1) from
        /// w_ref under FedAvg, the first step's projection pulls the model into the ball if it starts outside.
        /// Their code also differs in two details: its distances are squared norms (δ² = mean‖w_ref −
        /// w_rand‖²/3, so δ is √ of that, not mean‖·‖/3), and its early stop measures the squared distance to
        /// the target's own last local model, not to the start.
        case projectedAscent(reference: [Float], radius: Double, distanceThreshold: Double? = nil, accuracyFloor: Double? = nil)
        /// Descent of FedOSD's bounded unlearning cross-entropy −log(1 − p_y/2) (`BoundedForgetLoss`;
        /// Pan et al., AAAI 2025, arXiv 2412.20200) on the target's samples, for `Options.epochs` epochs.
        case boundedLoss
    }

    /// Optimiser and budget. Defaults are Halimi's code (SGD lr 0.01, momentum 0.9, gradient-norm clip
    /// 1) and METHODS §1.6 (at most 5 epochs, batch 64); they apply to both modes.
    public struct Options: Sendable, Equatable {
        public var learningRate: Float
        public var momentum: Float
        public var batchSize: Int
        /// The budget: at most this many passes over the target's samples.
        public var epochs: Int
        /// The gradient-norm clip (nil: none), applied to the ascent direction as PyTorch's clip_grad_norm_.
        public var clipNorm: Float?
        /// Steps between accuracy-floor checks (each one a forward pass over the validation samples).
        public var checkEvery: Int
        public var seed: UInt64

        public init(
            learningRate: Float = 0.01, momentum: Float = 0.9, batchSize: Int = 64, epochs: Int = 5, clipNorm: Float? = 1,
            checkEvery: Int = 10, seed: UInt64 = 0
        ) {
            self.learningRate = learningRate
            self.momentum = momentum
            self.batchSize = batchSize
            self.epochs = epochs
            self.clipNorm = clipNorm
            self.checkEvery = checkEvery
            self.seed = seed
        }
    }

    /// Clean samples the erasure is watched on: the accuracy floor, the final accuracy and the collapse test.
    public struct Validation {
        public var samples: any SampleSource
        public var indices: [Int]

        public init(samples: any SampleSource, indices: [Int]) {
            self.samples = samples
            self.indices = indices
        }
    }

    public enum StopReason: String, Sendable, Codable, Equatable {
        /// All `Options.epochs` epochs ran.
        case budget
        /// ‖w − w_start‖₂ exceeded the distance threshold.
        case distance
        /// Validation accuracy fell below the floor.
        case accuracyFloor
        /// The stopping rule held (`eraseUntilRule`).
        case ruleHeld
        /// Checks kept finding a collapse after every halving of the step; the weights of the last check
        /// that did not were kept (`eraseUntilRule`).
        case rolledBack
    }

    /// What an erasure did.
    public struct Report: Sendable, Codable, Equatable {
        /// Optimiser steps taken.
        public var steps: Int
        /// Epochs run, the last one possibly cut short by an early stop.
        public var epochs: Int
        public var stopReason: StopReason
        /// ‖w_erased − w_start‖₂.
        public var distanceToStart: Double
        /// ‖w_erased − w_ref‖₂ (projected ascent only).
        public var distanceToReference: Double?
        /// The largest ‖w − w_ref‖₂ after any step's projection (projected ascent only; ≤ δ up to rounding).
        public var largestDistanceToReference: Double?
        /// Accuracy of the erased model on the validation samples (nil without any).
        public var validationAccuracy: Double?
        /// The share of the collapse-test samples (the validation samples, or the target's own when there are
        /// none) that the erased model puts in its most predicted class.
        public var dominantClassShare: Double
        /// `dominantClassShare ≥ 0.95`: the model predicts (almost) one class for everything.
        public var collapsed: Bool
    }

    /// The erased weights and the report.
    public struct Erasure: Sendable {
        public var weights: [Float]
        public var report: Report
    }

    /// The dominant-class share from which a model counts as collapsed.
    public static let collapseShare = 0.95

    /// Erases the samples at `indices` of `samples` from `start`: loads `start` into `model` (which holds
    /// the erased weights afterwards), runs `mode` with `options`, and reports. `afterStep` sees the step
    /// number (from 1) and the weights after each step, projection included. Preconditions: `start` (and a
    /// reference) fit the model, `indices` is not empty, an accuracy floor comes with validation samples.
    public static func erase(
        _ model: Sequential, samples: any SampleSource, indices: [Int], start: [Float], mode: Mode, options: Options = Options(),
        validation: Validation? = nil, afterStep: ((_ step: Int, _ parameters: Parameters) -> Void)? = nil
    ) -> Erasure {
        precondition(start.count == model.parameters.values.count, "start has \(start.count) weights, \(model.name) \(model.parameters.values.count)")
        precondition(!indices.isEmpty, "no samples to erase")
        precondition(options.batchSize > 0 && options.epochs >= 0 && options.checkEvery > 0, "invalid erasure options \(options)")
        model.parameters.values = start
        var training = TrainingOptions(
            model: model.name, epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate,
            momentum: options.momentum, clipNorm: options.clipNorm, seed: options.seed)
        var optimizer: any Optimizer = SGD(learningRate: options.learningRate, momentum: options.momentum)
        var generator = SeededGenerator(seed: options.seed)
        var steps = 0
        var stopReason = StopReason.budget
        var largestDistanceToReference: Double?
        var project: ((inout Parameters) -> Void)?

        // The checks read the model (its weights, an evaluation forward), so they run in `shouldStop`,
        // outside runEpoch's exclusive access to the parameters; only the projection writes them.
        var distanceThreshold: Double?, accuracyFloor: Double?
        switch mode {
        case .projectedAscent(let reference, let radius, let threshold, let floor):
            precondition(reference.count == start.count, "reference has \(reference.count) weights, \(model.name) \(start.count)")
            precondition(radius > 0, "radius must be positive")
            precondition(floor == nil || !(validation?.indices.isEmpty ?? true), "an accuracy floor needs validation samples")
            training.objective = .ascentCrossEntropy
            distanceThreshold = threshold
            accuracyFloor = floor
            project = { parameters in
                projectIntoBall(&parameters.values, center: reference, radius: radius)
                let now = distance(parameters.values, reference)
                largestDistanceToReference = max(largestDistanceToReference ?? 0, now)
            }
        case .boundedLoss:
            training.objective = .boundedForget
        }
        let shouldStop: () -> Bool = {
            steps += 1
            afterStep?(steps, model.parameters)
            if let distanceThreshold, distance(model.parameters.values, start) > distanceThreshold {
                stopReason = .distance
                return true
            }
            if let accuracyFloor, let validation, steps % options.checkEvery == 0,
                accuracy(model, validation, batchSize: options.batchSize) < accuracyFloor
            {
                stopReason = .accuracyFloor
                return true
            }
            return false
        }
        var epochs = 0
        while epochs < options.epochs && stopReason == .budget {
            epochs += 1
            _ = Trainer.runEpoch(
                model, samples: samples, indices: indices, options: training, optimizer: &optimizer, generator: &generator,
                afterStep: project, shouldStop: shouldStop)
        }

        let weights = model.parameters.values
        var distanceToReference: Double?
        if case .projectedAscent(let reference, _, _, _) = mode { distanceToReference = distance(weights, reference) }
        let watched = validation.flatMap { $0.indices.isEmpty ? nil : $0 }
        let predicted = Trainer.classify(
            model, samples: watched?.samples ?? samples, indices: watched?.indices ?? indices, batchSize: options.batchSize)
        let dominantClassShare = dominantShare(of: predicted)
        let report = Report(
            steps: steps, epochs: epochs, stopReason: stopReason, distanceToStart: distance(weights, start),
            distanceToReference: distanceToReference, largestDistanceToReference: largestDistanceToReference,
            validationAccuracy: watched.map { accuracy(model, $0, batchSize: options.batchSize) },
            dominantClassShare: dominantClassShare, collapsed: !predicted.isEmpty && dominantClassShare >= collapseShare)
        return Erasure(weights: weights, report: report)
    }

    /// The share of `predicted` classes taken by the most frequent one (0 for none): the collapse test.
    public static func dominantShare(of predicted: [Int]) -> Double {
        var counts: [Int: Int] = [:]
        for c in predicted { counts[c, default: 0] += 1 }
        return predicted.isEmpty ? 0 : Double(counts.values.max()!) / Double(predicted.count)
    }

    /// The share of the validation samples (with a label) that `model` classifies correctly.
    static func accuracy(_ model: Sequential, _ validation: Validation, batchSize: Int) -> Double {
        let labelled = validation.indices.filter { validation.samples.firstLabel($0) >= 0 }
        guard !labelled.isEmpty else { return 0 }
        let predicted = Trainer.classify(model, samples: validation.samples, indices: labelled, batchSize: batchSize)
        let correct = zip(predicted, labelled).filter { $0 == validation.samples.firstLabel($1) }.count
        return Double(correct) / Double(labelled.count)
    }

    /// ‖a − b‖₂, summed in Double.
    static func distance(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "vectors of \(a.count) and \(b.count) values")
        var sum = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// Projects `w` onto the closed L2 ball Ω = {v : ‖v − c‖₂ ≤ δ}, in place:
    ///
    ///     P_Ω(w) = c + (w − c)·min(1, δ/‖w − c‖₂),
    ///
    /// the point of Ω nearest to w (it moves w along the ray from c, onto the sphere when outside). This is the
    /// projection step of Halimi et al. 2022; their code rescales w − w_ref the same way when outside, though it
    /// compares a squared distance with the squared radius. The norm is summed in Double; the rescaled
    /// coordinates are rounded to Float, so the result lies within about 1e-7·‖c‖ of the sphere.
    static func projectIntoBall(_ w: inout [Float], center c: [Float], radius δ: Double) {
        let outside = distance(w, c)
        guard outside > δ else { return }
        let scale = δ / outside
        for i in w.indices { w[i] = Float(Double(c[i]) + (Double(w[i]) - Double(c[i])) * scale) }
    }
}
