/// What to generate: tasks, cohort sizes, image size and seed.
///
/// Defaults give the fast demo suite: 3 tasks × 5 hospitals × 240 patients × 2–6 images of 64×64
/// pixels, about 2,900 files in all (see docs/synthetic.md for the exact counts of seed 0).
public struct SynthOptions: Sendable, Equatable {
    /// Tasks to write, each into `DIR/<task>/`.
    public var tasks: [SyntheticSuite.Task]
    /// Number of hospitals (sites); every task has the same hospitals.
    public var hospitals: Int
    /// Patients per task, shared unevenly among the hospitals (every hospital has at least one).
    public var patients: Int
    /// Images per patient, drawn uniformly from this range for each patient.
    public var imagesPerPatient: ClosedRange<Int>
    /// Image side in pixels (16…512).
    public var size: Int
    /// The seed every random step derives from.
    public var seed: UInt64
    /// Worker threads: nil for one per core, 1 for serial generation. The output never depends on it.
    public var threads: Int?

    public static let sizeRange = 16...512
    public static let hospitalRange = 1...64

    public init(
        tasks: [SyntheticSuite.Task] = SyntheticSuite.Task.allCases, hospitals: Int = 5, patients: Int = 240,
        imagesPerPatient: ClosedRange<Int> = 2...6, size: Int = 64, seed: UInt64 = 0, threads: Int? = nil
    ) {
        self.tasks = tasks
        self.hospitals = hospitals
        self.patients = patients
        self.imagesPerPatient = imagesPerPatient
        self.size = size
        self.seed = seed
        self.threads = threads
    }

    /// Throws `SynthError.invalidOptions` with a message naming the first bad option.
    public func validate() throws(SynthError) {
        guard !tasks.isEmpty else { throw .invalidOptions("at least one task is needed") }
        guard Set(tasks).count == tasks.count else { throw .invalidOptions("a task is listed twice") }
        guard Self.hospitalRange.contains(hospitals) else {
            throw .invalidOptions("hospitals must be between 1 and \(Self.hospitalRange.upperBound), not \(hospitals)")
        }
        guard patients >= hospitals else {
            throw .invalidOptions("patients (\(patients)) must be at least the number of hospitals (\(hospitals))")
        }
        guard patients <= 1_000_000 else { throw .invalidOptions("patients must be at most 1000000, not \(patients)") }
        guard imagesPerPatient.lowerBound >= 1, imagesPerPatient.upperBound <= 100 else {
            throw .invalidOptions("images per patient must lie within 1…100")
        }
        guard Self.sizeRange.contains(size) else {
            throw .invalidOptions("size must be between 16 and 512 pixels, not \(size)")
        }
        if let threads, threads < 1 { throw .invalidOptions("threads must be at least 1") }
    }
}
