/// Who is in a task's cohort and which images each patient has: hospitals' patient counts and class
/// mixes, patients' ids and labels, and every image's path. Drawn from the plan stream only, before any
/// pixel, so the images can then be rendered in any order.
///
/// Maths: hospital h receives a share w_h ~ U(0.35, 1.65) of the patients (largest remainder, at
/// least one each); its class mix is π_h = 0.3·uniform + 0.7·Dirichlet(0.8) (label skew, every class
/// possible everywhere). A patient's main label is drawn from π_h; each image keeps it with
/// probability `Task.patientLabelShare`, else is drawn again from π_h.
struct CohortPlan: Sendable {
    struct Patient: Sendable {
        var index: Int
        var id: String
        var hospital: Int
        var mainLabel: Int
    }

    struct Image: Sendable {
        var patient: Int
        /// 0-based position among the patient's images.
        var number: Int
        var hospital: Int
        var label: Int
        /// Path relative to the task folder, e.g. `h01-aldmoor/derm-p0042_2.jpg`.
        var path: String
    }

    let task: SyntheticSuite.Task
    let hospitals: [SynthHospital]
    let classMix: [[Double]]
    let patients: [Patient]
    let images: [Image]

    init(task: SyntheticSuite.Task, options: SynthOptions) {
        self.task = task
        var random = SynthRandom(stream: [options.seed, task.streamKey, StreamTag.plan])
        let hospitals = (0..<options.hospitals).map { SynthHospital(index: $0, seed: options.seed) }
        let k = task.classes.count

        var mixes: [[Double]] = []
        for _ in hospitals {
            let draws = (0..<k).map { _ in random.gamma(shape: 0.8) }
            let total = max(draws.reduce(0, +), 1e-12)
            mixes.append(draws.map { 0.3 / Double(k) + 0.7 * $0 / total })
        }
        let weights = hospitals.map { _ in random.uniform(0.35, 1.65) }
        let counts = Self.apportion(options.patients, weights: weights)

        let width = max(4, String(options.patients).count)
        var patients: [Patient] = []
        var images: [Image] = []
        for (h, count) in counts.enumerated() {
            for _ in 0..<count {
                let index = patients.count
                let number = String(index + 1)
                let id = "\(task.rawValue)-p" + String(repeating: "0", count: width - number.count) + number
                let main = random.pick(weights: mixes[h])
                patients.append(Patient(index: index, id: id, hospital: h, mainLabel: main))
                let n = random.integer(in: options.imagesPerPatient)
                for j in 0..<n {
                    let label = random.chance(task.patientLabelShare) ? main : random.pick(weights: mixes[h])
                    let path = "\(hospitals[h].folder)/\(id)_\(j + 1).\(task.fileExtension)"
                    images.append(Image(patient: index, number: j, hospital: h, label: label, path: path))
                }
            }
        }
        self.hospitals = hospitals
        self.classMix = mixes
        self.patients = patients
        self.images = images
    }

    /// Splits `total` into parts proportional to `weights`, each at least 1 (largest remainder).
    static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let n = weights.count
        let spare = total - n
        let sum = weights.reduce(0, +)
        let exact = weights.map { Double(spare) * $0 / sum }
        var counts = exact.map { Int($0.rounded(.down)) }
        let remainder = (0..<n).map { exact[$0] - Double(counts[$0]) }
        let order = (0..<n).sorted { a, b in remainder[a] != remainder[b] ? remainder[a] > remainder[b] : a < b }
        for i in 0..<(spare - counts.reduce(0, +)) { counts[order[i % n]] += 1 }
        return counts.map { $0 + 1 }
    }
}
