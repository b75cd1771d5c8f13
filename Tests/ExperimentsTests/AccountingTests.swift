import Testing

@testable import Experiments

/// Latency and the forgetting criterion on hand-made timelines.
@Suite struct AccountingTests {
    static func point(_ time: Double, test: Double, backdoor: Double?, forget: Double = 0.5) -> TimelinePoint {
        TimelinePoint(virtualTime: time, step: 0, testAccuracy: test, forgetAccuracy: forget, forgetLoss: 1, backdoorSuccess: backdoor)
    }

    @Test func theCriterionComparesWithRetrain() {
        let reference = UnlearningAccounting.Reference(retrained: [Self.point(0, test: 0.80, backdoor: 0.10, forget: 0.60)], control: nil)
        let criterion = UnlearningConfig.Criterion()  // backdoor +0.05, accuracy −0.03
        #expect(UnlearningAccounting.holds(Self.point(1, test: 0.77, backdoor: 0.15), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.76, backdoor: 0.10), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.90, backdoor: 0.16), reference: reference, criterion: criterion))
        // Without a backdoor the forget-set accuracy decides (retrain's 0.60 + 0.05).
        let plain = UnlearningAccounting.Reference(retrained: [Self.point(0, test: 0.80, backdoor: nil, forget: 0.60)], control: nil)
        #expect(UnlearningAccounting.holds(Self.point(1, test: 0.80, backdoor: nil, forget: 0.65), reference: plain, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(1, test: 0.80, backdoor: nil, forget: 0.66), reference: plain, criterion: criterion))
    }

    @Test func forgettingAgainstTheStricterRetrainingUtilityAgainstTheControlAtTheSameTime() {
        // Retrained models when served: backdoor 0.10 (sync) and 0.02 (async) — the stricter is 0.02.
        // The exclude control's test accuracy: 0.60 from 100 s, 0.70 from 120 s, 0.50 from 140 s.
        let control = [(140.0, 0.50), (100, 0.60), (120, 0.70)].map { Self.point($0.0, test: $0.1, backdoor: 0.9) }
        let reference = UnlearningAccounting.Reference(
            retrained: [Self.point(300, test: 0.9, backdoor: 0.10, forget: 0.5), Self.point(200, test: 0.8, backdoor: 0.02, forget: 0.3)], control: control)
        #expect(reference.backdoorSuccess == 0.02 && reference.forgetAccuracy == 0.3)
        #expect(reference.testAccuracy(at: 90) == 0.60 && reference.testAccuracy(at: 119.9) == 0.60)
        #expect(reference.testAccuracy(at: 120) == 0.70 && reference.testAccuracy(at: 500) == 0.50)
        let criterion = UnlearningConfig.Criterion()
        // Backdoor 0.07 meets the stricter 0.02 + 0.05; 0.08 does not, though it would meet 0.10 + 0.05.
        #expect(UnlearningAccounting.holds(Self.point(110, test: 0.57, backdoor: 0.07), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(110, test: 0.57, backdoor: 0.08), reference: reference, criterion: criterion))
        // Test accuracy 0.66 is enough at 110 s (0.60 − 0.03) and not at 130 s (0.70 − 0.03), enough again at 150 s.
        #expect(UnlearningAccounting.holds(Self.point(110, test: 0.66, backdoor: 0), reference: reference, criterion: criterion))
        #expect(!UnlearningAccounting.holds(Self.point(130, test: 0.66, backdoor: 0), reference: reference, criterion: criterion))
        #expect(UnlearningAccounting.holds(Self.point(150, test: 0.66, backdoor: 0), reference: reference, criterion: criterion))
        // On a timeline: holds at 110, lapses at 130, holds from 150 to the end.
        let timeline = [110.0, 130, 150, 160].map { Self.point($0, test: 0.66, backdoor: 0) }
        let latency = UnlearningAccounting.latency(timeline, requestTime: 100) { UnlearningAccounting.holds($0, reference: reference, criterion: criterion) }
        #expect(latency == Latency(firstHit: 10, persistent: 50))
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
