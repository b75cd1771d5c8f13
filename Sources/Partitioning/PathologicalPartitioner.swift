import Datasets

/// Pathological non-IID (McMahan et al. 2017; the class-assignment modes of flwr-datasets'
/// PathologicalPartitioner): each hospital holds units of exactly `classesPerHospital` classes, and each
/// class's units are dealt evenly among the hospitals holding it. Units without a class are dealt evenly
/// among all hospitals.
///
/// Which classes a hospital holds:
/// - `balanced` (default): a seeded round-robin over a shuffled class list, so every class has a holder
///   whenever hospitals × k ≥ classes, and holders per class differ by at most one;
/// - `random`: k distinct classes drawn per hospital; a class nobody drew is dropped, and the plan says so;
/// - `deterministic`: hospital h holds classes h, h + 1, …, h + k − 1 (mod the class count);
/// - `firstDeterministic`: hospital h holds class h mod C and k − 1 more drawn at random.
public struct PathologicalPartitioner: Partitioner {
    public enum ClassAssignment: String, Sendable, CaseIterable {
        case balanced, random, deterministic
        case firstDeterministic = "first-deterministic"
    }

    public var classesPerHospital: Int
    public var classAssignment: ClassAssignment

    public var scheme: String { "pathological" }
    public var parameters: [String: String] {
        ["classesPerHospital": String(classesPerHospital), "classAssignment": classAssignment.rawValue]
    }

    public init(classesPerHospital: Int, classAssignment: ClassAssignment = .balanced) {
        self.classesPerHospital = classesPerHospital
        self.classAssignment = classAssignment
    }

    /// The classes each hospital holds.
    func heldClasses(classCount: Int, hospitals: Int, generator: inout SeededGenerator) -> [[Int]] {
        let k = classesPerHospital
        /// k − given.count more distinct classes, drawn uniformly from those not yet held.
        func drawn(adding given: [Int]) -> [Int] {
            var others = (0..<classCount).filter { !given.contains($0) }
            seededShuffle(&others, &generator)
            return given + others.prefix(k - given.count)
        }
        switch classAssignment {
        case .balanced:
            var classOrder = Array(0..<classCount)
            seededShuffle(&classOrder, &generator)
            var slot = 0
            return (0..<hospitals).map { _ in
                var held: [Int] = []
                while held.count < k {
                    let label = classOrder[slot % classCount]
                    slot += 1
                    if !held.contains(label) { held.append(label) }
                }
                return held
            }
        case .random: return (0..<hospitals).map { _ in drawn(adding: []) }
        case .deterministic: return (0..<hospitals).map { h in (0..<k).map { (h + $0) % classCount } }
        case .firstDeterministic: return (0..<hospitals).map { h in drawn(adding: [h % classCount]) }
        }
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        let k = classesPerHospital
        guard k >= 1, k <= input.classCount else {
            throw PartitionError("pathological: \(k) classes per hospital, but the store has \(input.classCount) classes (choose 1…\(input.classCount))")
        }
        if classAssignment == .balanced || classAssignment == .deterministic, hospitals * k < input.classCount {
            throw PartitionError(
                "pathological: \(hospitals) hospitals × \(k) classes cannot hold all \(input.classCount) classes (need hospitals × k ≥ \(input.classCount), or --class-assignment random to drop unheld classes)")
        }
        var holders = [[Int]](repeating: [], count: input.classCount)
        for (h, held) in heldClasses(classCount: input.classCount, hospitals: hospitals, generator: &generator).enumerated() {
            for label in held { holders[label].append(h) }
        }
        var byClass = [[Int]](repeating: [], count: input.classCount)
        var unlabelled: [Int] = []
        for (u, unit) in input.units.enumerated() {
            if unit.label >= 0 && unit.label < input.classCount { byClass[unit.label].append(u) } else { unlabelled.append(u) }
        }
        var result = [[Int]](repeating: [], count: hospitals)
        var dropped: [Assignment.Dropped] = []
        for label in 0..<input.classCount where !byClass[label].isEmpty {
            guard !holders[label].isEmpty else {
                dropped += byClass[label].map { .init(unit: $0, reason: "class \(label) is held by no hospital (pathological, \(classAssignment.rawValue) class assignment)") }
                continue
            }
            var units = byClass[label]
            seededShuffle(&units, &generator)
            for (position, unit) in units.enumerated() { result[holders[label][position % holders[label].count]].append(unit) }
        }
        seededShuffle(&unlabelled, &generator)
        for (position, unit) in unlabelled.enumerated() { result[position % hospitals].append(unit) }
        return Assignment(result, dropped: dropped)
    }
}
