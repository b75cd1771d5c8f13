import Testing

@testable import Training

/// Metrics against hand-computed values.
@Suite struct MetricsTests {
    @Test func aucCountsPairsAndHalvesTies() {
        // Positives 0.9, 0.4; negatives 0.5, 0.4, 0.1: pairs (p > n) = 3 (0.9 beats all) + 1 (0.4 > 0.1),
        // one tie (0.4 = 0.4) counts ½, out of 2·3 = 6: AUC 4.5/6 = 0.75.
        #expect(ClassificationMetrics.auc(positives: [0.9, 0.4], negatives: [0.5, 0.4, 0.1]) == 0.75)
        #expect(ClassificationMetrics.auc(positives: [1, 2], negatives: [0]) == 1)
        #expect(ClassificationMetrics.auc(positives: [3], negatives: [3]) == 0.5)
        #expect(ClassificationMetrics.auc(positives: [], negatives: [1]) == nil)
    }

    @Test func accuracyBalancedAccuracyAndRecall() {
        // 3 classes, 5 samples: labels 0, 0, 0, 1, 2; predictions 0, 0, 1, 1, 1.
        let scores: [Float] = [
            0.8, 0.1, 0.1, 0.6, 0.3, 0.1, 0.2, 0.7, 0.1,
            0.1, 0.8, 0.1, 0.2, 0.5, 0.3,
        ]
        let metrics = ClassificationMetrics(scores: scores, labels: [0, 0, 0, 1, 2], classes: 3)
        #expect(metrics.accuracy == 0.6)
        // Recall: class 0 2/3, class 1 1/1, class 2 0/1; balanced accuracy their mean 5/9.
        #expect(metrics.recall == [2.0 / 3, 1, 0])
        #expect(abs(metrics.balancedAccuracy - 5.0 / 9) < 1e-12)
        // One-vs-rest AUCs: class 0 scores positives 0.8, 0.6, 0.2 vs negatives 0.1, 0.2 → (2 + 2 + 1 + ½)/6
        // = 11/12; class 1: 0.8 vs 0.1, 0.3, 0.7, 0.5 → 1; class 2: 0.3 vs 0.1 four times → 1. Mean 35/36.
        #expect(abs(metrics.macroAUC! - 35.0 / 36) < 1e-12)
    }
}
