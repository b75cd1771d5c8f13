import FoundationEssentials
import Imaging
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
        /// The hospital's audit reserve: samples of its own patients that nobody trains on, validates
        /// with or erases with, kept as the membership audit's non-members (absent: none).
        public var reserve: [Int]? = nil
    }

    public struct StoreIdentity: Sendable, Equatable, Codable {
        public var path: String
        public var fingerprint: String
        public var count: Int

        public init(path: String, fingerprint: String, count: Int) {
            self.path = path
            self.fingerprint = fingerprint
            self.count = count
        }
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
    /// Samples of the spread pool that no hospital holds, grouped by the reason (empty when the
    /// hospitals cover the pool).
    public var dropped: [DroppedSamples]

    public struct DroppedSamples: Sendable, Equatable, Codable {
        public var reason: String
        public var samples: [Int]
    }
}

/// Partitions a store: units from its train and val samples go to hospitals by the partitioner; each
/// hospital's units are split (by unit, seeded) into local train/val/test; the store's test split is the
/// global test set. With `reserve`, that hospital first sets aside the given share of its samples (whole
/// units, seeded) as its audit reserve, and splits the rest.
///
/// Unless `allowEmpty`, every hospital must hold at least `minimumSize` samples and at least one training
/// sample; otherwise the plan is refused with the hospital and what would help. With `allowEmpty` a
/// hospital may hold nothing (a federation skips it).
public enum PlanBuilder {
    public static let defaultLocalSplit = PatientSplitter.Ratios(train: 0.8, val: 0.1, test: 0.1)

    public static func build(
        store: DatasetStore, partitioner: some Partitioner, hospitals: Int?, seed: UInt64, groupByPatient: Bool = true,
        localSplit: PatientSplitter.Ratios = defaultLocalSplit, minimumSize: Int = 10, allowEmpty: Bool = false,
        reserve: (hospital: Int, share: Double)? = nil
    ) throws(PartitionError) -> PartitionPlan {
        let pool = (0..<store.count).filter { store.split($0) != .test }
        let input = PartitionInput(store: store, indices: pool, groupByPatient: groupByPatient)
        return try build(
            input: input, partitioner: partitioner, hospitals: hospitals, seed: seed,
            store: .init(path: store.path, fingerprint: store.metadata.fingerprint, count: store.count),
            globalTest: store.indices(of: .test), localSplit: localSplit, minimumSize: minimumSize, allowEmpty: allowEmpty, reserve: reserve)
    }

