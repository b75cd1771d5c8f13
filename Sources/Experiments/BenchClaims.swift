import Reporting

/// The three claims a bench judges, per dataset and partition, with criteria fixed in the config before
/// any score is seen (`claims:`; defaults below, documented in docs/results.md):
///
/// 1. **Forgetting and fidelity as good as retraining.** Over the group's seeds, with "retraining" the
///    larger of the retrained models' final figures (the more lenient of the two for the method, the
///    stricter for nobody — both are gold standards):
///    - F1, in every seed: final backdoor success ≤ retraining's + `backdoorMargin` (without a backdoor:
///      forget accuracy ≤ retraining's + `forgetMargin`);
///    - F3, in every seed (with a backdoor): forget accuracy on the clean samples and on the stamped
///      samples (as labelled) each ≤ retraining's + `forgetMargin`;
///    - U1, over the seeds' mean: final test accuracy ≥ max(asynchronous retraining, `exclude`) −
///      `accuracyMargin` (the synchronous retraining when there is no asynchronous one);
///    - F4, where the pooled audit is conclusive: |loss-attack AUC − retraining's| ≤ max(`aucMargin`,
///      2 × the pooled SE), on the seeds' means;
///    - power: the test has power only where the `exclude` control fails F1; with no seed where it does,
///      the claim is untested.
/// 2. **Lower latency and zero stall than the synchronous baselines**: stall exactly 0 and a persistent
///    latency in every seed, and a mean latency below synchronous retraining's and FedEraser's (a baseline
///    that never met the criterion counts as slower).
/// 3. **No resurfacing where the uncalibrated ablation resurfaces**: where the ablation's RR (over the
///    seeds where it is defined: it erased at least 0.2) reaches `resurfaces` on average, the method's
///    stays below `holds`; where the ablation does not resurface, or the method erased too little for an
///    RR, the claim is untested.
public struct ClaimCriteria: Sendable, Codable, Equatable {
    /// The label of the method judged and of its uncalibrated ablation.
    public var method: String = "afu-ic"
    public var uncalibrated: String = "afu-no-ic"
    public var backdoorMargin: Double = 0.05
    public var forgetMargin: Double = 0.05
    public var accuracyMargin: Double = 0.03
    public var aucMargin: Double = 0.05
    public var resurfaces: Double = 0.3
    public var holds: Double = 0.05
    public init() {}
}

/// One claim's verdict on one dataset and partition, with the numbers that decided it.
public struct ClaimVerdict: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable { case pass, fail, untested }
    public var dataset: String
    public var partition: String
    public var claim: Int
    public var outcome: Outcome
    /// The deciding numbers, one clause per criterion.
    public var detail: String
}

