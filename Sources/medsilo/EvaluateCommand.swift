import ArgumentParser
import Experiments
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo evaluate DIR`: the full membership and forgetting audit of an unlearning output.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Audit an unlearning output: utility, forgetting, membership attacks (thresholds, LiRA, shadow model, RMIA) and relearn time.",
        discussion: """
            DIR is the output folder of medsilo unlearn. For the model at the request and every method's \
            model: test, balanced and retain accuracy, macro AUC, forget accuracy and loss, backdoor success; \
            the four threshold attacks (class thresholds calibrated on retained members and held-out \
            non-members), LiRA online and offline (also with a fixed variance), Shokri's shadow-model \
            attack and RMIA offline (against global-test samples that are not audited), each as AUC, \
            advantage, TPR at 1% and 0.1% FPR, balanced accuracy and MIA-efficacy on the target's \
            samples; and the relearn time. Writes OUT/evaluation.json, OUT/models/LABEL.json, \
            per-sample scores OUT/scores/LABEL.csv and the shadow models' outputs; an interrupted \
            evaluation continues where it stopped. See docs/results.md.
            """
    )

    @Argument(help: "The unlearning output folder (from medsilo unlearn).")
    var unlearning: String

    @Option(help: "The output folder (default: DIR/evaluation).")
    var out: String?

    @Option(help: "Shadow models for LiRA, the shadow-model attack and RMIA (even; 0: none; 4 or more calibrate RMIA's offline a).")
    var shadows: Int = 8

    @Option(help: "Epochs each shadow model trains.")
    var shadowEpochs: Int = 30

    @Option(help: "Fine-tuning steps on the forget set at most, for the relearn time.")
    var relearnSteps: Int = 60

    @Option(help: "Fine-tuning steps between two forget-accuracy checks (relearn time is counted in these).")
    var relearnEvery: Int = 5

    @Option(help: "Seed of the shadow models' halves and training, and of the relearning shuffles.")
    var seed: UInt64 = 0

    @Option(help: "Host threads (default: all cores); results do not depend on it.")
    var threads: Int?

    @Flag(help: "Print one JSON object with the results instead of progress lines.")
    var json = false

    func run() throws {
        var settings = EvaluationSettings()
        settings.shadows = shadows
        settings.shadowEpochs = shadowEpochs
        settings.relearnSteps = relearnSteps
        settings.relearnEvery = relearnEvery
        settings.seed = seed
        settings.threads = threads
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let results: EvaluationResults
        do {
            let evaluation = try UnlearningEvaluation(unlearning: unlearning, settings: settings, cores: cores)
            results = try evaluation.run(out: out) { line in if !json { print(line) } }
        } catch let error as ConfigError {
            let options = ["shadows": "--shadows", "shadowEpochs": "--shadow-epochs", "relearnSteps": "--relearn-steps", "relearnEvery": "--relearn-every", "threads": "--threads"]
            Output.error(options[error.field].map { "\($0): \(error.reason)" } ?? error.description)
            throw ExitCode(1)
        } catch {
            Output.error("\(error)")
            throw ExitCode(1)
        }
        if json {
            print(Output.jsonLine(results))
            return
        }
        let attacks = results.models.first?.attacks.map(\.attack) ?? []
        print("model            test   retain forget " + attacks.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " ") + " relearn")
        for model in results.models {
            func cell(_ value: Double?) -> String { value.map { formatted($0, digits: 3) } ?? "–" }
            let columns = [model.label.padding(toLength: 16, withPad: " ", startingAt: 0), cell(model.testAccuracy), cell(model.retainAccuracy), cell(model.forgetAccuracy)]
                + model.attacks.map { cell($0.auc).padding(toLength: 12, withPad: " ", startingAt: 0) }
                + [model.relearnSteps.map(String.init) ?? "> \(results.settings.relearnSteps)"]
            print(columns.joined(separator: " "))
        }
        print("(attack columns: AUC on the target's samples against held-out ones; relearn: fine-tuning steps back to the original's forget accuracy)")
        if let verdict = results.verdict { print(verdict.explanation) }
        print("wrote \(out ?? unlearning + "/evaluation")/evaluation.json")
    }
}
