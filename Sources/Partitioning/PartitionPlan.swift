import Datasets

/// A partition plan file (format version 1): which store samples each hospital holds, per local split,
/// and the global test set. Statistics are not part of it (`PartitionStatistics`).
public struct PartitionPlan: Sendable, Equatable, Codable {
    public static let formatName = "medsilo-partition"
    public static let currentVersion = 1

    public struct Hospital: Sendable, Equatable, Codable {
        public var id: String
        public var train: [Int]
        public var val: [Int]
        public var test: [Int]
    }

    public struct StoreIdentity: Sendable, Equatable, Codable {
        public var path: String
        public var fingerprint: String
        public var count: Int
    }

    public var format: String
    public var version: Int
    public var scheme: String
    public var parameters: [String: String]
    public var seed: UInt64
    public var hospitalCount: Int
    /// "patient" when every patient's samples are in one hospital, "sample" otherwise.
    public var grouping: String
    public var localSplit: PatientSplitter.Ratios
    public var store: StoreIdentity
    public var hospitals: [Hospital]
    /// The store's test split, kept aside for global evaluation.
    public var globalTest: [Int]
}

/// Partitions a store: units from its train and val samples go to hospitals by the partitioner; each
/// hospital's units are split (by unit, seeded) into local train/val/test; the store's test split is the
/// global test set. Every hospital must end with at least `minimumTrain` training samples.
public enum PlanBuilder {
    public static func build(
        store: DatasetStore, partitioner: some Partitioner, hospitals: Int, seed: UInt64, groupByPatient: Bool = true,
        localSplit: PatientSplitter.Ratios = PatientSplitter.Ratios(train: 0.8, val: 0.1, test: 0.1), minimumTrain: Int = 1
    ) throws(PartitionError) -> PartitionPlan {
        guard hospitals >= 1 else { throw PartitionError("--hospitals must be at least 1") }
        let pool = (0..<store.count).filter { store.split($0) != .test }
        let input = PartitionInput(store: store, indices: pool, groupByPatient: groupByPatient)
        var generator = SeededGenerator(seed: seed)
        let assignment = try partitioner.assign(input, hospitals: hospitals, generator: &generator)
        var plans: [PartitionPlan.Hospital] = []
        for (h, units) in assignment.enumerated() {
            var order = units.sorted()
            seededShuffle(&order, &generator)
            let total = order.reduce(0) { $0 + input.units[$1].samples.count }
            var split: [Split: [Int]] = [.train: [], .val: [], .test: []]
            var counts: [Split: Int] = [.train: 0, .val: 0, .test: 0]
            for unit in order {
                // The split furthest below its share takes the unit (train first on ties).
                let target = Split.allCases.min { a, b in
                    let ra = Double(counts[a]!) - localSplit.share(a) * Double(total)
                    let rb = Double(counts[b]!) - localSplit.share(b) * Double(total)
                    return ra < rb
                }!
                split[target]! += input.units[unit].samples
                counts[target]! += input.units[unit].samples.count
            }
            let hospital = PartitionPlan.Hospital(
                id: "h\(h < 10 ? "0" : "")\(h)", train: split[.train]!.sorted(), val: split[.val]!.sorted(), test: split[.test]!.sorted())
            guard hospital.train.count >= minimumTrain else {
                throw PartitionError(
                    "hospital \(hospital.id) has \(hospital.train.count) training samples (minimum \(minimumTrain)); use fewer hospitals, a larger alpha or allow empty hospitals")
            }
            plans.append(hospital)
        }
        return PartitionPlan(
            format: PartitionPlan.formatName, version: PartitionPlan.currentVersion, scheme: partitioner.scheme,
            parameters: partitioner.parameters, seed: seed, hospitalCount: hospitals,
            grouping: input.grouped ? "patient" : "sample", localSplit: localSplit,
            store: .init(path: store.path, fingerprint: store.metadata.fingerprint, count: store.count), hospitals: plans,
            globalTest: store.indices(of: .test))
    }
}
