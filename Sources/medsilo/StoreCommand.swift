import ArgumentParser
import Datasets

/// `medsilo store`: look at dataset stores.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Describe dataset stores.", subcommands: [Info.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a dataset store.")

        @Argument(help: "The store folder.")
        var store: String

        @Flag(help: "Print the store's metadata as one JSON object.")
        var json = false

        func run() throws {
            let opened: DatasetStore
            do { opened = try DatasetStore(path: store) } catch {
                Output.error(error.description)
                throw ExitCode(1)
            }
            let m = opened.metadata
            if json {
                print(Output.jsonLine(m))
                return
            }
            print("store      \(store) (format \(m.format) v\(m.version))")
            print("source     \(m.source) (layout \(m.layout))")
            print("samples    \(m.count): train \(m.splits["train"] ?? 0), val \(m.splits["val"] ?? 0), test \(m.splits["test"] ?? 0)")
            print("tensor     \(m.shape.map(String.init).joined(separator: "×")) \(m.preprocessing.storage.rawValue), normalisation mean \(m.normalization.mean.map { formatted($0, digits: 4) }.joined(separator: ",")) std \(m.normalization.std.map { formatted($0, digits: 4) }.joined(separator: ",")) (\(m.normalization.source))")
            print("classes    \(m.classes.count)\(m.multiLabel ? " (multi-label)" : "")")
            let width = max(8, (m.classes.map(\.count).max() ?? 0) + 2)
            print("  " + "class".padding(width) + "train".leftPadding(8) + "val".leftPadding(8) + "test".leftPadding(8))
            for (k, name) in m.classes.enumerated() {
                let counts = ["train", "val", "test"].map { String(m.classCounts[$0]?[k] ?? 0).leftPadding(8) }
                print("  " + name.padding(width) + counts.joined())
            }
            print("patients   \(m.patients)\(m.grouping.map { " (\($0) pseudonyms)" } ?? "")")
            print("sites      \(m.sites.isEmpty ? "none" : m.sites.joined(separator: ", "))")
            print("split      seed \(m.splitPolicy.seed), ratios \(m.splitPolicy.ratios.train)/\(m.splitPolicy.ratios.val)/\(m.splitPolicy.ratios.test)\(m.splitPolicy.givenBySource.isEmpty ? "" : ", given by source: \(m.splitPolicy.givenBySource.joined(separator: ", "))")")
            print("failures   \(m.failed) failed to decode, \(m.rejected) refused (failures.csv)")
            for note in m.notes { print("note       \(note)") }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
