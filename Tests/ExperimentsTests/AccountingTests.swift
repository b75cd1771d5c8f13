import Testing

@testable import Experiments

/// Latency and the forgetting criterion on hand-made timelines.
@Suite struct AccountingTests {
    static func point(_ time: Double, test: Double, backdoor: Double?, forget: Double = 0.5) -> TimelinePoint {
        TimelinePoint(virtualTime: time, step: 0, testAccuracy: test, forgetAccuracy: forget, forgetLoss: 1, backdoorSuccess: backdoor)
    }

    @Test func theCriterionComparesWithRetrain() {
        let reference = Self.point(0, test: 0.80, backdoor: 0.10, forget: 0.60)
        let criterion = UnlearningConfig.Criterion()  // backdoor +0.05, accuracy −0.03
        #expect(UnlearningAccounting.holds(Self.point(1, test: 0.77, backdoor: 0.15), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.76, backdoor: 0.10), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.90, backdoor: 0.16), reference: reference, criterion: criterion))
        // Without a backdoor the forget-set accuracy decides (retrain's 0.60 + 0.05).
        let plain = Self.point(0, test: 0.80, backdoor: nil, forget: 0.60)
        #expect(UnlearningAccounting.holds(Self.point(1, test: 0.80, backdoor: nil, forget: 0.65), reference: plain, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.80, backdoor: nil, forget: 0.66), reference: plain, criterion: criterion))
    }

    @Test func firstHitAndPersistentLatency() {
        // Request at 100 s; forgetting holds at 110, lapses at 120 (resurfacing), holds again from 130.
        let timeline = [(105.0, false), (110, true), (120, false), (130, true), (140, true)].map {
            Self.point($0.0, test: 0.8, backdoor: $0.1 ? 0.0 : 0.9)
        }
        let holds = { (p: TimelinePoint) in p.backdoorSuccess! < 0.5 }
        #expect(UnlearningAccounting.latency(timeline, requestTime: 100, holds: holds) == Latency(firstHit: 10, persistent: 30))
        // Holding from the first evaluation: both equal; lapsing at the end: no persistent latency.
        #expect(UnlearningAccounting.latency(Array(timeline[3...]), requestTime: 100, holds: holds) == Latency(firstHit: 30, persistent: 30))
        #expect(UnlearningAccounting.latency(Array(timeline[..<3]), requestTime: 100, holds: holds) == Latency(firstHit: 10, persistent: nil))
        #expect(UnlearningAccounting.latency([], requestTime: 100, holds: holds) == Latency(firstHit: nil, persistent: nil))
    }
}
