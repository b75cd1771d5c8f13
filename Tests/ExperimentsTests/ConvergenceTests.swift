import Testing

@testable import Experiments

/// The pre-training's convergence figures from a run's metrics lines, worked by hand.
@Suite struct ConvergenceTests {
    static func line(_ step: Int, _ accuracy: Double?) -> String {
        guard let accuracy else { return "{\"step\":\(step),\"trainLoss\":1.2,\"virtualTime\":3}" }
        return "{\"step\":\(step),\"evaluation\":{\"test\":{\"accuracy\":\(accuracy),\"samples\":100}},\"trainLoss\":1}"
    }

    static func metrics(_ points: [(Int, Double?)]) -> [UInt8] { Array(points.map { line($0.0, $0.1) }.joined(separator: "\n").utf8) + [10] }

    @Test func theLastFifthOfTheVersionsAndBothYardsticks() throws {
        // 300 versions, evaluated every 30: the 80 % mark is step 240 (0.62); the end 0.625 → gain 0.005, a plateau.
        let points: [(Int, Double?)] = [(1, nil), (30, 0.40), (210, 0.60), (239, nil), (240, 0.62), (270, 0.61), (300, 0.625)]
        let c = try #require(Convergence(metrics: Self.metrics(points), central: [0.5, 0.64, 0.66], retrainSync: 0.60))
        #expect(c.versions == 300 && c.evaluatedAt == 240 && c.accuracyAt80Percent == 0.62 && c.finalAccuracy == 0.625)
        #expect(abs(c.gainOverLast20Percent! - 0.005) < 1e-12 && c.plateaued == true)
        #expect(c.centralEpochs == 3 && c.centralAccuracy == 0.66 && abs(c.gapToCentral - 0.035) < 1e-12)
        #expect(abs(c.gapToRetrainSync! - -0.025) < 1e-12)
    }

    @Test func aRunStillClimbingIsNoPlateauAndAMissingMarkSaysSo() throws {
        // Evaluated at 50-version steps over 300: the mark is 200 (the last at or before 240).
        let climbing = try #require(Convergence(metrics: Self.metrics([(50, 0.3), (200, 0.5), (250, 0.55), (300, 0.6)]), central: [0.7], retrainSync: nil))
        #expect(climbing.evaluatedAt == 200 && abs(climbing.gainOverLast20Percent! - 0.1) < 1e-12 && climbing.plateaued == false)
        #expect(climbing.retrainSyncAccuracy == nil && climbing.gapToRetrainSync == nil)
        // Falling by 5 points is no plateau either; by half a point it is.
        let falling = try #require(Convergence(metrics: Self.metrics([(240, 0.6), (300, 0.55)]), central: [0.7], retrainSync: nil))
        #expect(falling.plateaued == false)
        let settled = try #require(Convergence(metrics: Self.metrics([(240, 0.6), (300, 0.595)]), central: [0.7], retrainSync: nil))
        #expect(settled.plateaued == true)
        // Evaluated only at the end: no mark, no plateau figure.
        let once = try #require(Convergence(metrics: Self.metrics([(10, nil), (300, 0.6)]), central: [0.7], retrainSync: 0.6))
        #expect(once.evaluatedAt == nil && once.gainOverLast20Percent == nil && once.plateaued == nil)
        // No evaluation, or no central model: no figures at all.
        #expect(Convergence(metrics: Self.metrics([(10, nil)]), central: [0.7], retrainSync: nil) == nil)
        #expect(Convergence(metrics: Self.metrics([(300, 0.6)]), central: [], retrainSync: nil) == nil)
    }
}
