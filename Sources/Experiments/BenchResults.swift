import Foundation
import Imaging
import Partitioning

/// A figure over seeds: mean, sample standard deviation (nil for one seed), how many seeds had it and of
/// how many. A latency or relearn time a seed did not reach (the criterion never held; not within the
/// step budget) is missing from the mean, and `count < seeds` says so.
public struct SeedStatistic: Sendable, Codable, Equatable {
    public var mean: Double
    public var std: Double?
    public var count: Int
    public var seeds: Int

    init?(_ values: [Double?]) {
        let finite = values.compactMap { $0 }.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        count = finite.count
        seeds = values.count
        mean = finite.reduce(0, +) / Double(count)
        let mean = mean
        std = count < 2 ? nil : (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)).squareRoot()
    }
}

/// One cell's results, as its phases wrote them.
public struct CellResults: Sendable, Codable, Equatable {
    public var cell: BenchCell
    public var pretraining: RunResults
    public var unlearning: UnlearningResults
    /// Absent in the straggler sweep.
    public var evaluation: EvaluationResults?
    /// Host seconds of each phase's last run (federate, central, unlearn, evaluate); the machine's, not a result.
    public var hostSeconds: [String: Double]?
    /// Whether the pre-training finished: its plateau, the central model, synchronous retraining (main cells).
    public var convergence: Convergence?
}

/// A row of the headline table: one method (or the original model) on one dataset and partition, over
/// the seeds.
public struct HeadlineRow: Sendable, Codable, Equatable {
    public var dataset: String
    public var partition: String
    public var label: String
    public var method: String
    public var testAccuracy: SeedStatistic?
    public var retainAccuracy: SeedStatistic?
    public var forgetAccuracy: SeedStatistic?
    /// With a backdoor: forget accuracy on the target's clean samples and on its stamped ones (as labelled).
    public var forgetCleanAccuracy: SeedStatistic?
    public var forgetStampedAccuracy: SeedStatistic?
    public var backdoorSuccess: SeedStatistic?
    /// AUC of the loss-threshold attack and of LiRA offline (the variant that stays sound with few
    /// shadow models: it fits only the OUT Gaussians, from all M shadows, where online fits IN and OUT
    /// from M/2 each); LiRA offline's TPR at 1 % FPR. Every variant's figures: tables/attacks.csv.
    public var lossAUC: SeedStatistic?
    public var liraAUC: SeedStatistic?
    public var liraTPRAt1PercentFPR: SeedStatistic?
    /// Virtual seconds from the request to a persistent hit of the forgetting criterion.
    public var latency: SeedStatistic?
    public var stallClientSeconds: SeedStatistic?
    /// Resurfacing rate over the continuation: on the backdoor's success when there is one, else on
    /// forget accuracy; and its peak.
    public var resurfacing: SeedStatistic?
    public var peakResurfacing: SeedStatistic?
    /// The highest backdoor success from serving to the end of the continuation.
    public var peakBackdoorSuccess: SeedStatistic?
    public var relearnSteps: SeedStatistic?
}

/// A row of the straggler table: one method at one slowdown of the target.
public struct StragglerRow: Sendable, Codable, Equatable {
    public var slowdown: Double
    public var label: String
    public var servedAfter: Double
    public var latency: Double?
    public var stallClientSeconds: Double
    public var testAccuracy: Double
    public var backdoorSuccess: Double?
    public var forgetAccuracy: Double
}

/// DIR/results.json of `medsilo bench` (schema in docs/results.md).
public struct BenchResults: Sendable, Codable, Equatable {
    public var format = "medsilo-bench"
    public var version = 1
    public var name: String
    public var config: BenchConfig
    public var cells: [CellResults]
    public var stragglers: [CellResults]
    public var headline: [HeadlineRow]
    /// The audit's verdict per dataset and partition, pooled over the seeds.
    public var audit: [PooledAuditVerdict]
    public var stragglerTable: [StragglerRow]
    /// The three claims per dataset and partition, judged by `config.claims`' criteria.
    public var claims: [ClaimVerdict]?
    /// Host seconds per phase kind summed over the cells (and the sweep), the data's, and their total, so
    /// the cost of a bench is visible; each phase's last run, on this machine.
    public var hostSeconds: [String: Double]?
}

