import Auditing
import Datasets
import Foundation
import Imaging
import Partitioning
import Reporting

/// The bench's tables (DIR/tables/*.csv), figures (DIR/figures/*.svg) and report (DIR/report.md, and
/// DIR/report.html with the figures inline), all from `BenchResults` and the cells' folders.
struct BenchReport {
    let bench: Bench
    let results: BenchResults

    func write() throws(RunError) {
        try bench.make(bench.path("tables"))
        try bench.make(bench.path("figures"))
        for (name, table) in tables() { try bench.write(Array(table.csv().utf8), to: bench.path("tables/\(name).csv")) }
        let figures = try self.figures()
        for figure in figures { try bench.write(Array(figure.svg.utf8), to: bench.path("figures/\(figure.name).svg")) }
        try bench.write(Array(markdown(figures).utf8), to: bench.path("report.md"))
        try bench.write(Array(html(figures).utf8), to: bench.path("report.html"))
    }

    // MARK: Tables

    static func fixed(_ value: Double?, _ decimals: Int) -> String {
        value.map { NumberFormat.fixed($0, decimals: decimals) } ?? "–"
    }

    /// mean ± std, with "[k/n]" when only k of the n seeds had the figure.
    static func stat(_ value: SeedStatistic?, _ decimals: Int) -> String {
        value.map { NumberFormat.meanStd($0.mean, $0.std, decimals: decimals) + ($0.count < $0.seeds ? " [\($0.count)/\($0.seeds)]" : "") } ?? "–"
    }

    /// The headline table of one dataset and partition (mean ± std over seeds).
    func headline(dataset: String, partition: String) -> Table {
        let rows = results.headline.filter { $0.dataset == dataset && $0.partition == partition }
        let backdoor = rows.contains { $0.backdoorSuccess != nil }
        var header = ["method", "test acc", "retain acc", "forget acc"]
        if backdoor { header += ["forget clean", "forget stamped", "backdoor"] }
        header += ["MIA AUC (loss)", "LiRA off. AUC", "LiRA off. TPR@1%FPR", "latency (s)", "stall (client-s)", "RR", "peak RR"]
        if backdoor { header.append("peak backdoor") }
        header.append("relearn steps")
        return Table(header: header, rows: rows.map { row in
            var cells = [row.label, Self.stat(row.testAccuracy, 3), Self.stat(row.retainAccuracy, 3), Self.stat(row.forgetAccuracy, 3)]
            if backdoor { cells += [Self.stat(row.forgetCleanAccuracy, 3), Self.stat(row.forgetStampedAccuracy, 3), Self.stat(row.backdoorSuccess, 3)] }
            cells += [
                Self.stat(row.lossAUC, 3), Self.stat(row.liraAUC, 3), Self.stat(row.liraTPRAt1PercentFPR, 3), Self.stat(row.latency, 1),
                Self.stat(row.stallClientSeconds, 1),
                row.method == "original" ? "–" : (backdoor && row.resurfacing == nil ? "n/a" : Self.stat(row.resurfacing, 2)),
                row.method == "original" ? "–" : (backdoor && row.peakResurfacing == nil ? "n/a" : Self.stat(row.peakResurfacing, 2)),
            ]
            if backdoor { cells.append(Self.stat(row.peakBackdoorSuccess, 3)) }
            cells.append(row.method == "original" ? "–" : (row.relearnSteps.map { Self.stat($0, 0) } ?? "> max"))
            return cells
        })
    }