extension ClaimCriteria {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? method
        uncalibrated = try c.decodeIfPresent(String.self, forKey: .uncalibrated) ?? uncalibrated
        backdoorMargin = try c.decodeIfPresent(Double.self, forKey: .backdoorMargin) ?? backdoorMargin
        forgetMargin = try c.decodeIfPresent(Double.self, forKey: .forgetMargin) ?? forgetMargin
        accuracyMargin = try c.decodeIfPresent(Double.self, forKey: .accuracyMargin) ?? accuracyMargin
        aucMargin = try c.decodeIfPresent(Double.self, forKey: .aucMargin) ?? aucMargin
        resurfaces = try c.decodeIfPresent(Double.self, forKey: .resurfaces) ?? resurfaces
        holds = try c.decodeIfPresent(Double.self, forKey: .holds) ?? holds
    }

    /// The verdicts of the three claims on every dataset and partition of `cells` (main cells only).
    public func judge(_ cells: [CellResults], audit: [PooledAuditVerdict]) -> [ClaimVerdict] {
        Bench.groups(cells).flatMap { dataset, partition -> [ClaimVerdict] in
            let cells = cells.filter { $0.cell.dataset == dataset && $0.cell.partition == partition }
            let pooled = audit.first { $0.dataset == dataset && $0.partition == partition }
            let group = cells.map(\.unlearning), evaluations = cells.map(\.evaluation)
            return [forgetting(group, evaluations: evaluations, pooled: pooled), latency(group), resurfacing(group)].map {
                ClaimVerdict(dataset: dataset, partition: partition, claim: $0.claim, outcome: $0.outcome, detail: $0.detail)
            }
        }
    }

    static func f(_ value: Double?) -> String { value.map { NumberFormat.fixed($0, decimals: 3) } ?? "–" }
    static func list(_ values: [Double?]) -> String { values.map { f($0) }.joined(separator: ", ") }
    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

    /// Claim 1 on one group's seeds (`evaluations` in the same order, nil where not audited).
    func forgetting(_ group: [UnlearningResults], evaluations: [EvaluationResults?], pooled: PooledAuditVerdict?)
        -> (claim: Int, outcome: ClaimVerdict.Outcome, detail: String)
    {
        var clauses: [String] = []
        var ok = true
        let backdoor = group.first?.backdoor ?? false
        func final(_ cell: UnlearningResults, _ label: String) -> TimelinePoint? { cell.methods.first { $0.label == label }?.final }
        func retrained(_ cell: UnlearningResults) -> [TimelinePoint] { cell.methods.filter { $0.method == "retrain" }.map(\.final) }
        guard group.allSatisfy({ final($0, method) != nil && !retrained($0).isEmpty }) else {
            return (1, .untested, "needs \(method) and a retrain method in every seed")
        }
        // F1 and power.
        func forgetFigure(_ p: TimelinePoint) -> Double? { backdoor ? p.backdoorSuccess : p.forgetAccuracy }
        let margin = backdoor ? backdoorMargin : forgetMargin
        let limits = group.map { cell in retrained(cell).compactMap(forgetFigure).max().map { $0 + margin } }
        let figures = group.map { forgetFigure(final($0, method)!) }
        let f1 = zip(figures, limits).filter { figure, limit in figure != nil && limit != nil && figure! <= limit! }.count
        ok = ok && f1 == group.count
        let what = backdoor ? "backdoor" : "forget accuracy"
        clauses.append("F1 \(f1)/\(group.count): \(what) \(Self.list(figures)) against ≤ \(Self.list(limits))")
        let control = group.map { cell in cell.methods.first { $0.method == "exclude" }.flatMap { forgetFigure($0.final) } }
        let power = zip(control, limits).filter { figure, limit in figure != nil && limit != nil && figure! > limit! }.count
        if control.allSatisfy({ $0 == nil }) {
            clauses.append("power unknown: no exclude control")
        } else {
            clauses.append("power: exclude fails F1 on \(power)/\(group.count) (\(what) \(Self.list(control)))")
        }
        // F3.
        if backdoor {
            let passes = group.filter { cell in
                let own = final(cell, method)!
                let clean = retrained(cell).compactMap(\.forgetCleanAccuracy).max(), stamped = retrained(cell).compactMap(\.forgetStampedAccuracy).max()
                guard let c = own.forgetCleanAccuracy, let s = own.forgetStampedAccuracy, let clean, let stamped else { return false }
                return c <= clean + forgetMargin && s <= stamped + forgetMargin
            }.count
            ok = ok && passes == group.count
            clauses.append(
                "F3 \(passes)/\(group.count): clean \(Self.list(group.map { final($0, method)!.forgetCleanAccuracy })), stamped \(Self.list(group.map { final($0, method)!.forgetStampedAccuracy }))")
        }
        // U1, on the means.
        let own = Self.mean(group.map { final($0, method)!.testAccuracy })!
        let levels = group.map { cell -> Double in
            let asyncRetrain = cell.methods.first { $0.method == "retrain" && $0.label.contains("async") }?.final.testAccuracy
            let anyRetrain = retrained(cell).first!.testAccuracy
            let exclude = cell.methods.first { $0.method == "exclude" }?.final.testAccuracy
            return max(asyncRetrain ?? anyRetrain, exclude ?? -.infinity)
        }
        let level = Self.mean(levels)!
        let u1 = own >= level - accuracyMargin
        ok = ok && u1
        clauses.append("U1 \(u1 ? "holds" : "fails"): test \(Self.f(own)) against ≥ \(Self.f(level - accuracyMargin))")
        // F4, where the pooled audit is conclusive.
        if let pooled, pooled.conclusive {
            func auc(_ evaluation: EvaluationResults?, _ label: String) -> Double? { evaluation?.models.first { $0.label == label }?.attack("loss")?.auc }
            let retrainLabel = group.first!.methods.first { $0.method == "retrain" }!.label
            if let mine = Self.mean(evaluations.compactMap { auc($0, method) }), let theirs = Self.mean(evaluations.compactMap { auc($0, retrainLabel) }) {
                let allowed = max(aucMargin, 2 * pooled.standardError)
                let f4 = abs(mine - theirs) <= allowed
                ok = ok && f4
                clauses.append("F4 \(f4 ? "holds" : "fails"): loss AUC \(Self.f(mine)) against \(retrainLabel)'s \(Self.f(theirs)) (allowed ± \(Self.f(allowed)))")
            }
        } else {
            clauses.append("F4 n/a: the pooled audit is \(pooled == nil ? "missing" : "inconclusive")")
        }
        let outcome: ClaimVerdict.Outcome = !control.allSatisfy({ $0 == nil }) && power == 0 ? .untested : (ok ? .pass : .fail)
        return (1, outcome, (outcome == .untested ? "no power — exclude passes F1 too; " : "") + clauses.joined(separator: "; "))
    }

    /// Claim 2 on one group's seeds.
    func latency(_ group: [UnlearningResults]) -> (claim: Int, outcome: ClaimVerdict.Outcome, detail: String) {
        func result(_ cell: UnlearningResults, _ predicate: (MethodResult) -> Bool) -> MethodResult? { cell.methods.first(where: predicate) }
        guard group.allSatisfy({ result($0) { $0.label == method } != nil }) else { return (2, .untested, "needs \(method) in every seed") }
        let own = group.map { result($0) { $0.label == method }! }
        let stalls = own.map(\.stallClientSeconds)
        let latencies = own.map { $0.latency?.persistent }
        var clauses = ["stall \(Self.list(stalls)) client-s", "persistent latency \(Self.list(latencies)) s"]
        var ok = stalls.allSatisfy { $0 == 0 } && latencies.allSatisfy { $0 != nil }
        let mine = Self.mean(latencies.compactMap { $0 })
        for (name, predicate) in [("retrain-sync", { (m: MethodResult) in m.method == "retrain" && !m.label.contains("async") }), ("federaser", { $0.method == "federaser" })] {
            let theirs = group.compactMap { result($0, predicate) }
            guard !theirs.isEmpty else { continue }
            let values = theirs.map { $0.latency?.persistent }
            let mean = Self.mean(values.compactMap { $0 })
            // A baseline that never met the criterion is slower than any latency.
            let faster = mine != nil && (mean == nil || mine! < mean!)
            ok = ok && faster
            clauses.append("\(name) \(Self.list(values)) s")
        }
        return (2, ok ? .pass : .fail, clauses.joined(separator: "; "))
    }

    /// Claim 3 on one group's seeds.
    func resurfacing(_ group: [UnlearningResults]) -> (claim: Int, outcome: ClaimVerdict.Outcome, detail: String) {
        let backdoor = group.first?.backdoor ?? false
        func rr(_ label: String) -> [Double?] {
            group.map { cell in
                cell.methods.first { $0.label == label }?.persistence.flatMap { backdoor ? $0.resurfacingBackdoor : $0.resurfacingForget }
            }
        }
        let ablation = rr(uncalibrated), own = rr(method)
        let clauses = "\(uncalibrated) RR \(Self.list(ablation)); \(method) RR \(Self.list(own))"
        guard let ablationMean = Self.mean(ablation.compactMap { $0 }) else {
            return (3, .untested, "\(uncalibrated) erased too little for an RR (or is not run); " + clauses)
        }
        guard ablationMean >= resurfaces else {
            return (3, .untested, "\(uncalibrated) does not resurface (mean RR \(Self.f(ablationMean)) < \(Self.f(resurfaces))); " + clauses)
        }
        guard let ownMean = Self.mean(own.compactMap { $0 }) else {
            return (3, .untested, "\(method) erased too little for an RR; " + clauses)
        }
        return (3, ownMean < holds ? .pass : .fail, "mean RR \(Self.f(ownMean)) against \(uncalibrated)'s \(Self.f(ablationMean)); " + clauses)
    }
}
