/// Seeded train/validation/test assignment that never puts one patient in two splits.
///
/// Rules, in order:
/// 1. A split the source gives (MedMNIST's arrays, a manifest's split column, an official test list)
///    is kept.
/// 2. A sample without one joins its patient's given split when the patient has one (so a patient is
///    never split across the source's boundary by the remaining samples).
/// 3. The other patients (or single samples, when there are no patient IDs) are shuffled with the seed
///    and placed one group at a time, among the splits the source did not give at all, with the ratios
///    renormalised over those splits. Each group goes to the split that most needs its samples: the
///    smallest value of max over the group's labels of (count in split + count in group) / (ratio ×
///    label total), ties broken train, val, test. This keeps the classes' shares near the ratios in
///    every split (stratification) as well as the sizes.
public struct PatientSplitter: Sendable {
    public struct Ratios: Sendable, Equatable, Codable {
        public var train: Double
        public var val: Double
        public var test: Double

        public init(train: Double, val: Double, test: Double) {
            self.train = train
            self.val = val
            self.test = test
        }

        public static let `default` = Ratios(train: 0.7, val: 0.15, test: 0.15)

        /// The ratio of `split`.
        public func share(_ split: Split) -> Double {
            switch split {
            case .train: return train
            case .val: return val
            case .test: return test
            }
        }

        public func validate() throws(DatasetError) {
            let all = [train, val, test]
            guard all.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(all.reduce(0, +) - 1) < 1e-6, train > 0 else {
                throw DatasetError(
                    path: "--split", .invalidOptions("split ratios must be non-negative, sum to 1 and give train a share"))
            }
        }
    }

    public var ratios: Ratios
    public var seed: UInt64

    public init(ratios: Ratios = .default, seed: UInt64) {
        self.ratios = ratios
        self.seed = seed
    }

    /// Returns one split per sample and the number of patients whose given splits conflict.
    public func assign(_ samples: [SourceSample], classCount: Int) -> (splits: [Split], conflictingPatients: Int) {
        var result = [Split?](samples.map(\.split))
        let givenSplits = Set(samples.compactMap(\.split))
        // Groups in order of first appearance (deterministic and independent of any key).
        var groupOf: [String: Int] = [:]
        var groups: [[Int]] = []
        for (index, sample) in samples.enumerated() {
            if let patient = sample.patient {
                if let group = groupOf[patient] {
                    groups[group].append(index)
                } else {
                    groupOf[patient] = groups.count
                    groups.append([index])
                }
            } else {
                groups.append([index])
            }
        }
        var conflicts = 0
        var open: [[Int]] = []
        for members in groups {
            let given = Set(members.compactMap { samples[$0].split })
            if given.count > 1 { conflicts += 1 }
            if let first = given.min() {
                for member in members where result[member] == nil { result[member] = first }
            } else {
                open.append(members)
            }
        }
        var candidates = Split.allCases.filter { !givenSplits.contains($0) && ratios.share($0) > 0 }
        if candidates.isEmpty { candidates = [.train] }
        let ratioSum = candidates.map { ratios.share($0) }.reduce(0, +)

        var generator = SeededGenerator(seed: seed)
        open.shuffle(using: &generator)
        var labelTotals = [Double](repeating: 0, count: classCount + 1)
        for members in open {
            for member in members { for label in labelKeys(samples[member], classCount) { labelTotals[label] += 1 } }
        }
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classCount + 1), count: 3)
        for members in open {
            var groupCounts: [Int: Double] = [:]
            for member in members { for label in labelKeys(samples[member], classCount) { groupCounts[label, default: 0] += 1 } }
            var best = candidates[0]
            var bestCost = Double.infinity
            for split in candidates {
                let share = ratios.share(split) / ratioSum
                var cost = 0.0
                for (label, n) in groupCounts {
                    cost = max(cost, (counts[Int(split.code)][label] + n / 2) / (share * labelTotals[label]))
                }
                if cost < bestCost {
                    bestCost = cost
                    best = split
                }
            }
            for (label, n) in groupCounts { counts[Int(best.code)][label] += n }
            for member in members { result[member] = best }
        }
        return (result.map { $0 ?? .train }, conflicts)
    }

    /// The labels a sample counts under; samples without labels (multi-label "no finding") count under
    /// an extra key so that they are spread too.
    private func labelKeys(_ sample: SourceSample, _ classCount: Int) -> [Int] {
        let valid = sample.labels.filter { $0 >= 0 && $0 < classCount }
        return valid.isEmpty ? [classCount] : valid
    }
}