    func tables() -> [(String, Table)] {
        let headlineCSV = Table(
            header: [
                "dataset", "partition", "method", "label", "seeds", "test_acc_mean", "test_acc_std", "retain_acc_mean", "forget_acc_mean", "forget_acc_std", "forget_clean_mean", "forget_stamped_mean",
                "backdoor_mean", "backdoor_std", "loss_auc_mean", "loss_auc_std", "lira_auc_mean", "lira_auc_std", "lira_tpr1_mean", "latency_mean",
                "latency_std", "latency_seeds", "stall_mean", "stall_std", "rr_mean", "rr_std", "peak_rr_mean", "relearn_steps_mean", "relearn_seeds",
            ],
            rows: results.headline.map { row in
                func m(_ s: SeedStatistic?) -> String { s.map { String($0.mean) } ?? "" }
                func n(_ s: SeedStatistic?) -> String { s.map { String($0.count) } ?? "0" }
                func d(_ s: SeedStatistic?) -> String { s?.std.map { String($0) } ?? "" }
                return [
                    row.dataset, row.partition, row.method, row.label, String(row.testAccuracy?.count ?? 0), m(row.testAccuracy), d(row.testAccuracy),
                    m(row.retainAccuracy), m(row.forgetAccuracy), d(row.forgetAccuracy), m(row.forgetCleanAccuracy), m(row.forgetStampedAccuracy), m(row.backdoorSuccess), d(row.backdoorSuccess), m(row.lossAUC),
                    d(row.lossAUC), m(row.liraAUC), d(row.liraAUC), m(row.liraTPRAt1PercentFPR), m(row.latency), d(row.latency), n(row.latency), m(row.stallClientSeconds),
                    d(row.stallClientSeconds), m(row.resurfacing), d(row.resurfacing), m(row.peakResurfacing), m(row.relearnSteps), n(row.relearnSteps),
                ]
            })
        var attackRows: [[String]] = []
        var methodRows: [[String]] = []
        func text(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for cell in results.cells {
            for model in cell.evaluation?.models ?? [] {
                for attack in model.attacks {
                    attackRows.append([
                        cell.cell.dataset, cell.cell.partition, String(cell.cell.seed), model.label, attack.attack, text(attack.auc), text(attack.advantage),
                        text(attack.tprAt1PercentFPR), text(attack.tprAt01PercentFPR), text(attack.balancedAccuracy), text(attack.efficacy),
                    ])
                }
            }
            for method in cell.unlearning.methods {
                let model = cell.evaluation?.models.first { $0.label == method.label }
                methodRows.append([
                    cell.cell.dataset, cell.cell.partition, String(cell.cell.seed), method.label, method.method, text(method.servedAt - cell.unlearning.requestTime),
                    text(method.latency?.firstHit), text(method.latency?.persistent), text(method.stallClientSeconds), text(method.clientSampleEpochs),
                    String(method.communicationBytes), String(method.serverStorageBytes), text(model?.testAccuracy), text(model?.balancedAccuracy),
                    text(model?.macroAUC), text(model?.retainAccuracy), text(model?.forgetAccuracy), text(model?.forgetLoss), text(model?.backdoorSuccess),
                    text(method.toRetrain?.klForget), text(method.toRetrain?.klTest), text(method.toRetrain?.weightDistance),
                    text(method.persistence?.resurfacingForget), text(method.persistence?.peakForget), text(method.persistence?.resurfacingBackdoor),
                    text(method.persistence?.peakBackdoor), model?.relearnSteps.map(String.init) ?? "",
                ])
            }
        }
        let attacks = Table(
            header: ["dataset", "partition", "seed", "model", "attack", "auc", "advantage", "tpr_at_1pct_fpr", "tpr_at_0.1pct_fpr", "balanced_accuracy", "mia_efficacy"],
            rows: attackRows)
        let methods = Table(
            header: [
                "dataset", "partition", "seed", "label", "method", "served_after_s", "latency_first_hit_s", "latency_persistent_s", "stall_client_s",
                "client_sample_epochs", "communication_bytes", "server_storage_bytes", "test_acc", "balanced_acc", "macro_auc", "retain_acc", "forget_acc",
                "forget_loss", "backdoor", "kl_forget", "kl_test", "weight_distance", "rr_forget", "peak_rr_forget", "rr_backdoor", "peak_rr_backdoor",
                "relearn_steps",
            ],
            rows: methodRows)
        let stragglers = Table(
            header: ["slowdown", "label", "served_after_s", "latency_persistent_s", "stall_client_s", "test_acc", "forget_acc", "backdoor"],
            rows: results.stragglerTable.map {
                [String($0.slowdown), $0.label, String($0.servedAfter), text($0.latency), String($0.stallClientSeconds), String($0.testAccuracy),
                 String($0.forgetAccuracy), text($0.backdoorSuccess)]
            })
        return [("headline", headlineCSV), ("attacks", attacks), ("methods", methods), ("stragglers", stragglers)]
    }

    // MARK: Figures

    struct Figure {
        var name: String
        var caption: String
        var svg: String
        /// The dataset and partition it belongs to (nil: the straggler sweep).
        var group: String?
    }

    /// The groups (dataset, partition) in order, each with its first seed's cell.
    var groups: [CellResults] {
        var seen: [CellResults] = []
        for cell in results.cells where !seen.contains(where: { $0.cell.dataset == cell.cell.dataset && $0.cell.partition == cell.cell.partition }) {
            seen.append(cell)
        }
        return seen
    }

    func figures() throws(RunError) -> [Figure] {
        var figures: [Figure] = []
        for cell in groups {
            let group = "\(cell.cell.dataset)/\(cell.cell.partition)"
            let stem = "\(cell.cell.dataset)-\(cell.cell.partition)"
            let request = cell.unlearning.requestTime
            let markers = [Marker(x: request, label: "request")]
            // Accuracy vs virtual time: the pre-training's test accuracy, then each method's.
            var pre: [PlotPoint] = []
            if let text = try? FileIO.read(bench.path(cell.cell.path + "/federate/metrics.jsonl")) {
                for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
                    if let step = try? FederatedRun.decoder().decode(StepMetrics.self, from: Data(line.utf8)), let evaluation = step.evaluation {
                        pre.append(PlotPoint(step.virtualTime, evaluation.test.accuracy))
                    }
                }
            }
            pre.append(PlotPoint(request, cell.unlearning.original.testAccuracy))
            func series(_ value: (TimelinePoint) -> Double?) -> [Series] {
                cell.unlearning.methods.map { method in
                    Series(method.label, method.timeline.compactMap { point in value(point).map { PlotPoint(point.virtualTime, $0) } }, dashed: method.method == "retrain")
                }
            }
            figures.append(Figure(
                name: "\(stem)-accuracy", caption: "\(group), seed \(cell.cell.seed): global test accuracy against virtual time, pre-training then each method after the request.",
                svg: SVGPlot.lineChart(
                    title: "Test accuracy — \(group)", series: series { $0.testAccuracy } + [Series("pre-training", pre, dashed: true)],
                    x: Axis("virtual time (s)"), y: Axis("test accuracy", range: 0...1), markers: markers), group: group))
            let backdoor = cell.unlearning.backdoor
            figures.append(Figure(
                name: "\(stem)-resurfacing",
                caption: "\(group), seed \(cell.cell.seed): \(backdoor ? "backdoor success" : "forget-set accuracy") over the continuation without the target (the original model's at the request: \(Self.fixed(backdoor ? cell.unlearning.original.backdoorSuccess : cell.unlearning.original.forgetAccuracy, 3))). A curve climbing back is knowledge resurfacing.",
                svg: SVGPlot.lineChart(
                    title: (backdoor ? "Backdoor success" : "Forget accuracy") + " — \(group)",
                    series: series { backdoor ? $0.backdoorSuccess : $0.forgetAccuracy }, x: Axis("virtual time (s)"),
                    y: Axis(backdoor ? "backdoor success" : "forget accuracy", range: 0...1), markers: markers), group: group))
            figures.append(Figure(
                name: "\(stem)-membership", caption: "\(group), seed \(cell.cell.seed): loss-attack AUC on the target's data over the continuation (0.5: indistinguishable from unseen data).",
                svg: SVGPlot.lineChart(
                    title: "Membership AUC (loss attack) — \(group)", series: series { $0.membershipAUC }, x: Axis("virtual time (s)"),
                    y: Axis("AUC", range: 0...1), markers: markers), group: group))
            if let roc = rocFigure(cell, group: group, stem: stem) { figures.append(roc) }
            if let heatmap = heatmapFigure(cell, group: group, stem: stem) { figures.append(heatmap) }
        }
        if !results.stragglerTable.isEmpty {
            let labels = results.stragglerTable.reduce(into: [String]()) { if !$0.contains($1.label) { $0.append($1.label) } }
            func series(_ value: (StragglerRow) -> Double?) -> [Series] {
                labels.map { label in
                    Series(label, results.stragglerTable.filter { $0.label == label }.compactMap { row in value(row).map { PlotPoint(row.slowdown, $0) } })
                }
            }
            figures.append(Figure(
                name: "stragglers-latency", caption: "Straggler sweep: virtual seconds from the request until the method's model is served, against how many times slower the target trains.",
                svg: SVGPlot.lineChart(
                    title: "Time to serve the unlearned model", series: series { $0.servedAfter }, x: Axis("target slowdown (×)", logarithmic: true),
                    y: Axis("seconds after the request")), group: nil))
            figures.append(Figure(
                name: "stragglers-stall", caption: "Straggler sweep: client-seconds the retained hospitals spent waiting because of the erasure.",
                svg: SVGPlot.lineChart(
                    title: "Stall caused by the erasure", series: series { $0.stallClientSeconds }, x: Axis("target slowdown (×)", logarithmic: true),
                    y: Axis("client-seconds")), group: nil))
        }
        return figures
    }

