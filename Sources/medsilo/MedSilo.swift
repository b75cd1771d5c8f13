import ArgumentParser
import NeuralEngine

/// The `medsilo` command: one subcommand per stage of the data flow.
@main
struct MedSilo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medsilo",
        abstract: "Medical-imaging federated learning and unlearning, from image files to audited erasure.",
        version: version,
        subcommands: [
            Inspect.self, Convert.self, Phantoms.self, Synth.self, IngestCommand.self, StoreCommand.self, PartitionCommand.self,
            TrainCommand.self, FederateCommand.self, UnlearnCommand.self, EvaluateCommand.self, BenchCommand.self, DoctorCommand.self,
        ]
    )

    /// "0.1.0", and the BLAS backend on a second line when `--version` is asked for: loading the library
    /// takes milliseconds and starts its threads, which no other invocation should pay for here.
    static var version: String {
        let number = "0.1.0"
        guard CommandLine.arguments.dropFirst().contains("--version") else { return number }
        return "\(number)\nBLAS: \(GEMM.backendSummary)"
    }
}
