import Auditing
import Dispatch
import NeuralEngine
import Seeding
import Training

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the shadow models of a `ShadowPool` are trained: each centrally, for `epochs` epochs of `batch`
/// samples, with the given optimiser (SGD with TrainingOptions' default momentum 0.9, no weight decay,
/// constant rate).
public struct ShadowSettings: Sendable, Codable, Equatable {
    /// M ≥ 2 and even, so that every example is IN exactly M/2 shadows and OUT of the others.
    public var models: Int
    public var epochs: Int
    public var batch: Int
    public var learningRate: Float
    public var optimizer: TrainingOptions.OptimizerKind
    public var seed: UInt64

    public init(models: Int = 16, epochs: Int = 10, batch: Int = 64, learningRate: Float = 0.01,
                optimizer: TrainingOptions.OptimizerKind = .sgd, seed: UInt64 = 0) {
        self.models = models
        self.epochs = epochs
        self.batch = batch
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.seed = seed
    }

    /// The training options of every shadow (its seed is set per shadow).
    var trainingOptions: TrainingOptions {
        TrainingOptions(model: "shadow", epochs: epochs, batchSize: batch, learningRate: learningRate, optimizer: optimizer, seed: seed)
    }
}

/// Why a shadow file cannot be used.
public struct ShadowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// M shadow models for membership attacks that need them (LiRA, Shokri et al., RMIA), and what the attacks
/// keep of them: which population examples each shadow trained on, and its logits on all of them.
///
/// Each shadow is trained centrally (`Trainer.runEpoch`) on `base` — samples every shadow trains on, e.g.
/// a sample of the retained hospitals' data, so that shadows are about as good as the audited model — plus
/// its IN half of `population`, the audited examples (the forget set and held-out non-members). The IN
/// sets are balanced as in Carlini et al.'s code: for every example exactly M/2 shadows have it IN, a
/// seeded random choice of M/2 of the M shadows per example (`inMask`, fixed by the settings' seed and
/// the population's size).
///
/// A pool may also keep the shadows' logits on `unseen` samples, which no shadow trains on (OUT of all
/// M): for attacks that compare an audited example with samples outside the population, as RMIA compares
/// it with population samples z (`ShadowPool.rmia`). They are only evaluated after training, so the IN
/// masks, the training and the logits on the population are the same with or without them.
public final class ShadowPool {
    public let settings: ShadowSettings
    public let population: [Int]
    public let classes: Int
    /// The population's labels (first class of each sample), read by `train` or `load`; the label φ and
    /// Shokri's features are computed for.
    public private(set) var labels: [Int]
    /// [model][example]: whether shadow m trained on population example j.
    public private(set) var inMask: [[Bool]]
    /// [model]: shadow m's row-major [N, K] logits on the population; empty until `train` or `load`.
    public private(set) var logits: [[Float]]
    /// Samples outside the population that no shadow trains on, their labels (first class) and [model]:
    /// shadow m's row-major [U, K] logits on them; the labels and logits are empty until `train` or `load`.
    public let unseen: [Int]
    public private(set) var unseenLabels: [Int]
    public private(set) var unseenLogits: [[Float]]

    /// An untrained pool: the IN masks are drawn, the shadows not yet trained. `unseen` samples (none by
    /// default) must be outside the population.
    public init(settings: ShadowSettings, population: [Int], classes: Int, unseen: [Int] = []) {
        precondition(settings.models >= 2 && settings.models % 2 == 0, "LiRA needs an even number M ≥ 2 of shadow models, got \(settings.models)")
        precondition(settings.epochs >= 1 && settings.batch >= 1, "shadow training needs at least one epoch and a batch of at least one")
        precondition(classes >= 2, "membership attacks need at least two classes")
        precondition(Set(population).count == population.count, "the population lists a sample twice")
        precondition(Set(unseen).count == unseen.count, "the unseen samples list a sample twice")
        precondition(Set(unseen).isDisjoint(with: population), "unseen samples must lie outside the population")
        self.settings = settings
        self.population = population
        self.classes = classes
        self.unseen = unseen
        labels = []
        inMask = Self.masks(settings, count: population.count)
        logits = []
        unseenLabels = []
        unseenLogits = []
    }

