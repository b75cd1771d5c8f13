import FoundationEssentials
import Seeding
import Testing

@testable import Federation

/// Aggregation rules, staleness weights, speed profiles, the virtual clock and messages against
/// hand-computed values.
@Suite struct AggregationTests {
    @Test func weightedMeanWeighsBySamples() {
        // (1·[1, 2] + 3·[5, −2]) / 4 = [4, −1].
        #expect(Aggregation.weightedMean([[1, 2], [5, -2]], weights: [1, 3]) == [4, -1])
        // One hospital: its own model.
        #expect(Aggregation.weightedMean([[0.25, -7]], weights: [10]) == [0.25, -7])
    }

    @Test func medianAndTrimmedMeanResistOutliers() {
        let vectors: [[Float]] = [[1, 10], [2, 20], [3, 30], [100, -1000]]
        // Even count: mean of the middle two per coordinate: (2 + 3)/2, (10 + 20)/2.
        #expect(Aggregation.median(vectors) == [2.5, 15])
        // Trim 1 of 4: the same middle two.
        #expect(Aggregation.trimmedMean(vectors, trim: 1) == [2.5, 15])
        // Trim 0: the plain mean, dragged by the outlier.
        #expect(Aggregation.trimmedMean(vectors, trim: 0) == [26.5, -235])
        #expect(Aggregation.median([[1], [7], [3]]) == [3])
    }

    @Test func stalenessWeights() {
        #expect(Staleness.constant.weight(9) == 1)
        #expect(Staleness.polynomial(a: 0.5).weight(3) == 0.5)            // (1 + 3)^−½
        #expect(Staleness.hinge(a: 2, b: 4).weight(4) == 1)               // τ ≤ b
        #expect(Staleness.hinge(a: 2, b: 4).weight(6) == 0.2)             // 1/(2·2 + 1)
        #expect(Staleness.inverseSquareRoot.weight(8) == 1.0 / 3)         // 1/√9
        #expect(Staleness.inverseSquareRoot.weight(0) == 1)
    }

    @Test func speedProfilesAreSeededAndShaped() {
        var a = SeededGenerator(seed: 4), b = SeededGenerator(seed: 4)
        let speeds = SpeedProfile.logNormal(median: 100, sigma: 0.5).speeds(hospitals: 2001, generator: &a)
        #expect(speeds == SpeedProfile.logNormal(median: 100, sigma: 0.5).speeds(hospitals: 2001, generator: &b))
        // The median of the draws is near 100 (the standard error of a median of 2,001 log-normal draws
        // with σ 0.5 is about 1.4 %).
        #expect(abs(speeds.sorted()[1000] / 100 - 1) < 0.06)
        var c = SeededGenerator(seed: 5)
        let pareto = SpeedProfile.pareto(base: 50, alpha: 1.5, clip: 10).speeds(hospitals: 1000, generator: &c)
        #expect(pareto.allSatisfy { $0 <= 50 && $0 >= 5 })
        var d = SeededGenerator(seed: 6)
        #expect(SpeedProfile.stragglers(samplesPerSecond: 80, hospitals: [1], slowdown: 4).speeds(hospitals: 3, generator: &d) == [80, 20, 80])
        // 1 MB up at 12.5 MB/s after 50 ms latency.
        #expect(abs(NetworkProfile().transfer(1_000_000, upload: true) - 0.13) < 1e-12)
    }

    @Test func theClockRunsEventsInTimeOrderAndTiesInScheduleOrder() {
        var clock = VirtualClock<String>()
        clock.schedule("slow hospital done", after: 40)
        clock.schedule("fast hospital done", after: 10)
        clock.schedule("tie first", after: 10)
        clock.schedule("start", after: 0)
        var order: [String] = []
        var times: [Double] = []
        while let (time, event) = clock.next() {
            order.append(event)
            times.append(time)
            if event == "fast hospital done" { clock.schedule("its next round", after: 5) }
        }
        #expect(order == ["start", "fast hospital done", "tie first", "its next round", "slow hospital done"])
        #expect(times == [0, 10, 10, 15, 40])
        #expect(clock.now == 40)
    }

    @Test func messagesSurviveJSON() throws {
        let messages: [Message] = [
            .globalModel(GlobalModel(version: 3, weights: [1, -2.5])),
            .clientUpdate(ClientUpdate(hospital: 2, baseVersion: 1, samples: 64, delta: [0.5])),
            .unlearningRequest(UnlearningRequest(hospital: 2, time: 120)),
        ]
        let decoded = try JSONDecoder().decode([Message].self, from: JSONEncoder().encode(messages))
        #expect(decoded == messages)
    }
}

/// Server strategies against hand-computed steps.
@Suite struct ServerStrategyTests {
    @Test func fedAvgMAndFedAdamSteps() {
        // FedAvgM η 1, β 0.5: round 1 Δ = 1 − 0.5 = 0.5, m = 0.5, w = 0.5; round 2 Δ = 0.5 − 0.25 = 0.25,
        // m = 0.25 + 0.25 = 0.5, w = 0.
        var momentum = ServerAggregator(.fedAvgM(learningRate: 1, momentum: 0.5))
        #expect(momentum.aggregate(global: [1], clients: [[0.5]], samples: [3]) == [0.5])
        #expect(momentum.aggregate(global: [0.5], clients: [[0.25]], samples: [3]) == [0])
        // FedAdam η 0.1, β₁ 0.9, β₂ 0.99, τ 0.001: Δ = 1, m = 0.1, v = 0.01, w = 1 − 0.1·0.1/(0.1 + 0.001).
        var adam = ServerAggregator(.fedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.001))
        let w = adam.aggregate(global: [1], clients: [[0]], samples: [1])
        #expect(abs(Double(w[0]) - (1 - 0.01 / 0.101)) < 1e-6)
        // FedAvg weights by samples; median and trimmed mean ignore them.
        var avg = ServerAggregator(.fedAvg)
        #expect(avg.aggregate(global: [0], clients: [[0], [4]], samples: [1, 3]) == [3])
        var median = ServerAggregator(.median)
        #expect(median.aggregate(global: [0], clients: [[0], [4], [100]], samples: [1, 1, 50]) == [4])
        var trimmed = ServerAggregator(.trimmedMean(trim: 5))
        #expect(trimmed.aggregate(global: [0], clients: [[0], [4], [100]], samples: [1, 1, 1]) == [4])
    }
}
