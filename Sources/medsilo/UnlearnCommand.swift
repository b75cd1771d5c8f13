import ArgumentParser
import Experiments
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo unlearn CONFIG --from RUN --out DIR`: erase one hospital from a pre-trained federation with
/// each method the config names, and account for it.
struct UnlearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlearn",
        abstract: "Erase one hospital from a federated run with AFU-IC and its baselines, on the run's virtual clock.",
        discussion: """
            CONFIG (YAML or JSON) names the target hospital, when the request arrives (default: the end of \
            RUN), the continuation after it, the forgetting criterion and the methods (retrain, \
            federaser, pga, knot, afu-ic) with their knobs. Each method starts from the federation's state at the request. DIR \
            receives, per method, model.safetensors, results.json and events.jsonl, and results.json with \
            every method's timeline, latency, stall time, compute, communication and storage. See \
            docs/unlearning.md.
            """
    )

    @Argument(help: "The unlearning config (YAML or JSON).")
    var config: String

    @Option(help: "The pre-trained run folder (from medsilo federate).")
    var from: String

    @Option(help: "The output folder (never overwritten).")
    var out: String

    @Flag(help: "Continue an interrupted experiment in --out: methods already done are read back, the others run.")
    var resume = false

    @Flag(help: "Print one JSON object with the results instead of progress lines.")
    var json = false

    func run() throws {
        let text: String
        do { text = String(decoding: try FileIO.read(config), as: UTF8.self) } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let session: UnlearningSession
        do {
            session = try UnlearningSession(run: from, config: try UnlearningConfig.parse(text), cores: cores)
        } catch {
            Output.error("\(config): \(error.description)")
            throw ExitCode(1)
        }
        let results: UnlearningResults
        do {
            results = try session.run(out: out, resume: resume) { line in if !json { print(line) } }
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        if json {
            print(Output.jsonLine(results))
            return
        }
        print("request at \(formatted(results.requestTime, digits: 1)) virtual s (step \(results.requestStep)); original: test \(formatted(results.original.testAccuracy, digits: 3)), forget \(formatted(results.original.forgetAccuracy, digits: 3))\(results.original.backdoorSuccess.map { ", backdoor \(formatted($0, digits: 3))" } ?? "")")
        func mia(_ audit: MembershipAudit?) -> String {
            guard let loss = audit?.attacks.first(where: { $0.name == "loss" }) else { return "–" }
            return "\(loss.auc.map { formatted($0, digits: 3) } ?? "–")/\(loss.efficacy.map { formatted($0, digits: 2) } ?? "–")"
        }
        print("membership (loss attack, AUC/efficacy on the target's data): original \(mia(results.originalAudit))")
        print("method            test  forget  backdoor  served(+s)  first-hit  persistent  stall(client-s)  MIA AUC/eff")
        for method in results.methods {
            func cell(_ value: Double?, _ digits: Int) -> String { value.map { formatted($0, digits: digits) } ?? "–" }
            let columns = [
                method.label.padding(toLength: 16, withPad: " ", startingAt: 0), cell(method.final.testAccuracy, 3), cell(method.final.forgetAccuracy, 3),
                cell(method.final.backdoorSuccess, 3), cell(method.servedAt - results.requestTime, 1), cell(method.latency?.firstHit, 1),
                cell(method.latency?.persistent, 1), cell(method.stallClientSeconds, 1), mia(method.audit),
            ]
            print(columns.joined(separator: "  "))
            for note in method.notes { print("    · \(note)") }
        }
        print("wrote \(out)/results.json")
    }
}
