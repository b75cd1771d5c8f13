import Datasets

/// Pathological non-IID (McMahan et al. 2017): each hospital holds units of exactly `classesPerHospital`
/// classes. Classes are given to hospitals in a seeded round-robin over a shuffled class list, so every
/// class is held by some hospital when hospitals × k ≥ classes; each class's units are then dealt evenly
/// among the hospitals holding it. Units without a class are dealt evenly among all hospitals.
public struct PathologicalPartitioner: Partitioner {
    public var classesPerHospital: Int

    public var scheme: String { "pathological" }
    public var parameters: [String: String] { ["classesPerHospital": String(classesPerHospital)] }

    public init(classesPerHospital: Int) {
        self.classesPerHospital = classesPerHospital
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> [[Int]] {
        let k = classesPerHospital
        guard k >= 1, k <= input.classCount else {
            throw PartitionError("pathological: \(k) classes per hospital, but the store has \(input.classCount) classes (choose 1…\(input.classCount))")
        }
        var classOrder = Array(0..<input.classCount)
        seededShuffle(&classOrder, &generator)
        var holders = [[Int]](repeating: [], count: input.classCount)
        var slot = 0
        for h in 0..<hospitals {
            var held = Set<Int>()
            while held.count < k {
                let label = classOrder[slot % classOrder.count]
                slot += 1
                if held.insert(label).inserted { holders[label].append(h) }
            }
        }
        var byClass = [[Int]](repeating: [], count: input.classCount)
        var unlabelled: [Int] = []
        for (u, unit) in input.units.enumerated() {
            if unit.label >= 0 && unit.label < input.classCount { byClass[unit.label].append(u) } else { unlabelled.append(u) }
        }
        var result = [[Int]](repeating: [], count: hospitals)
        for label in 0..<input.classCount where !byClass[label].isEmpty {
            guard !holders[label].isEmpty else {
                throw PartitionError(
                    "pathological: \(hospitals) hospitals × \(k) classes cannot hold all \(input.classCount) classes (need hospitals × k ≥ \(input.classCount))")
            }
            var units = byClass[label]
            seededShuffle(&units, &generator)
            for (position, unit) in units.enumerated() { result[holders[label][position % holders[label].count]].append(unit) }
        }
        seededShuffle(&unlabelled, &generator)
        for (position, unit) in unlabelled.enumerated() { result[position % hospitals].append(unit) }
        return result
    }
}