    /// ROC curves on log axes of LiRA offline (the loss attack without shadows) for every model.
    func rocFigure(_ cell: CellResults, group: String, stem: String) -> Figure? {
        guard let evaluation = cell.evaluation else { return nil }
        let attack = evaluation.models.first?.attack("lira_offline") != nil ? "lira_offline" : "loss"
        var series: [Series] = []
        // The methods first, the original last, so each method has the same colour as in the other figures.
        for model in evaluation.models.dropFirst() + evaluation.models.prefix(1) {
            guard let bytes = try? FileIO.read(bench.path(cell.cell.path + "/unlearn/evaluation/scores/\(model.label).csv")),
                  let (scores, members) = Self.column(attack, csv: String(decoding: bytes, as: UTF8.self)),
                  let roc = ROC(scores: scores.map { $0.isNaN ? -.infinity : $0 }, isMember: members)
            else { continue }
            series.append(Series(model.label, roc.points.map { PlotPoint($0.falsePositiveRate, $0.truePositiveRate) }, dashed: model.method != "afu-ic"))
        }
        guard !series.isEmpty else { return nil }
        return Figure(
            name: "\(stem)-roc",
            caption: "\(group), seed \(cell.cell.seed): ROC of the \(attack) attack on the target's data against held-out samples, log axes (the low-FPR corner is what matters; the diagonal is chance). Points at FPR 0 are not drawn on the log axis.",
            svg: SVGPlot.lineChart(
                title: "ROC, \(attack) — \(group)", series: series, x: Axis("false positive rate", logarithmic: true, range: 0.001...1),
                y: Axis("true positive rate", logarithmic: true, range: 0.001...1), diagonal: true), group: group)
    }

