import ArgumentParser
import SyntheticSuite

/// `medsilo synth`: the built-in synthetic benchmark suite, written as real image files.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the synthetic benchmark suite: derm (JPEG), ct (DICOM in HU), path (PNG), with labels.csv.",
        discussion: """
            Writes DIR/<task>/<hospital>/<patient>_<n>.<ext> and DIR/<task>/labels.csv with the columns \
            path,label,patient,hospital (path relative to the CSV's folder, label the class name, patient a \
            synthetic id such as derm-p0042, hospital the hospital's name). The same seed and options give \
            byte-identical files. Classes and how they are drawn: docs/synthetic.md.
            """
    )

    enum TaskChoice: String, ExpressibleByArgument, CaseIterable {
        case derm, ct, path, all

        var tasks: [SyntheticSuite.Task] {
            switch self {
            case .derm: return [.derm]
            case .ct: return [.ct]
            case .path: return [.path]
            case .all: return SyntheticSuite.Task.allCases
            }
        }
    }

    @Option(help: "Output directory (created if needed).")
    var out: String

    @Option(help: "Task to write: derm, ct, path or all.")
    var task: TaskChoice = .all

    @Option(help: "Number of hospitals (1–64).")
    var hospitals: Int = 5

    @Option(help: "Patients per task, shared unevenly among the hospitals.")
    var patients: Int = 240

    @Option(help: "Images per patient as MIN-MAX (or one number).")
    var imagesPerPatient: String = "2-6"

    @Option(help: "Image side in pixels (16–512).")
    var size: Int = 64

    @Option(help: "Seed of every random step (0 to 2^64−1).")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object summarising what was written.")
    var json = false

    var options: SynthOptions {
        SynthOptions(
            tasks: task.tasks, hospitals: hospitals, patients: patients,
            imagesPerPatient: Self.range(imagesPerPatient) ?? 1...1, size: size, seed: seed)
    }

    /// "2-6" → 2...6, "3" → 3...3; nil when malformed or reversed.
    static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts[parts.count - 1]), low <= high
        else { return nil }
        return low...high
    }

    func validate() throws {
        guard Self.range(imagesPerPatient) != nil else {
            throw ValidationError("--images-per-patient must be MIN-MAX with MIN ≤ MAX, e.g. 2-6")
        }
        do { try options.validate() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let quiet = json
        do {
            let report = try SyntheticSuite.generate(options, to: out) { progress in
                guard !quiet else { return }
                print("\(progress.task.rawValue): \(progress.images) images (\(progress.tasksDone)/\(progress.tasksTotal))")
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if json {
                print(Output.jsonLine(SynthSummary(report: report, seconds: seconds)))
            } else {
                for task in report.tasks {
                    let mix = task.classNames.map { "\($0) \(task.classes[$0] ?? 0)" }.joined(separator: ", ")
                    print("\(task.labels): \(task.images) images, \(task.patients) patients, \(task.hospitals.count) hospitals")
                    print("  classes: \(mix)")
                    let encodings = task.encodings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    print("  encodings: \(encodings.joined(separator: ", "))")
                }
                print("\(report.filesWritten) files in \((seconds * 100).rounded() / 100) s")
            }
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
    }
}

/// The `--json` summary: the library's report plus the wall time.
struct SynthSummary: Encodable {
    var report: SynthReport
    var seconds: Double

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(report.seed, forKey: .seed)
        try container.encode(report.size, forKey: .size)
        try container.encode(report.tasks, forKey: .tasks)
        try container.encode(report.filesWritten, forKey: .files)
        try container.encode(seconds, forKey: .seconds)
    }

    enum Keys: String, CodingKey { case seed, size, tasks, files, seconds }
}
