import ArgumentParser
import Experiments
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo bench --preset quick|paper|CONFIG --out DIR`: the whole evaluation in one command.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark: datasets × partitions × seeds, pre-training, every unlearning method, the audit, the straggler sweep, and the report.",
        discussion: """
            --preset quick (the default: the built-in derm task, one seed, a few minutes on two cores), \
            paper (three tasks, ten hospitals, two partitions, three seeds, hours), or the path of a bench \
            config (YAML or JSON; docs/results.md). DIR receives every phase's folder, results.json, \
            tables/*.csv, figures/*.svg, report.md and a self-contained report.html. Running the same command \
            again continues an interrupted bench where it stopped (phases already done are read back).
            """
    )

    @Option(help: "quick, paper, or a bench config file (YAML or JSON).")
    var preset: String = "quick"

    @Option(help: "The bench folder (continued when it holds the same bench).")
    var out: String

    @Flag(help: "Print the bench's config (the preset's, or the file's as read) and exit.")
    var showConfig = false

    func run() throws {
        let text: String
        if let builtin = BenchConfig.preset(preset) {
            text = builtin
        } else {
            guard access(preset, R_OK) == 0 else {
                Output.error("--preset \(preset): neither a preset (\(BenchConfig.presets.joined(separator: ", "))) nor a readable config file")
                throw ExitCode(1)
            }
            do { text = String(decoding: try FileIO.read(preset), as: UTF8.self) } catch {
                Output.error(error.description)
                throw ExitCode(1)
            }
        }
        let config: BenchConfig
        // Relative dataset paths in a config file are taken from its folder.
        let directory = BenchConfig.preset(preset) == nil ? String(preset.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")) : ""
        do { config = try BenchConfig.parse(text, directory: directory) } catch {
            Output.error("\(preset): \(error.description)")
            throw ExitCode(1)
        }
        if showConfig {
            print(BenchConfig.preset(preset) ?? text)
            return
        }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let bench = Bench(config: config, folder: out, cores: cores)
        let results: BenchResults
        // Progress lines as they happen, also into a pipe or a log file (fflush(nil) flushes every stream).
        do { results = try bench.run { print($0); fflush(nil) } } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
        print()
        print(BenchSummary.text(results))
        print("wrote \(out)/results.json, \(out)/report.md, \(out)/report.html")
    }
}