extension Bench {
    /// Reads every phase's results back and summarises them over seeds.
    func collect(stores: [String: String]) throws(RunError) -> BenchResults {
        func read<T: Decodable>(_ type: T.Type, _ file: String) throws(RunError) -> T {
            do { return try FederatedRun.decoder().decode(T.self, from: Data(try FileIO.read(path(file)))) } catch {
                throw RunError("\(path(file)): unreadable (\(error))")
            }
        }
        func cellResults(_ cell: BenchCell) throws(RunError) -> CellResults {
            let unlearning = try read(UnlearningResults.self, cell.path + "/unlearn/results.json")
            var convergence: Convergence?
            if cell.slowdown == nil, config.centralEpochCount > 0 {
                let central = try read([Double].self, centralFile(cell))
                let metrics: [UInt8]
                do { metrics = try FileIO.read(path(cell.path + "/federate/metrics.jsonl")) } catch {
                    throw RunError("\(path(cell.path + "/federate/metrics.jsonl")): unreadable (\(error))")
                }
                let retrainSync = unlearning.methods.first { $0.method == "retrain" && $0.label == "retrain-sync" }?.final.testAccuracy
                convergence = Convergence(metrics: metrics, central: central, retrainSync: retrainSync)
            }
            return CellResults(
                cell: cell, pretraining: try read(RunResults.self, cell.path + "/federate/results.json"), unlearning: unlearning,
                evaluation: cell.slowdown == nil ? try read(EvaluationResults.self, cell.path + "/unlearn/evaluation/evaluation.json") : nil,
                hostSeconds: hostSeconds(cell.path), convergence: convergence)
        }
        var main: [CellResults] = []
        for cell in cells { main.append(try cellResults(cell)) }
        var swept: [CellResults] = []
        for cell in sweep { swept.append(try cellResults(cell)) }
        let audit = Self.audit(main)
        var seconds: [String: Double] = hostSeconds("data") ?? [:]
        for cell in main { for (phase, value) in cell.hostSeconds ?? [:] { seconds[phase, default: 0] += value } }
        for cell in swept where !main.contains(where: { $0.cell.path == cell.cell.path }) {
            for (phase, value) in cell.hostSeconds ?? [:] { seconds["sweep-" + phase, default: 0] += value }
        }
        seconds["total"] = seconds.values.reduce(0, +)
        return BenchResults(
            name: config.name, config: config, cells: main, stragglers: swept, headline: Self.headline(main), audit: audit,
            stragglerTable: Self.stragglerTable(swept, methods: config.stragglers?.methods),
            claims: (config.claims ?? ClaimCriteria()).judge(main, audit: audit), hostSeconds: seconds)
    }

    /// The cells' datasets and partitions, in the order they first appear.
    static func groups(_ cells: [CellResults]) -> [(dataset: String, partition: String)] {
        var groups: [(dataset: String, partition: String)] = []
        for cell in cells where !groups.contains(where: { $0 == (cell.cell.dataset, cell.cell.partition) }) { groups.append((cell.cell.dataset, cell.cell.partition)) }
        return groups
    }

    static func headline(_ cells: [CellResults]) -> [HeadlineRow] {
        var rows: [HeadlineRow] = []
        for (dataset, partition) in groups(cells) {
            let group = cells.filter { $0.cell.dataset == dataset && $0.cell.partition == partition }
            guard let first = group.first else { continue }
            let labels = [("original", "original")] + first.unlearning.methods.map { ($0.label, $0.method) }
            for (label, method) in labels {
                func evaluation(_ cell: CellResults) -> ModelEvaluation? { cell.evaluation?.models.first { $0.label == label } }
                func result(_ cell: CellResults) -> MethodResult? { cell.unlearning.methods.first { $0.label == label } }
                func stat(_ value: (CellResults) -> Double?) -> SeedStatistic? { SeedStatistic(group.map(value)) }
                let backdoor = first.unlearning.backdoor
                rows.append(HeadlineRow(
                    dataset: dataset, partition: partition, label: label, method: method,
                    testAccuracy: stat { evaluation($0)?.testAccuracy }, retainAccuracy: stat { evaluation($0)?.retainAccuracy },
                    forgetAccuracy: stat { evaluation($0)?.forgetAccuracy },
                    forgetCleanAccuracy: stat { (label == "original" ? $0.unlearning.original : result($0)?.final)?.forgetCleanAccuracy },
                    forgetStampedAccuracy: stat { (label == "original" ? $0.unlearning.original : result($0)?.final)?.forgetStampedAccuracy },
                    backdoorSuccess: stat { evaluation($0)?.backdoorSuccess },
                    lossAUC: stat { evaluation($0)?.attack("loss")?.auc }, liraAUC: stat { evaluation($0)?.attack("lira_offline")?.auc },
                    liraTPRAt1PercentFPR: stat { evaluation($0)?.attack("lira_offline")?.tprAt1PercentFPR },
                    latency: stat { result($0)?.latency?.persistent }, stallClientSeconds: stat { result($0)?.stallClientSeconds },
                    resurfacing: stat { backdoor ? result($0)?.persistence?.resurfacingBackdoor : result($0)?.persistence?.resurfacingForget },
                    peakResurfacing: stat { backdoor ? result($0)?.persistence?.peakBackdoor : result($0)?.persistence?.peakForget },
                    peakBackdoorSuccess: stat { result($0)?.persistence?.peakBackdoorSuccess },
                    relearnSteps: stat { evaluation($0)?.relearnSteps.map(Double.init) }))
            }
        }
        return rows
    }

    static func audit(_ cells: [CellResults]) -> [PooledAuditVerdict] {
        return groups(cells).compactMap { dataset, partition in
            let verdicts = cells.filter { $0.cell.dataset == dataset && $0.cell.partition == partition }.compactMap { $0.evaluation?.verdict }
            return PooledAuditVerdict(dataset: dataset, partition: partition, verdicts: verdicts)
        }
    }

    static func stragglerTable(_ cells: [CellResults], methods labels: [String]?) -> [StragglerRow] {
        cells.flatMap { cell in
            cell.unlearning.methods.filter { labels?.contains($0.label) ?? true }.map { method in
                StragglerRow(
                    slowdown: cell.cell.slowdown ?? 1, label: method.label, servedAfter: method.servedAt - cell.unlearning.requestTime,
                    latency: method.latency?.persistent, stallClientSeconds: method.stallClientSeconds, testAccuracy: method.final.testAccuracy,
                    backdoorSuccess: method.final.backdoorSuccess, forgetAccuracy: method.final.forgetAccuracy)
            }
        }
    }
}
