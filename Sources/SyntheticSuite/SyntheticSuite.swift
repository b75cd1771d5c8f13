import Imaging

/// The built-in synthetic benchmark suite: three tasks (derm JPEG, CT DICOM in HU, path PNG) written as
/// real files with a labels CSV, deterministic from a seed.
///
/// ```swift
/// let report = try SyntheticSuite.generate(SynthOptions(size: 64, seed: 7), to: "synth")
/// // synth/derm/labels.csv, synth/derm/h01-aldmoor/derm-p0001_1.jpg, …
/// ```
///
/// Contract: `DIR/<task>/labels.csv` has the header `path,label,patient,hospital` and one row per image
/// file: the path relative to the CSV's folder, the class name, a synthetic patient id such as
/// `derm-p0042` (no real person's data is ever involved) and the hospital's name. Image files go to
/// `DIR/<task>/<hospital folder>/<patient>_<n>.<ext>`; files of the same names are replaced atomically,
/// other files are left alone. The same options give byte-identical files whatever the thread count:
/// every image draws from its own random stream keyed by (seed, task, hospital, patient, image).
public enum SyntheticSuite {
    /// One finished task, reported to the `progress` callback on the caller's thread.
    public struct Progress: Sendable {
        public var task: Task
        public var images: Int
        public var tasksDone: Int
        public var tasksTotal: Int
    }

    /// JPEG quality of derm images.
    public static let jpegQuality = 92

    /// Writes the suite under `directory` (created if needed).
    public static func generate(
        _ options: SynthOptions, to directory: String, progress: ((Progress) -> Void)? = nil
    ) throws(SynthError) -> SynthReport {
        try options.validate()
        var reports: [SynthReport.TaskReport] = []
        for (n, task) in options.tasks.enumerated() {
            let report = try TaskWriter(task: task, options: options, root: directory).write()
            reports.append(report)
            progress?(Progress(task: task, images: report.images, tasksDone: n + 1, tasksTotal: options.tasks.count))
        }
        return SynthReport(seed: options.seed, size: options.size, tasks: reports)
    }

    /// The cohort a task would have (hospitals, patients, every image's label and path), without
    /// rendering anything.
    public static func labels(for task: Task, options: SynthOptions) throws(SynthError) -> [LabelRow] {
        try options.validate()
        let plan = CohortPlan(task: task, options: options)
        return plan.images.map {
            LabelRow(
                path: $0.path, label: task.classes[$0.label], patient: plan.patients[$0.patient].id,
                hospital: plan.hospitals[$0.hospital].name)
        }
    }

    /// One row of labels.csv.
    public struct LabelRow: Sendable, Equatable, Codable {
        public var path: String
        public var label: String
        public var patient: String
        public var hospital: String
    }
}