    /// A pool from its parts (as loaded, or built by hand in tests).
    init(settings: ShadowSettings, population: [Int], classes: Int, labels: [Int], inMask: [[Bool]], logits: [[Float]],
         unseen: [Int] = [], unseenLabels: [Int] = [], unseenLogits: [[Float]]? = nil) {
        precondition(inMask.count == settings.models && inMask.allSatisfy { $0.count == population.count }, "one mask row per shadow, one entry per example")
        precondition(logits.count == settings.models && logits.allSatisfy { $0.count == population.count * classes }, "[N, K] logits per shadow")
        precondition(labels.count == population.count, "one label per example")
        let unseenLogits = unseenLogits ?? [[Float]](repeating: [], count: settings.models)
        precondition(Set(unseen).isDisjoint(with: population) && Set(unseen).count == unseen.count, "distinct unseen samples outside the population")
        precondition(unseenLabels.count == unseen.count, "one label per unseen sample")
        precondition(unseenLogits.count == settings.models && unseenLogits.allSatisfy { $0.count == unseen.count * classes }, "[U, K] unseen logits per shadow")
        self.settings = settings
        self.population = population
        self.classes = classes
        self.labels = labels
        self.inMask = inMask
        self.logits = logits
        self.unseen = unseen
        self.unseenLabels = unseenLabels
        self.unseenLogits = unseenLogits
    }

    public var isTrained: Bool { !logits.isEmpty }

    /// The balanced IN masks: for each example in turn, the first M/2 entries of a partial Fisher–Yates
    /// shuffle of the shadows (continuing from the previous example's order) are IN.
    static func masks(_ settings: ShadowSettings, count: Int) -> [[Bool]] {
        let m = settings.models
        var generator = SeededGenerator(seed: settings.seed &+ 0x1A_5EED)
        var mask = [[Bool]](repeating: [Bool](repeating: false, count: count), count: m)
        var shadows = Array(0..<m)
        for example in 0..<count {
            for i in 0..<m / 2 {
                shadows.swapAt(i, i + Int(generator.next() % UInt64(m - i)))
                mask[shadows[i]][example] = true
            }
        }
        return mask
    }

