import Auditing
import NeuralEngine
import Seeding
import Training

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shokri et al.'s shadow-model attack (S&P 2017) as a `MembershipAttack`: a small classifier trained on
/// shadow models' outputs, each row labelled IN (the shadow trained on the sample) or OUT; its P(member)
/// on a queried model's outputs is the score, and P(member) > ½ its decision.
///
/// Features of a sample with probabilities p and label y (`features`): the probabilities sorted in
/// descending order (the top min(K, 10)), log p_y (p_y clamped to [1e-12, 1]) and the entropy
/// H(p) = −Σ p_c log p_c. Shokri et al. trained one attack model per class on the raw probability vector;
/// like many federated-unlearning papers we train a single one on these label-aware features, which
/// pools the classes' rows (a per-class model would see only 1/K of them).
///
/// The classifier: features standardised with the training rows' mean and standard deviation (a constant
/// feature is left centred, not scaled), then Linear(F → 32) → ReLU → Linear(32 → 2), trained with
/// cross-entropy and Adam (rate 10⁻²) for about 400 steps of 128 rows in a seeded order, on one thread.
public struct ShokriAttack: MembershipAttack {
    public let classes: Int
    /// The classifier's weights, and the standardisation of its features.
    let weights: [Float]
    let mean: [Float]
    let scale: [Float]

    static let hidden = 32
    static let steps = 400
    static let batch = 128

    /// The number of features for K classes: min(K, 10) sorted probabilities, log p_y, entropy.
    static func featureCount(classes: Int) -> Int { min(classes, 10) + 2 }

    /// The features of one sample's probability row and label (see the type's comment).
    static func features<Row: Collection<Float>>(_ row: Row, label: Int) -> [Float] {
        let top = row.sorted(by: >).prefix(10)
        return Array(top) + [Float(-ThresholdAttack.crossEntropy(row, label: label)), Float(ThresholdAttack.entropy(row))]
    }

    static func makeModel(features: Int) -> Sequential {
        Sequential(name: "shokri", inputShape: [features]) {
            [("fc1", Linear(features, hidden)), ("relu", ReLU()), ("fc2", Linear(hidden, 2))]
        }
    }

    /// Trains the classifier on row-major feature rows (`featureCount(classes:)` each) with 1 = member,
    /// 0 = non-member: Adam at rate 10⁻², batches of 128 in a seeded order, enough epochs for ~400 steps.
    init(features: [Float], isMember: [Int], classes: Int, seed: UInt64) {
        let f = Self.featureCount(classes: classes)
        let rows = isMember.count
        precondition(rows > 0 && features.count == rows * f, "one row of \(f) features per label")
        precondition(Set(isMember).count == 2, "the attack needs member and non-member rows to learn from")
        var mean = [Float](repeating: 0, count: f), scale = mean
        for c in 0..<f {
            var sum = 0.0, squares = 0.0
            for r in 0..<rows { sum += Double(features[r * f + c]) }
            let mu = sum / Double(rows)
            for r in 0..<rows { squares += (Double(features[r * f + c]) - mu) * (Double(features[r * f + c]) - mu) }
            let sigma = (squares / Double(rows)).squareRoot()
            mean[c] = Float(mu)
            scale[c] = sigma > 1e-12 ? Float(1 / sigma) : 1
        }
        self.classes = classes
        self.mean = mean
        self.scale = scale
        let standardised = Self.standardise(features, mean: mean, scale: scale)
        let samples = InMemorySamples(itemShape: [f], values: standardised, labels: isMember)
        let batches = (rows + Self.batch - 1) / Self.batch
        let options = TrainingOptions(model: "shokri", epochs: (Self.steps + batches - 1) / batches, batchSize: Self.batch,
                                      learningRate: 1e-2, optimizer: .adam, seed: seed)
        let model = Self.makeModel(features: f)
        model.setThreads(1)
        model.initialize(seed: seed)
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        var optimizer = Trainer.makeOptimizer(options)
        for _ in 0..<options.epochs {
            _ = Trainer.runEpoch(model, samples: samples, indices: Array(0..<rows), options: options, optimizer: &optimizer, generator: &generator)
        }
        weights = model.parameters.values
    }

    static func standardise(_ features: [Float], mean: [Float], scale: [Float]) -> [Float] {
        features.indices.map { (features[$0] - mean[$0 % mean.count]) * scale[$0 % mean.count] }
    }

    public var name: String { "shokri" }

    /// P(member) of each sample, 1 / (1 + exp(z_out − z_in)) from the classifier's two logits, in Double
    /// so that confident members do not all round to 1 and tie.
    public func scores(_ query: AttackQuery) -> [Double] {
        precondition(query.classes == classes, "Shokri: the query has \(query.classes) classes, the attack was trained on \(classes)")
        guard query.count > 0 else { return [] }
        let k = classes, f = Self.featureCount(classes: classes)
        var features: [Float] = []
        for i in 0..<query.count { features += Self.features(query.probabilities[i * k..<(i + 1) * k], label: query.labels[i]) }
        let model = Self.makeModel(features: f)
        model.setThreads(1)
        model.parameters.values = weights
        var context = ForwardContext(training: false)
        let logits = model.forward(Tensor(shape: [query.count, f], values: Self.standardise(features, mean: mean, scale: scale)), &context)
        return (0..<query.count).map { i -> Double in
            let margin = Double(logits.values[2 * i + 1]) - Double(logits.values[2 * i])
            return 1 / (1 + exp(-margin))
        }
    }

    /// P(member) > ½.
    public func isMember(score: Double, label: Int) -> Bool? {
        score > 0.5
    }
}
