/// Classification metrics from per-sample class scores (probabilities or logits, [N, K] row-major)
/// and true labels.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
    /// Share of samples whose highest score is their label.
    public var accuracy: Double
    /// Mean over classes present of the per-class recall.
    public var balancedAccuracy: Double
    /// Mean over classes of the one-vs-rest ROC AUC (classes with no positive or no negative sample are
    /// left out of the mean; nil when none is left).
    public var macroAUC: Double?
    /// Recall per class (nil for a class with no sample).
    public var recall: [Double?]
    public var samples: Int

    public init(scores: [Float], labels: [Int], classes: Int) {
        let n = labels.count
        precondition(scores.count == n * classes, "scores must be [N, K]")
        var correct = 0
        var hits = [Int](repeating: 0, count: classes), totals = [Int](repeating: 0, count: classes)
        for row in 0..<n {
            let slice = scores[row * classes..<(row + 1) * classes]
            let predicted = slice.indices.max { slice[$0] < slice[$1] || (slice[$0] == slice[$1] && $0 > $1) }! - row * classes
            totals[labels[row]] += 1
            if predicted == labels[row] {
                correct += 1
                hits[labels[row]] += 1
            }
        }
        samples = n
        accuracy = n > 0 ? Double(correct) / Double(n) : 0
        recall = (0..<classes).map { totals[$0] > 0 ? Double(hits[$0]) / Double(totals[$0]) : nil }
        let present = recall.compactMap { $0 }
        balancedAccuracy = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        let aucs = (0..<classes).compactMap { c -> Double? in
            let positives = (0..<n).filter { labels[$0] == c }.map { scores[$0 * classes + c] }
            let negatives = (0..<n).filter { labels[$0] != c }.map { scores[$0 * classes + c] }
            return Self.auc(positives: positives, negatives: negatives)
        }
        macroAUC = aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count)
    }

    /// ROC AUC by the rank-sum (Mann–Whitney U) statistic: the probability that a random positive scores
    /// above a random negative, ties counting one half (average ranks). Nil without both kinds.
    public static func auc(positives: [Float], negatives: [Float]) -> Double? {
        guard !positives.isEmpty, !negatives.isEmpty else { return nil }
        let all = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSum = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            // Ranks i+1 … j+1 share their mean.
            let rank = Double(i + j + 2) / 2
            for k in i...j where all[k].1 { rankSum += rank }
            i = j + 1
        }
        let p = Double(positives.count), q = Double(negatives.count)
        return (rankSum - p * (p + 1) / 2) / (p * q)
    }
}
