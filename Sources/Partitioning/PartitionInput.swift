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
        self.init(
            indices: indices, classCount: store.classes.count, siteCount: store.metadata.sites.count,
            groupByPatient: groupByPatient && store.metadata.patients > 0,
            label: { store.labels($0).first ?? -1 }, patient: store.patient, site: store.site)
    }

    /// Builds units from per-sample accessors: the sample's first class (-1 for none), its patient and
    /// its site. Samples of one patient form one unit when `groupByPatient`; a sample without a patient
    /// is a unit of its own.
    public init(
        indices: [Int], classCount: Int, siteCount: Int, groupByPatient: Bool,
        label: (Int) -> Int, patient: (Int) -> Int?, site: (Int) -> Int?
    ) {
        self.classCount = classCount
        self.siteCount = siteCount
        grouped = groupByPatient
        var unitOfPatient: [Int: Int] = [:]
        var units: [Unit] = []
        units.reserveCapacity(groupByPatient ? indices.count / 2 : indices.count)
        // Label votes per unit: (label, count) pairs, a handful per unit at most.
        var votes: [[(label: Int, count: Int)]] = []
        for index in indices {
            let sampleLabel = label(index)
            let unit: Int
            if groupByPatient, let patient = patient(index) {
                if let known = unitOfPatient[patient] {
                    unit = known
                } else {
                    unit = units.count
                    unitOfPatient[patient] = unit
                    units.append(Unit(samples: [], label: -1, site: site(index)))
                    votes.append([])
                }
            } else {
                unit = units.count
                units.append(Unit(samples: [], label: -1, site: site(index)))
                votes.append([])
            }
            units[unit].samples.append(index)
            if let slot = votes[unit].firstIndex(where: { $0.label == sampleLabel }) {
                votes[unit][slot].count += 1
            } else {
                votes[unit].append((sampleLabel, 1))
            }
        }
        // The most frequent class; ties go to the smaller class index.
        for u in units.indices {
            units[u].label = votes[u].max { ($0.count, -$0.label) < ($1.count, -$1.label) }?.label ?? -1
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
