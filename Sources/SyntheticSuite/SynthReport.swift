/// What `SyntheticSuite.generate` wrote: per task, the counts by class, hospital and encoding.
public struct SynthReport: Sendable, Equatable, Codable {
    public struct Hospital: Sendable, Equatable, Codable {
        public var name: String
        public var vendor: String
        public var folder: String
        public var patients: Int
        public var images: Int
        /// Images per class name.
        public var classes: [String: Int]
    }

    public struct TaskReport: Sendable, Equatable, Codable {
        public var task: SyntheticSuite.Task
        /// The task's folder, `DIR/<task>`.
        public var directory: String
        /// `DIR/<task>/labels.csv`.
        public var labels: String
        /// Class names in label order.
        public var classNames: [String]
        public var images: Int
        public var patients: Int
        /// Images per class name.
        public var classes: [String: Int]
        public var hospitals: [Hospital]
        /// Images per file encoding (`jpeg`, `png`, or the DICOM transfer syntax's name).
        public var encodings: [String: Int]
    }

    public var seed: UInt64
    public var size: Int
    public var tasks: [TaskReport]

    /// Image files plus one labels.csv per task.
    public var filesWritten: Int { tasks.reduce(0) { $0 + $1.images + 1 } }
}
