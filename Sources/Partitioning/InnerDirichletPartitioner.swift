import Datasets

/// Inner Dirichlet label skew with given hospital sizes (the scheme of flwr-datasets'
/// InnerDirichletPartitioner): hospital sizes are fixed first (equal, or by a size profile or explicit
/// sizes as in `SizePartitioner`), each hospital draws a class prior from Dir(α·1), and units are then
/// handed out one at a time: a hospital with room left is picked uniformly, a class is drawn from its
/// prior, and one unit of that class is taken. When a class runs out it is removed from every prior
/// (the rest renormalised); a hospital whose prior held only exhausted classes draws from the classes
/// still left, in proportion to what is left. Sizes are met exactly; the label mix is what α makes it.
public struct InnerDirichletPartitioner: Partitioner {
    public var alpha: Double
    /// Hospital sizes; nil for equal sizes.
    public var sizes: SizePartitioner.Profile?

    public var scheme: String { "inner-dirichlet" }
    public var parameters: [String: String] {
        var result = ["alpha": String(alpha)]
        if let sizes { result.merge(SizePartitioner(profile: sizes).parameters) { a, _ in a } }
        return result
    }

    public init(alpha: Double, sizes: SizePartitioner.Profile? = nil) {
        self.alpha = alpha
        self.sizes = sizes
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard alpha > 0, alpha.isFinite else { throw PartitionError("inner-dirichlet: alpha must be positive, got \(alpha)") }
        let n = input.units.count
        guard n >= hospitals else {
            throw PartitionError("inner-dirichlet: \(hospitals) hospitals need at least \(hospitals) units; there are \(n)")
        }
        let weights = try SizePartitioner(profile: sizes ?? .explicit([Double](repeating: 1, count: hospitals))).weights(hospitals)
        var room = SizePartitioner.counts(weights: weights, total: n)
        // Classes in label order (units without a class form one more class); each class's units shuffled,
        // taken from the end.
        var slotOfLabel: [Int: Int] = [:]
        var pools: [[Int]] = []
        for (u, unit) in input.units.enumerated() {
            let slot = slotOfLabel[unit.label] ?? {
                slotOfLabel[unit.label] = pools.count
                pools.append([])
                return pools.count - 1
            }()
            pools[slot].append(u)
        }
        let order = slotOfLabel.sorted { $0.key < $1.key }.map(\.value)
        pools = order.map { pools[$0] }
        for c in pools.indices { seededShuffle(&pools[c], &generator) }
        let classes = pools.count
        var priors = (0..<hospitals).map { _ in Dirichlet.sample(alpha: alpha, count: classes, generator: &generator) }
        var cumulative = priors.map(Self.cumulativeSums)
        var active = Array(0..<hospitals).filter { room[$0] > 0 }
        var result = [[Int]](repeating: [], count: hospitals)
        for h in 0..<hospitals { result[h].reserveCapacity(room[h]) }
        while !active.isEmpty {
            let pick = Int(generator.next() % UInt64(active.count))
            let h = active[pick]
            var c = Self.draw(cumulative[h], generator.nextUnit())
            if cumulative[h].last == 0 || pools[c].isEmpty {
                // The hospital's whole prior lay on exhausted classes:
                // draw in proportion to what is left.
                let left = pools.map { Double($0.count) }
                c = Self.draw(Self.cumulativeSums(left), generator.nextUnit())
            }
            result[h].append(pools[c].removeLast())
            room[h] -= 1
            if room[h] == 0 { active.swapAt(pick, active.count - 1); active.removeLast() }
            if pools[c].isEmpty {
                // Class exhausted: remove it from every prior and renormalise.
                for g in 0..<hospitals where priors[g][c] > 0 {
                    priors[g][c] = 0
                    let total = priors[g].reduce(0, +)
                    if total > 0 { priors[g] = priors[g].map { $0 / total } }
                    cumulative[g] = Self.cumulativeSums(priors[g])
                }
            }
        }
        return Assignment(result)
    }

    static func cumulativeSums(_ values: [Double]) -> [Double] {
        var sum = 0.0
        let total = values.reduce(0, +)
        return values.map { value in
            sum += value
            return total > 0 ? sum / total : 0
        }
    }

    /// The first class whose cumulative share exceeds u (the last class with mass when rounding leaves
    /// u above every share); a prior with no mass returns a class with no units, which the caller
    /// handles.
    static func draw(_ cumulative: [Double], _ u: Double) -> Int {
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        // Skip classes with no mass (equal cumulative to the previous one).
        var c = low
        while c > 0, cumulative[c] == cumulative[c - 1] { c -= 1 }
        return c
    }
}