    /// The same from units already built (benchmarks, and callers with labels outside a store).
    public static func build(
        input: PartitionInput, partitioner: some Partitioner, hospitals requested: Int?, seed: UInt64,
        store: PartitionPlan.StoreIdentity, globalTest: [Int],
        localSplit: PatientSplitter.Ratios = defaultLocalSplit, minimumSize: Int = 10, allowEmpty: Bool = false,
        reserve: (hospital: Int, share: Double)? = nil
    ) throws(PartitionError) -> PartitionPlan {
        let implied = try partitioner.hospitalCount(for: input)
        guard let hospitals = requested ?? implied else { throw PartitionError("\(partitioner.scheme): give the number of hospitals (--hospitals)") }
        guard hospitals >= 1 else { throw PartitionError("--hospitals must be at least 1") }
        if let reserve {
            guard (0..<hospitals).contains(reserve.hospital) else {
                throw PartitionError("the audit reserve's hospital \(reserve.hospital) is not among the \(hospitals) hospitals")
            }
            guard reserve.share > 0, reserve.share < 1 else { throw PartitionError("the audit reserve's share must lie in (0, 1), not \(reserve.share)") }
        }
        var generator = SeededGenerator(seed: seed)
        let assignment = try partitioner.assign(input, hospitals: hospitals, generator: &generator)
        guard assignment.hospitals.count == hospitals else {
            throw PartitionError("\(partitioner.scheme): made \(assignment.hospitals.count) hospitals, \(hospitals) were asked for")
        }
        let shares = Split.allCases.map { localSplit.share($0) }
        var plans: [PartitionPlan.Hospital] = []
        plans.reserveCapacity(hospitals)
        for (h, units) in assignment.hospitals.enumerated() {
            var order = units.sorted()
            seededShuffle(&order, &generator)
            var reserved: [Int]?
            if let reserve, reserve.hospital == h {
                // Whole units until the reserve holds its share of the hospital's samples.
                let all = order.reduce(0) { $0 + input.units[$1].samples.count }
                var taken: [Int] = []
                while let unit = order.first, Double(taken.count) < reserve.share * Double(all) {
                    taken += input.units[unit].samples
                    order.removeFirst()
                }
                reserved = taken.sorted()
            }
            let total = Double(order.reduce(0) { $0 + input.units[$1].samples.count })
            var train: [Int] = [], val: [Int] = [], test: [Int] = []
            train.reserveCapacity(Int(total * shares[0]) + 16)
            var counts = [0, 0, 0]
            for unit in order {
                // The split furthest below its share takes the unit (train first on ties).
                var target = 0
                var lowest = Double.infinity
                for s in 0..<3 {
                    let deficit = Double(counts[s]) - shares[s] * total
                    if deficit < lowest {
                        lowest = deficit
                        target = s
                    }
                }
                let samples = input.units[unit].samples
                switch target {
                case 0: train.append(contentsOf: samples)
                case 1: val.append(contentsOf: samples)
                default: test.append(contentsOf: samples)
                }
                counts[target] += samples.count
            }
            train.sort()
            val.sort()
            test.sort()
            let hospital = PartitionPlan.Hospital(id: hospitalID(h), train: train, val: val, test: test, reserve: reserved)
            if !allowEmpty {
                let size = counts.reduce(0, +)
                guard size >= minimumSize, !hospital.train.isEmpty else {
                    throw PartitionError(
                        "\(partitioner.scheme): hospital \(hospital.id) holds \(size) samples\(reserved.map { " after its audit reserve of \($0.count)" } ?? ""), \(hospital.train.count) of them for training (minimum \(max(minimumSize, 1)) samples and one for training); use fewer hospitals or milder skew, \(reserved == nil ? "" : "a smaller audit reserve, ")lower --min-size, or --allow-empty")
                }
            }
            plans.append(hospital)
        }
        var droppedByReason: [String: [Int]] = [:]
        for dropped in assignment.dropped { droppedByReason[dropped.reason, default: []] += input.units[dropped.unit].samples }
        return PartitionPlan(
            format: PartitionPlan.formatName, version: PartitionPlan.currentVersion, scheme: partitioner.scheme,
            parameters: partitioner.parameters, seed: seed, hospitalCount: hospitals,
            grouping: input.grouped ? "patient" : "sample", localSplit: localSplit, store: store, hospitals: plans,
            globalTest: globalTest,
            dropped: droppedByReason.keys.sorted().map { .init(reason: $0, samples: droppedByReason[$0]!.sorted()) })
    }

    /// "h00", "h01", … (two digits at least, so ids sort as numbers up to 100 hospitals).
    static func hospitalID(_ h: Int) -> String { h < 10 ? "h0\(h)" : "h\(h)" }
}

extension PartitionPlan {
    /// Reads a plan file, refusing anything that is not a plan of a format this build reads.
    public static func load(_ path: String) throws(PartitionError) -> PartitionPlan {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw PartitionError(error.description) }
        let loaded: PartitionPlan
        do {
            loaded = try JSONDecoder().decode(PartitionPlan.self, from: Data(bytes))
        } catch {
            throw PartitionError("\(path): not a partition plan (\(error))")
        }
        guard loaded.format == formatName, loaded.version == currentVersion else {
            throw PartitionError("\(path): a \(loaded.format) file of version \(loaded.version); this build reads \(formatName) version \(currentVersion)")
        }
        return loaded
    }
}
