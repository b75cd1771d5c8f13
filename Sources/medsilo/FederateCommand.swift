import ArgumentParser
import Experiments
import FoundationEssentials
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo federate CONFIG --out RUN [--resume]`: a federated experiment from a config file.
struct FederateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federate",
        abstract: "Train a model federatedly across a plan's hospitals, as an experiment config describes.",
        discussion: """
            CONFIG is YAML (or JSON): store, plan, model, strategy (fedavg, fedprox, fedavgm, fedadam, \
            fedmedian, trimmed-mean; asynchronous fedasync, fedbuff), rounds or versions, local training, \
            speed and network profiles, availability, seed, evaluation and checkpoint cadence, update \
            history. Relative paths in it are taken from the config file's folder. The whole config is \
            checked against the store and plan before any training. RUN receives config.json, \
            events.jsonl, metrics.jsonl, checkpoint.safetensors, model.safetensors and results.json; a run \
            stopped at any point continues with --resume to the same results. See docs/federation.md; \
            `medsilo federate --example` prints a config to start from.
            """
    )

    @Argument(help: "The experiment config (YAML or JSON).")
    var config: String?

    @Option(help: "The run folder (never overwritten).")
    var out: String?

    @Flag(help: "Continue the run in --out from its last checkpoint (a finished run just shows its results).")
    var resume = false

    @Option(help: "Host threads, overriding the config's (results do not depend on it).")
    var threads: Int?

    @Flag(help: "Print one JSON object with the results instead of progress lines.")
    var json = false

    @Flag(help: "Print an example config and exit.")
    var example = false

    func validate() throws {
        if example { return }
        guard config != nil else { throw ValidationError("give the experiment config file") }
        guard out != nil else { throw ValidationError("give the run folder with --out") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    static let exampleConfig = """
        # medsilo federate: an experiment. Relative paths are taken from this file's folder.
        store: store                  # a store from `medsilo ingest` or `medsilo synth`
        plan: plan.json               # a plan of that store from `medsilo partition`
        model: cnn-small              # cnn-small (28×28), cnn-large (64×64), resnet8-gn
        seed: 0
        rounds: 10                    # synchronous strategies; asynchronous ones take `versions`
        clientFraction: 1.0
        strategy:
          name: fedavg                # fedavg fedprox fedavgm fedadam fedmedian trimmed-mean fedasync fedbuff
        local:
          epochs: 1
          batch: 32
          optimizer: sgd              # sgd adam adamw
          lr: 0.01
          momentum: 0.9
        speeds:
          kind: log-normal            # fixed, log-normal, pareto, stragglers
          median: 500                 # samples per virtual second
          sigma: 0.5
        network:
          latency: 0.05               # seconds per message
          uploadMbps: 100
          downloadMbps: 100
        availability:
          dropout: 0.0                # chance a local update is lost
          joins: {}                   # e.g. {3: 120}: hospital 3 joins at 120 virtual seconds
          leaves: {}
        evaluation:
          every: 1
        checkpoint:
          every: 1                    # rounds; asynchronous runs default to 10 versions
        history:
          every: 0                    # keep every client update of every k-th round (0: none)

        """

    func run() throws {
        if example {
            print(Self.exampleConfig, terminator: "")
            return
        }
        guard let config, let out else { return }
        let text: String
        do { text = String(decoding: try FileIO.read(config), as: UTF8.self) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let experiment: Experiment
        do {
            var parsed = try ExperimentConfig.parse(text)
            if let threads { parsed.threads = threads }
            let directory = config.contains("/") ? String(config[..<config.lastIndex(of: "/")!]) : ""
            experiment = try Experiment.resolve(parsed, directory: directory, cores: cores)
        } catch {
            Output.error("\(config): \(error.description)")
            throw ExitCode(1)
        }
        if let threads = experiment.config.threads, threads > cores {
            Output.error("threads \(threads) is more than the \(cores) cores here; using \(cores)")
        }
        let synchronous = experiment.settings.protocolKind.isSynchronous
        let unit = synchronous ? "round" : "version"
        if !json {
            print("\(experiment.config.strategy.name): \(experiment.training.count) hospitals, \(experiment.settings.protocolKind.steps) \(unit)s of \(experiment.config.model) on \(experiment.settings.hostThreads) host thread(s) → \(out)")
        }
        let outcome: (results: RunResults, alreadyFinished: Bool)
        do {
            outcome = try FederatedRun(experiment: experiment, folder: out).run(resume: resume) { progress in
                guard !json else { return }
                if progress.step == progress.resumedFrom + 1, progress.resumedFrom > 0 {
                    print("resumed after \(unit) \(progress.resumedFrom)")
                }
                var line = "\(unit) \(progress.step)/\(progress.steps) · virtual \(formatted(progress.virtualTime, digits: 1)) s"
                if let loss = progress.trainLoss { line += " · train loss \(formatted(loss, digits: 4))" }
                if let evaluation = progress.evaluation {
                    line += " · test acc \(formatted(evaluation.test.accuracy, digits: 3)) loss \(formatted(evaluation.test.loss, digits: 4))"
                }
                line += " · host \(formatted(progress.hostSeconds, digits: 1)) s, ETA \(formatted(progress.remainingSeconds, digits: 0)) s"
                print(line)
            }
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let results = outcome.results
        if json {
            print(Output.jsonLine(results))
            return
        }
        if outcome.alreadyFinished { print("\(out) is a finished run") }
        let test = results.final.test
        print("\(results.steps) \(unit)s, \(formatted(results.virtualSeconds, digits: 1)) virtual s, \(formatted(results.hostSeconds, digits: 1)) host s: test accuracy \(formatted(test.accuracy, digits: 3)), balanced \(formatted(test.balancedAccuracy, digits: 3)), loss \(formatted(test.loss, digits: 4)) on \(test.samples) samples")
        if let history = results.history {
            print("history: \(history.updates) client updates, \(formatted(Double(history.bytes) / 1_048_576, digits: 1)) MiB in \(out)/history")
        }
        print("wrote \(out)/model.safetensors and \(out)/results.json")
    }
}