    /// One score column and the member flags of a per-sample score CSV (ids are numbers, never quoted).
    static func column(_ name: String, csv: String) -> ([Double], [Bool])? {
        let lines = csv.split(separator: "\n")
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              let index = header.firstIndex(of: name), let member = header.firstIndex(of: "member") else { return nil }
        var scores: [Double] = [], members: [Bool] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count, let score = Double(fields[index]) else { return nil }
            scores.append(score)
            members.append(fields[member] == "1")
        }
        return (scores, members)
    }

    /// Training samples per hospital and class of the cell's plan.
    func heatmapFigure(_ cell: CellResults, group: String, stem: String) -> Figure? {
        let planFile = bench.path("plans/\(cell.cell.dataset)-\(cell.cell.planLabel)-s\(cell.cell.seed).json")
        guard let plan = try? PartitionPlan.load(planFile), let store = try? DatasetStore(path: plan.store.path) else { return nil }
        let statistics = PartitionStatistics(plan: plan, store: store)
        let values = statistics.hospitals.map { $0.classCounts.map(Double.init) }
        return Figure(
            name: "\(stem)-partition", caption: "\(group), seed \(cell.cell.seed): samples per hospital and class (hospital \(results.config.target) is the target).",
            svg: SVGPlot.heatmap(
                title: "Partition — \(group)", values: values,
                rowLabels: statistics.hospitals.enumerated().map { "\($0.offset == results.config.target ? "▶ " : "")\($0.element.id)" },
                columnLabels: store.classes), group: group)
    }

    // MARK: Documents

    static let claimTitles = [
        1: "forgetting and fidelity as good as retraining",
        2: "lower latency and zero stall than the synchronous baselines",
        3: "no resurfacing where the uncalibrated ablation resurfaces",
    ]

    /// The claims table: per dataset and partition and claim, the verdict and the numbers that decided it.
    func claimsTable() -> Table {
        Table(
            header: ["dataset / partition", "claim", "verdict", "deciding numbers"],
            rows: (results.claims ?? []).map {
                ["\($0.dataset)/\($0.partition)", "\($0.claim). \(Self.claimTitles[$0.claim] ?? "")", $0.outcome.rawValue.uppercased(), $0.detail]
            })
    }

    /// How the claims are judged, with the config's criteria.
    var claimsNote: String {
        let c = results.config.claims ?? ClaimCriteria()
        return "Judged on \(c.method) with criteria fixed in the config before any score (docs/results.md): (1) in every seed final backdoor success (without a backdoor: forget accuracy) ≤ the larger retraining's + \(Self.fixed(c.backdoorMargin, 2)) (F1), clean and stamped forget accuracy each ≤ retraining's + \(Self.fixed(c.forgetMargin, 2)) (F3); mean test accuracy ≥ max(asynchronous retraining, exclude) − \(Self.fixed(c.accuracyMargin, 2)) (U1); where the pooled audit is conclusive, |loss AUC − retraining's| ≤ max(\(Self.fixed(c.aucMargin, 2)), 2 SE) (F4); untested where the exclude control passes F1 too (no power). (2) stall 0 and a persistent latency in every seed, mean latency below synchronous retraining's and FedEraser's. (3) where \(c.uncalibrated)'s mean RR ≥ \(Self.fixed(c.resurfaces, 2)), \(c.method)'s < \(Self.fixed(c.holds, 2)); untested otherwise."
    }

    /// What the audit can say, per dataset and partition and seed, with the sizes it rests on.
    func verdicts() -> [String] {
        let pooled = results.config.seeds.count < 2 ? [] : results.audit.map { "\($0.dataset)/\($0.partition), \($0.seeds) seeds: " + ($0.conclusive ? "conclusive — " : "") + $0.explanation }
        return pooled + results.cells.map { cell in
            var head = "\(cell.cell.dataset)/\(cell.cell.partition)/s\(cell.cell.seed): "
            if let evaluation = cell.evaluation {
                head += "\(evaluation.forgetSamples) members against \(evaluation.nonMemberSamples) non-members (\(evaluation.nonMemberSource))"
                head += evaluation.nonMemberSamples < 1000 ? ", so TPR at 0.1 % FPR reads as TPR at FPR 0 (it needs ≥ 1000 non-members); " : "; "
            }
            guard let verdict = cell.evaluation?.verdict else {
                return head + "no verdict: it needs a retrain method and the loss attack's AUC on the original and the retrained model (no clean target samples, or no held-out ones, leave it undefined)"
            }
            return head + (verdict.conclusive ? "conclusive — " : "") + verdict.explanation
        }
    }

    func markdown(_ figures: [Figure]) -> String {
        var text = "# MedSilo bench: \(results.name)\n\n"
        text += "Target hospital \(results.config.target); seeds \(results.config.seeds.map(String.init).joined(separator: ", ")). Every figure is shown for the original model (at the request), retraining and each method: the goal is to be close to retraining. Mean ± sample std over seeds. Latency is virtual seconds from the request until the forgetting criterion holds for good; stall is client-seconds retained hospitals waited; RR is the resurfacing rate over the continuation (\(results.cells.first?.unlearning.backdoor == true ? "on backdoor success, given only where the erasure removed at least 0.2 of it — n/a: too little erased, [k/n]: on k seeds; peak backdoor is the highest success from serving to the end" : "on forget accuracy"); 0 = nothing came back). [k/n]: only k of the n seeds had the figure (latency: the criterion held; relearn steps: relearned within the budget), and the mean is over those; – or > max: none did.\n\n"
        if !(results.claims ?? []).isEmpty {
            text += "## The claims\n\n" + claimsTable().markdown() + "\n" + claimsNote + "\n\n"
        }
        text += "## What the audit can see\n\n" + verdicts().map { "- \($0)\n" }.joined() + "\n"
        if !convergenceTable().rows.isEmpty {
            text += "## Did the pre-training finish?\n\n" + convergenceTable().markdown() + "\n" + Self.convergenceNote + "\n\n"
        }
        for cell in groups {
            let group = "\(cell.cell.dataset)/\(cell.cell.partition)"
            text += "## \(group)\n\n" + headline(dataset: cell.cell.dataset, partition: cell.cell.partition).markdown() + "\n"
            for figure in figures where figure.group == group { text += "![\(figure.caption)](figures/\(figure.name).svg)\n\n" }
        }
        if !results.stragglerTable.isEmpty {
            text += "## Straggler sweep\n\n" + stragglerTable().markdown() + "\n"
            for figure in figures where figure.group == nil { text += "![\(figure.caption)](figures/\(figure.name).svg)\n\n" }
        }
        if let cost = costLine { text += cost + "\n\n" }
        text += "Every number: results.json; tables: tables/*.csv; per-sample membership scores: cells/…/unlearn/evaluation/scores/*.csv.\n"
        return text
    }

    /// Host seconds per phase kind over the bench (each phase's last run; this machine's, not a result).
    var costLine: String? {
        guard let seconds = results.hostSeconds, let total = seconds["total"] else { return nil }
        let order = ["data", "federate", "central", "unlearn", "evaluate", "sweep-federate", "sweep-unlearn"]
        let parts = order.compactMap { key in seconds[key].map { "\(key) \(PhaseClock.duration($0))" } }
        return "Host time (each phase's last run, on this machine): " + parts.joined(separator: ", ") + "; total \(PhaseClock.duration(total))."
    }

    /// Whether each cell's pre-training finished, per seed: the gain over the last 20 % of versions, and the
    /// distance to the central model and to synchronous retraining.
    func convergenceTable() -> Table {
        Table(
            header: ["cell", "versions", "test acc", "gain over last 20 %", "plateau", "central (epochs)", "central − federated", "retrain-sync − original"],
            rows: results.cells.compactMap { cell in
                guard let c = cell.convergence else { return nil }
                return ["\(cell.cell.dataset)/\(cell.cell.partition)/s\(cell.cell.seed)", String(c.versions), Self.fixed(c.finalAccuracy, 3),
                        c.gainOverLast20Percent.map { Self.fixed($0, 3) + " (from \(c.evaluatedAt!))" } ?? "–",
                        c.plateaued.map { $0 ? "yes" : "no" } ?? "–", "\(Self.fixed(c.centralAccuracy, 3)) (\(c.centralEpochs))",
                        Self.fixed(c.gapToCentral, 3), Self.fixed(c.gapToRetrainSync, 3)]
            })
    }

    static let convergenceNote = "Pre-training plateaued when global test accuracy moved by under one point, either way, over the last 20 % of its versions; the central model trains the same samples with the same optimiser and batch; positive gaps: the yardstick is ahead of the original model."

    func stragglerTable() -> Table {
        Table(
            header: ["target slowdown", "method", "served after (s)", "latency (s)", "stall (client-s)", "test acc", "forget acc", "backdoor"],
            rows: results.stragglerTable.map {
                ["×" + BenchCell.factor($0.slowdown), $0.label, Self.fixed($0.servedAfter, 1), Self.fixed($0.latency, 1), Self.fixed($0.stallClientSeconds, 1),
                 Self.fixed($0.testAccuracy, 3), Self.fixed($0.forgetAccuracy, 3), Self.fixed($0.backdoorSuccess, 3)]
            })
    }

    func html(_ figures: [Figure]) -> String {
        var report = HTMLReport(title: "MedSilo bench: \(results.name)")
        report.heading("MedSilo bench: \(results.name)", level: 1)
        report.paragraph(
            "Target hospital \(results.config.target); seeds \(results.config.seeds.map(String.init).joined(separator: ", ")). Every figure is shown for the original model, retraining and each method; the goal is to be close to retraining. Mean ± sample std over seeds; [k/n]: only k of the n seeds had the figure (latency: the criterion held; relearn steps: relearned within the budget), the mean is over those.")
        if !(results.claims ?? []).isEmpty {
            report.heading("The claims")
            report.raw(claimsTable().html())
            report.paragraph(claimsNote)
        }
        report.heading("What the audit can see")
        for verdict in verdicts() { report.paragraph(verdict) }
        if !convergenceTable().rows.isEmpty {
            report.heading("Did the pre-training finish?")
            report.raw(convergenceTable().html())
            report.paragraph(Self.convergenceNote)
        }
        for cell in groups {
            let group = "\(cell.cell.dataset)/\(cell.cell.partition)"
            report.heading(group)
            report.raw(headline(dataset: cell.cell.dataset, partition: cell.cell.partition).html())
            for figure in figures where figure.group == group { report.figure(figure.svg, caption: figure.caption) }
        }
        if !results.stragglerTable.isEmpty {
            report.heading("Straggler sweep")
            report.raw(stragglerTable().html())
            for figure in figures where figure.group == nil { report.figure(figure.svg, caption: figure.caption) }
        }
        return report.render()
    }
}

/// The headline tables and the audit's verdicts as terminal text, printed at the end of a bench.
public enum BenchSummary {
    public static func text(_ results: BenchResults) -> String {
        let report = BenchReport(bench: Bench(config: results.config, folder: "", cores: 1), results: results)
        var text = ""
        if !(results.claims ?? []).isEmpty { text += "the claims\n" + report.claimsTable().markdown() + "\n" }
        for cell in report.groups {
            text += "\(cell.cell.dataset)/\(cell.cell.partition) (mean ± std over \(results.config.seeds.count) seed\(results.config.seeds.count == 1 ? "" : "s"))\n"
            text += report.headline(dataset: cell.cell.dataset, partition: cell.cell.partition).markdown() + "\n"
        }
        if !results.stragglerTable.isEmpty { text += "straggler sweep\n" + report.stragglerTable().markdown() + "\n" }
        if !report.convergenceTable().rows.isEmpty { text += "did the pre-training finish?\n" + report.convergenceTable().markdown() + "\n" }
        text += report.verdicts().joined(separator: "\n") + "\n"
        if let cost = report.costLine { text += cost + "\n" }
        return text
    }
}