    /// Shadow m's seed: its initialisation and (offset as in `Trainer.train`) its shuffling derive from it.
    static func shadowSeed(_ seed: UInt64, model m: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed &+ 0x5AD0_5EED &+ UInt64(m) &* 0x9E37_79B9_7F4A_7C15)
        return generator.next()
    }

    // MARK: Training

    /// Trains the shadows `threads` at a time, one model copy per thread (built by `makeModel`, which must
    /// give the same architecture each call), each on one GEMM thread as in `HostPool`. Shadow m is
    /// initialised and shuffled from `shadowSeed(settings.seed, m)` alone, so the logits do not depend on
    /// `threads`. `progress(done, total)` is called on this thread after each shadow (shadows finish in
    /// waves of `threads`). `base` must not overlap the population, or its IN/OUT split would mean nothing,
    /// nor the unseen samples.
    public func train(
        makeModel: () -> Sequential, samples: any SampleSource, base: [Int], threads: Int,
        progress: (Int, Int) -> Void = { _, _ in }
    ) {
        precondition(Set(base).isDisjoint(with: population), "the shadows' base samples overlap the audited population")
        precondition(Set(base).isDisjoint(with: unseen), "the shadows' base samples overlap the samples no shadow may see")
        labels = population.map { samples.firstLabel($0) }
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "every population sample needs a label in 0..<\(classes)")
        unseenLabels = unseen.map { samples.firstLabel($0) }
        precondition(unseenLabels.allSatisfy { (0..<classes).contains($0) }, "every unseen sample needs a label in 0..<\(classes)")
        let total = settings.models
        let workers = (0..<max(1, min(threads, total))).map { _ in makeModel() }
        for worker in workers {
            precondition(worker.outputShape == [classes], "shadow models must output \(classes) logits, not \(worker.outputShape)")
            worker.setThreads(1)
        }
        GEMM.setThreads(1)
        var results = [(population: [Float], unseen: [Float])](repeating: ([], []), count: total)
        var done = 0
        while done < total {
            let wave = min(workers.count, total - done)
            let first = done
            results.withUnsafeMutableBufferPointer { buffer in
                let shared = ShadowBox((self, workers, samples, base, buffer))
                let run: @Sendable (Int) -> Void = { w in
                    let (pool, workers, samples, base, buffer) = shared.value
                    buffer[first + w] = pool.trainShadow(first + w, model: workers[w], samples: samples, base: base)
                }
                if wave == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: wave, execute: run) }
            }
            for m in first..<first + wave { progress(m + 1, total) }
            done += wave
        }
        logits = results.map(\.population)
        unseenLogits = results.map(\.unseen)
    }

    /// Trains shadow m from its seed on `base` and its IN examples, and returns its logits on the population
    /// and, computed apart so that those stay the same, on the unseen samples.
    func trainShadow(_ m: Int, model: Sequential, samples: any SampleSource, base: [Int]) -> (population: [Float], unseen: [Float]) {
        let seed = Self.shadowSeed(settings.seed, model: m)
        let indices = base + population.indices.filter { inMask[m][$0] }.map { population[$0] }
        let options = settings.trainingOptions
        model.initialize(seed: seed)
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        var optimizer = Trainer.makeOptimizer(options)
        for _ in 0..<settings.epochs {
            _ = Trainer.runEpoch(model, samples: samples, indices: indices, options: options, optimizer: &optimizer, generator: &generator)
        }
        return (Self.logits(of: model, samples: samples, indices: population, batch: settings.batch),
                Self.logits(of: model, samples: samples, indices: unseen, batch: settings.batch))
    }

    /// `model`'s row-major [N, K] logits (evaluation mode) on the samples at `indices`, in batches.
    public static func logits(of model: Sequential, samples: any SampleSource, indices: [Int], batch: Int) -> [Float] {
        let batches = Batches(source: samples, indices: indices, batchSize: batch)
        var out: [Float] = []
        var start = 0
        while start < indices.count {
            let (x, _) = batches.load(indices[start..<min(indices.count, start + batch)])
            var context = ForwardContext(training: false)
            out += model.forward(x, &context).values
            start += batch
        }
        return out
    }

    /// Row-major softmax probabilities of [N, K] logits, computed as the federation's `predict` does
    /// (log-softmax in Float, then exp), so shadow and target outputs are alike.
    public static func probabilities(logits: [Float], classes: Int) -> [Float] {
        SoftmaxCrossEntropy.logSoftmax(Tensor(shape: [logits.count / classes, classes], values: logits), nonFiniteAsUniform: true).map { expf($0) }
    }

    // MARK: Attacks

    /// LiRA (Carlini et al., S&P 2022) on the shadows' φ = z_y − log Σ_{c≠y} exp z_c
    /// (`LiRA.logitScaledConfidence` of their logits): per example, Gaussians fitted to its φ on the M/2
    /// shadows that had it IN and on the M/2 that had it OUT (mean centre; per-example σ, or one pooled σ
    /// each for the fixed-variance variants, which the paper recommends for few shadows).
    public func lira(_ variant: LiRAAttack.Variant) -> LiRAAttack {
        precondition(isTrained, "train or load the shadows before building an attack on them")
        var inside = [[Double]](repeating: [], count: population.count)
        var outside = inside
        for m in 0..<settings.models {
            for j in population.indices {
                let phi = LiRA.logitScaledConfidence(logits: logits[m][j * classes..<(j + 1) * classes], label: labels[j])
                if inMask[m][j] { inside[j].append(phi) } else { outside[j].append(phi) }
            }
        }
        return LiRAAttack(variant: variant, population: population, labels: labels, classes: classes,
                          inObservations: inside, outObservations: outside)
    }

    /// Shokri et al.'s attack (S&P 2017): a classifier trained on the shadows' outputs on the population,
    /// each (shadow, example) row labelled IN or OUT by the masks (`ShokriAttack`).
    public func shokri(seed: UInt64) -> ShokriAttack {
        precondition(isTrained, "train or load the shadows before building an attack on them")
        var features: [Float] = []
        var members: [Int] = []
        for m in 0..<settings.models {
            let probabilities = Self.probabilities(logits: logits[m], classes: classes)
            for j in population.indices {
                features += ShokriAttack.features(probabilities[j * classes..<(j + 1) * classes], label: labels[j])
                members.append(inMask[m][j] ? 1 : 0)
            }
        }
        return ShokriAttack(features: features, isMember: members, classes: classes, seed: seed)
    }

    // MARK: Files

    /// The metadata that identifies a pool: the settings' fields, the class count and the population.
    static func identity(_ settings: ShadowSettings, population: [Int], classes: Int) -> [(key: String, value: String)] {
        [
            ("models", String(settings.models)), ("epochs", String(settings.epochs)), ("batch", String(settings.batch)),
            ("learningRate", String(describing: settings.learningRate)), ("optimizer", settings.optimizer.rawValue),
            ("seed", String(settings.seed)), ("classes", String(classes)),
            ("population", population.map(String.init).joined(separator: ",")),
        ]
    }

    /// The pool as a safetensors file: arrays `in_mask` (M·N, 1 = IN), `logits` (M·N·K, row-major
    /// [model][example][class]) and `labels` (N), all F32; settings, classes and population in the
    /// metadata, so that `load` can refuse a file made for something else. With unseen samples, also
    /// `unseen_logits` (M·U·K) and `unseen_labels` (U), and their ids as the metadata's `unseen`; without,
    /// the file is as before they existed.
    public func encoded() -> [UInt8] {
        precondition(isTrained, "an untrained shadow pool has nothing to save")
        var metadata = ["format": "medsilo-shadows-1"]
        for (key, value) in Self.identity(settings, population: population, classes: classes) { metadata[key] = value }
        var arrays: [String: Safetensors.ArrayValues] = [
            "in_mask": .f32(inMask.flatMap { $0.map { $0 ? 1 : 0 } }), "logits": .f32(logits.flatMap { $0 }),
            "labels": .f32(labels.map(Float.init)),
        ]
        if !unseen.isEmpty {
            metadata["unseen"] = unseen.map(String.init).joined(separator: ",")
            arrays["unseen_logits"] = .f32(unseenLogits.flatMap { $0 })
            arrays["unseen_labels"] = .f32(unseenLabels.map(Float.init))
        }
        return Safetensors.encode(arrays: arrays, metadata: metadata)
    }

    /// The pool saved by `encoded()`, if it was made with exactly these settings, population, unseen samples
    /// (none by default) and class count; otherwise an error naming the first field that differs.
    public static func load(_ bytes: [UInt8], expecting settings: ShadowSettings, population: [Int], unseen: [Int] = [],
                            classes: Int) throws(ShadowError) -> ShadowPool
    {
        let arrays: [String: Safetensors.ArrayValues], metadata: [String: String]
        do {
            (arrays, metadata) = try Safetensors.decodeArrays(bytes)
        } catch {
            throw ShadowError(description: "shadow file: \(error.description)")
        }
        guard metadata["format"] == "medsilo-shadows-1" else { throw ShadowError(description: "not a MedSilo shadow file") }
        for (key, expected) in identity(settings, population: population, classes: classes) where metadata[key] != expected {
            guard key == "population" else {
                throw ShadowError(description: "the shadow file was made with \(key) \(metadata[key] ?? "unset"), not \(expected)")
            }
            let found = metadata[key]?.split(separator: ",").compactMap { Int($0) } ?? []
            let first = (0..<min(found.count, population.count)).first { found[$0] != population[$0] } ?? min(found.count, population.count)
            throw ShadowError(description: """
                the shadow file was made for another population: \(found.count) samples against \(population.count) expected, \
                first difference at position \(first)
                """)
        }
        let (m, n) = (settings.models, population.count)
        guard case .f32(let mask)? = arrays["in_mask"], mask.count == m * n, mask.allSatisfy({ $0 == 0 || $0 == 1 }),
              case .f32(let flat)? = arrays["logits"], flat.count == m * n * classes,
              case .f32(let labelValues)? = arrays["labels"], labelValues.count == n,
              labelValues.allSatisfy({ $0 >= 0 && $0 < Float(classes) && $0 == $0.rounded() })
        else { throw ShadowError(description: "shadow file: in_mask, logits or labels missing or of the wrong size") }
        let inMask = (0..<m).map { row in mask[row * n..<(row + 1) * n].map { $0 == 1 } }
        guard (0..<n).allSatisfy({ j in inMask.filter { $0[j] }.count == m / 2 }) else {
            throw ShadowError(description: "shadow file: some example is not IN exactly half of the shadows")
        }
        let logits = (0..<m).map { row in Array(flat[row * n * classes..<(row + 1) * n * classes]) }
        // The unseen samples: none expected and none in the file, or exactly these.
        let found = metadata["unseen"]?.split(separator: ",").compactMap { Int($0) } ?? []
        guard found == unseen else {
            let which = found.count == unseen.count ? "other" : String(found.count)
            throw ShadowError(description: "the shadow file has outputs on \(which) unseen samples, not the \(unseen.count) expected")
        }
        guard !unseen.isEmpty else {
            return ShadowPool(settings: settings, population: population, classes: classes, labels: labelValues.map { Int($0) },
                              inMask: inMask, logits: logits)
        }
        let u = unseen.count
        guard case .f32(let unseenFlat)? = arrays["unseen_logits"], unseenFlat.count == m * u * classes,
              case .f32(let unseenLabels)? = arrays["unseen_labels"], unseenLabels.count == u,
              unseenLabels.allSatisfy({ $0 >= 0 && $0 < Float(classes) && $0 == $0.rounded() })
        else { throw ShadowError(description: "shadow file: unseen_logits or unseen_labels missing or of the wrong size") }
        return ShadowPool(
            settings: settings, population: population, classes: classes, labels: labelValues.map { Int($0) }, inMask: inMask,
            logits: logits, unseen: unseen, unseenLabels: unseenLabels.map { Int($0) },
            unseenLogits: (0..<m).map { row in Array(unseenFlat[row * u * classes..<(row + 1) * u * classes]) })
    }
}

/// Hands values to the parallel shadow workers, each of which touches only its own model and result slot.
private struct ShadowBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
