import Datasets

/// Per-hospital counts and label-skew measures of a plan (`medsilo partition --json`).
///
/// Distances compare a hospital's label distribution p (over its train+val+test samples' classes) with
/// the global one q (over all partitioned samples): Jensen–Shannon distance √JS(p, q) with base-2 logs
/// (0…1), Hellinger distance √(½ Σ(√p − √q)²) (0…1), and the earth mover's distance with unit ground
/// distance between different classes, which equals the total variation ½ Σ|p − q|.
public struct PartitionStatistics: Sendable, Codable {
    public struct Hospital: Sendable, Codable {
        public var id: String
        public var samples: Int
        public var train: Int
        public var val: Int
        public var test: Int
        public var patients: Int
        public var classCounts: [Int]
        public var jensenShannon: Double
        public var hellinger: Double
        public var earthMovers: Double
    }

    public var classes: [String]
    public var hospitals: [Hospital]
    public var globalTest: Int
    /// Samples of the spread pool that no hospital holds (the plan lists them with the reasons).
    public var dropped: Int
    public var meanJensenShannon: Double
    public var meanHellinger: Double
    public var meanEarthMovers: Double

    /// Statistics given directly (tests).
    init(
        classes: [String], hospitals: [Hospital], globalTest: Int, meanJensenShannon: Double,
        dropped: Int = 0, meanHellinger: Double = 0, meanEarthMovers: Double = 0
    ) {
        self.classes = classes
        self.hospitals = hospitals
        self.globalTest = globalTest
        self.dropped = dropped
        self.meanJensenShannon = meanJensenShannon
        self.meanHellinger = meanHellinger
        self.meanEarthMovers = meanEarthMovers
    }

    public init(plan: PartitionPlan, store: DatasetStore) {
        classes = store.classes
        let k = store.classes.count
        var global = [Double](repeating: 0, count: k)
        var rows: [(PartitionPlan.Hospital, [Int], Int)] = []
        for hospital in plan.hospitals {
            var counts = [Int](repeating: 0, count: k)
            var patients = Set<Int>()
            for index in hospital.train + hospital.val + hospital.test {
                for label in store.labels(index) { counts[label] += 1 }
                if let patient = store.patient(index) { patients.insert(patient) }
            }
            for c in 0..<k { global[c] += Double(counts[c]) }
            rows.append((hospital, counts, patients.count))
        }
        let q = Self.normalized(global)
        hospitals = rows.map { hospital, counts, patients in
            let p = Self.normalized(counts.map(Double.init))
            return Hospital(
                id: hospital.id, samples: hospital.train.count + hospital.val.count + hospital.test.count,
                train: hospital.train.count, val: hospital.val.count, test: hospital.test.count, patients: patients,
                classCounts: counts, jensenShannon: Self.jensenShannon(p, q), hellinger: Self.hellinger(p, q),
                earthMovers: Self.totalVariation(p, q))
        }
        globalTest = plan.globalTest.count
        dropped = plan.dropped.reduce(0) { $0 + $1.samples.count }
        let computed = hospitals
        func mean(_ value: (Hospital) -> Double) -> Double {
            computed.isEmpty ? 0 : computed.map(value).reduce(0, +) / Double(computed.count)
        }
        meanJensenShannon = mean(\.jensenShannon)
        meanHellinger = mean(\.hellinger)
        meanEarthMovers = mean(\.earthMovers)
    }

    static func normalized(_ values: [Double]) -> [Double] {
        let total = values.reduce(0, +)
        return total > 0 ? values.map { $0 / total } : values
    }

    /// √(½ KL(p‖m) + ½ KL(q‖m)), m = (p + q)/2, logs base 2.
    static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
        func kl(_ a: [Double], _ m: [Double]) -> Double {
            zip(a, m).reduce(0) { sum, pair in pair.0 > 0 ? sum + pair.0 * log2(pair.0 / pair.1) : sum }
        }
        let m = zip(p, q).map { ($0 + $1) / 2 }
        return max(0, 0.5 * kl(p, m) + 0.5 * kl(q, m)).squareRoot()
    }

    static func hellinger(_ p: [Double], _ q: [Double]) -> Double {
        let sum = zip(p, q).reduce(0) { $0 + ($1.0.squareRoot() - $1.1.squareRoot()) * ($1.0.squareRoot() - $1.1.squareRoot()) }
        return (0.5 * sum).squareRoot()
    }

    static func totalVariation(_ p: [Double], _ q: [Double]) -> Double {
        0.5 * zip(p, q).reduce(0) { $0 + abs($1.0 - $1.1) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
