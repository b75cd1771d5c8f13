import Datasets

/// What a partitioner sees: units (patients when grouped, else samples), each with its samples and a
/// label (the most frequent class among its samples; for multi-label samples their first class).
public struct PartitionInput: Sendable {
    public struct Unit: Sendable, Equatable {
        /// Store indices of the unit's samples.
        public var samples: [Int]
        /// The unit's class, or -1 when none of its samples has one.
        public var label: Int
        /// Site index of the unit's first sample, if any.
        public var site: Int?

        public init(samples: [Int], label: Int, site: Int?) {
            self.samples = samples
            self.label = label
            self.site = site
        }
    }

    public var units: [Unit]
    public var classCount: Int
    public var siteCount: Int
    /// True when units are patients.
    public var grouped: Bool

    /// Builds units from the store's samples at `indices` (typically train + val; the store's test split
    /// stays the global test set).
    public init(store: DatasetStore, indices: [Int], groupByPatient: Bool) {
        classCount = store.classes.count
        siteCount = store.metadata.sites.count
        grouped = groupByPatient && store.metadata.patients > 0
        var unitOfPatient: [Int: Int] = [:]
        var units: [Unit] = []
        var labelVotes: [[Int: Int]] = []
        for index in indices {
            let label = store.labels(index).first ?? -1
            let unit: Int
            if grouped, let patient = store.patient(index) {
                if let known = unitOfPatient[patient] {
                    unit = known
                } else {
                    unit = units.count
                    unitOfPatient[patient] = unit
                    units.append(Unit(samples: [], label: -1, site: store.site(index)))
                    labelVotes.append([:])
                }
            } else {
                unit = units.count
                units.append(Unit(samples: [], label: -1, site: store.site(index)))
                labelVotes.append([:])
            }
            units[unit].samples.append(index)
            labelVotes[unit][label, default: 0] += 1
        }
        for (u, votes) in labelVotes.enumerated() {
            units[u].label = votes.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? -1
        }
        self.units = units
    }

    /// Units given directly (tests, benchmarks).
    public init(units: [Unit], classCount: Int, siteCount: Int = 0, grouped: Bool = false) {
        self.units = units
        self.classCount = classCount
        self.siteCount = siteCount
        self.grouped = grouped
    }

    public var sampleCount: Int { units.reduce(0) { $0 + $1.samples.count } }
}
