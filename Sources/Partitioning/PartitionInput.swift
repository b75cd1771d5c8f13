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
        // Per sample position: its class and its unit, for the majority vote below (needed only when a
        // unit can hold several samples).
        var sampleLabels = [Int](repeating: 0, count: groupByPatient ? indices.count : 0)
        var unitOfPosition = [Int](repeating: 0, count: groupByPatient ? indices.count : 0)
        var labelRange = 0...0
        for (position, index) in indices.enumerated() {
            let sampleLabel = label(index)
            if groupByPatient {
                sampleLabels[position] = sampleLabel
                labelRange = min(labelRange.lowerBound, sampleLabel)...max(labelRange.upperBound, sampleLabel)
            }
            if groupByPatient, let patient = patient(index) {
                if let known = unitOfPatient[patient] {
                    units[known].samples.append(index)
                    unitOfPosition[position] = known
                    continue
                }
                unitOfPatient[patient] = units.count
            }
            if groupByPatient { unitOfPosition[position] = units.count }
            units.append(Unit(samples: [index], label: sampleLabel, site: site(index)))
        }
        if groupByPatient {
            // The most frequent class of each unit (ties: the smaller class index): the samples' classes
            // laid out unit by unit (a counting sort by unit), then counted in one scratch array offset
            // by the smallest label (-1 for unlabelled samples).
            var start = [Int](repeating: 0, count: units.count + 1)
            for u in units.indices { start[u + 1] = start[u] + units[u].samples.count }
            var fill = start
            var byUnit = [Int](repeating: 0, count: indices.count)
            for position in indices.indices {
                let u = unitOfPosition[position]
                byUnit[fill[u]] = sampleLabels[position]
                fill[u] += 1
            }
            var counts = [Int](repeating: 0, count: labelRange.count)
            let offset = labelRange.lowerBound
            for u in units.indices where start[u + 1] - start[u] > 1 {
                var best = Int.max, bestCount = 0
                for l in byUnit[start[u]..<start[u + 1]] {
                    counts[l - offset] += 1
                    let c = counts[l - offset]
                    if c > bestCount || (c == bestCount && l < best) {
                        best = l
                        bestCount = c
                    }
                }
                for l in byUnit[start[u]..<start[u + 1]] { counts[l - offset] = 0 }
                units[u].label = best
            }
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
