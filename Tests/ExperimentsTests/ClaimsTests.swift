import Testing

@testable import Experiments

/// The claims table's verdicts on hand-made seeds: each criterion passes and fails where the numbers say,
/// no power without a failing control, and claim 3 untested where the ablation does not resurface.
@Suite struct ClaimsTests {
    static func point(test: Double, backdoor: Double, clean: Double = 0.3, stamped: Double = 0.0) -> TimelinePoint {
        var p = TimelinePoint(virtualTime: 0, step: 0, testAccuracy: test, forgetAccuracy: 0.4, forgetLoss: 1, backdoorSuccess: backdoor)
        p.forgetCleanAccuracy = clean
        p.forgetStampedAccuracy = stamped
        return p
    }

    static func method(
        _ label: String, _ kind: String, final: TimelinePoint, stall: Double = 0, latency: Double? = nil, rr: Double? = nil
    ) -> MethodResult {
        var result = MethodResult(
            label: label, method: kind, servedAt: 0, timeline: [final], final: final, latency: latency.map { Latency(firstHit: $0, persistent: $0) },
            stallClientSeconds: stall, clientSampleEpochs: 0, communicationBytes: 0, serverStorageBytes: 0, erasure: nil, gamma: nil,
            calibratedSteps: nil, meanRemovedFraction: nil, notes: [])
        if rr != nil || kind.hasPrefix("afu") {
            var persistence = Persistence(result, original: point(test: 0.5, backdoor: 0.9))!
            persistence.resurfacingBackdoor = rr
            result.persistence = persistence
        }
        return result
    }

    /// One seed: retraining both ways, the exclude control, AFU-IC and AFU without calibration.
    static func seed(
        afu: TimelinePoint, afuLatency: Double? = 20, afuStall: Double = 0, afuRR: Double? = 0, ablationRR: Double? = 0.5,
        exclude: Double = 0.8, excludeTest: Double = 0.60
    ) -> UnlearningResults {
        UnlearningResults(
            run: "", target: 0, requestTime: 0, requestStep: 0, backdoor: true, original: point(test: 0.6, backdoor: 0.9),
            originalAudit: MembershipAudit(attacks: [], forgetSamples: 0, nonMemberSamples: 0),
            methods: [
                method("retrain-sync", "retrain", final: point(test: 0.62, backdoor: 0.02, clean: 0.30, stamped: 0.05), stall: 100, latency: 300),
                method("retrain-async", "retrain", final: point(test: 0.58, backdoor: 0.04, clean: 0.32, stamped: 0.03), latency: 250),
                method("federaser", "federaser", final: point(test: 0.6, backdoor: 0.02), stall: 50, latency: nil),
                method("exclude", "exclude", final: point(test: excludeTest, backdoor: exclude)),
                method("afu-ic", "afu-ic", final: afu, stall: afuStall, latency: afuLatency, rr: afuRR),
                method("afu-no-ic", "afu-ic", final: point(test: 0.6, backdoor: 0.5), rr: ablationRR),
            ],
            criterion: UnlearningConfig.Criterion())
    }

    static let criteria = ClaimCriteria()

    @Test func claimOneChecksEveryCriterion() {
        // Retraining's larger backdoor 0.04 → F1 limit 0.09; clean 0.32 + 0.05, stamped 0.05 + 0.05;
        // U1: max(async 0.58, exclude 0.60) − 0.03 = 0.57.
        let good = Self.point(test: 0.58, backdoor: 0.09, clean: 0.37, stamped: 0.10)
        let pass = Self.criteria.forgetting([Self.seed(afu: good), Self.seed(afu: good)], evaluations: [nil, nil], pooled: nil)
        #expect(pass.outcome == .pass, "\(pass.detail)")
        #expect(pass.detail.contains("F1 2/2") && pass.detail.contains("power: exclude fails F1 on 2/2") && pass.detail.contains("F4 n/a"))
        // One seed's backdoor 0.10 fails F1.
        let f1 = Self.criteria.forgetting([Self.seed(afu: good), Self.seed(afu: Self.point(test: 0.58, backdoor: 0.10, clean: 0.37, stamped: 0.10))], evaluations: [nil, nil], pooled: nil)
        #expect(f1.outcome == .fail && f1.detail.contains("F1 1/2"))
        // Stamped accuracy 0.11 fails F3.
        let f3 = Self.criteria.forgetting([Self.seed(afu: Self.point(test: 0.58, backdoor: 0, clean: 0.3, stamped: 0.11))], evaluations: [nil], pooled: nil)
        #expect(f3.outcome == .fail && f3.detail.contains("F3 0/1"))
        // Mean test 0.565 < 0.57 fails U1.
        let u1 = Self.criteria.forgetting(
            [Self.seed(afu: Self.point(test: 0.56, backdoor: 0)), Self.seed(afu: Self.point(test: 0.57, backdoor: 0))], evaluations: [nil, nil], pooled: nil)
        #expect(u1.outcome == .fail && u1.detail.contains("U1 fails"))
        // The control passing F1 on every seed (backdoor 0.05 ≤ 0.09): the test has no power.
        let none = Self.criteria.forgetting([Self.seed(afu: good, exclude: 0.05)], evaluations: [nil], pooled: nil)
        #expect(none.outcome == .untested && none.detail.hasPrefix("no power"))
    }

    @Test func claimTwoNeedsZeroStallAPersistentLatencyAndFasterThanTheSynchronousBaselines() {
        let afu = Self.point(test: 0.6, backdoor: 0)
        #expect(Self.criteria.latency([Self.seed(afu: afu), Self.seed(afu: afu)]).outcome == .pass)
        // FedEraser never met the criterion: slower than any latency; retrain-sync at 300 s.
        #expect(Self.criteria.latency([Self.seed(afu: afu, afuLatency: 299)]).outcome == .pass)
        #expect(Self.criteria.latency([Self.seed(afu: afu, afuLatency: 300)]).outcome == .fail)
        #expect(Self.criteria.latency([Self.seed(afu: afu), Self.seed(afu: afu, afuLatency: nil)]).outcome == .fail)
        #expect(Self.criteria.latency([Self.seed(afu: afu, afuStall: 0.5)]).outcome == .fail)
    }

    @Test func claimThreeIsTestedOnlyWhereTheAblationResurfaces() {
        let afu = Self.point(test: 0.6, backdoor: 0)
        // Ablation RR 0.5 and 0.3 (mean 0.4 ≥ 0.3); AFU-IC 0 and 0.08 (mean 0.04 < 0.05): pass.
        #expect(Self.criteria.resurfacing([Self.seed(afu: afu, afuRR: 0, ablationRR: 0.5), Self.seed(afu: afu, afuRR: 0.08, ablationRR: 0.3)]).outcome == .pass)
        #expect(Self.criteria.resurfacing([Self.seed(afu: afu, afuRR: 0.06, ablationRR: 0.5)]).outcome == .fail)
        // The ablation does not resurface, or erased too little for an RR: untested.
        let quiet = Self.criteria.resurfacing([Self.seed(afu: afu, ablationRR: 0.2)])
        #expect(quiet.outcome == .untested && quiet.detail.contains("does not resurface"))
        #expect(Self.criteria.resurfacing([Self.seed(afu: afu, ablationRR: nil)]).outcome == .untested)
        // AFU-IC erased too little for an RR on every seed: untested, not a pass.
        #expect(Self.criteria.resurfacing([Self.seed(afu: afu, afuRR: nil, ablationRR: 0.5)]).outcome == .untested)
    }
}
