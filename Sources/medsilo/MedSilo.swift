import ArgumentParser

/// The `medsilo` command: one subcommand per stage of the data flow.
@main
struct MedSilo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medsilo",
        abstract: "Medical-imaging federated learning and unlearning, from image files to audited erasure.",
        version: "0.1.0",
        subcommands: [Inspect.self, Convert.self, Phantoms.self, Synth.self, IngestCommand.self, StoreCommand.self, PartitionCommand.self, TrainCommand.self]
    )
}
