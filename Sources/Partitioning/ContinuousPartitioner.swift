import Datasets

/// Continuous feature skew (the scheme of flwr-datasets' ContinuousPartitioner): each unit gets the mean
/// of its samples' values of a numeric feature; values are standardised (z = (x − mean)/sd over the
/// units), blended with standard normal noise as s·z + (1 − s)·ε where s is the strictness, sorted, and
/// cut into equal consecutive blocks: hospital h00 holds the lowest blend. Strictness 1 sorts by the
/// feature alone; 0 is a random (IID) split. Units none of whose samples has a value (NaN) are dropped,
/// and the plan says so.
public struct ContinuousPartitioner: Partitioner {
    /// The feature's value per store sample index (NaN: none).
    public var values: [Double]
    /// The feature's name, for the plan.
    public var feature: String
    public var strictness: Double

    public var scheme: String { "continuous" }
    public var parameters: [String: String] { ["feature": feature, "strictness": String(strictness)] }

    public init(values: [Double], feature: String, strictness: Double = 1) {
        self.values = values
        self.feature = feature
        self.strictness = strictness
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard strictness >= 0, strictness <= 1 else { throw PartitionError("continuous: --strictness must lie in 0…1, got \(strictness)") }
        var kept: [(unit: Int, value: Double)] = []
        var dropped: [Assignment.Dropped] = []
        for (u, unit) in input.units.enumerated() {
            var sum = 0.0, count = 0
            for sample in unit.samples where sample >= 0 && sample < values.count && !values[sample].isNaN {
                sum += values[sample]
                count += 1
            }
            if count > 0 { kept.append((u, sum / Double(count))) } else { dropped.append(.init(unit: u, reason: "continuous: no value of \(feature)")) }
        }
        guard kept.count >= hospitals else {
            throw PartitionError("continuous: \(hospitals) hospitals need at least \(hospitals) units with a value of \(feature); there are \(kept.count)")
        }
        let mean = kept.reduce(0) { $0 + $1.value } / Double(kept.count)
        let variance = kept.reduce(0) { $0 + ($1.value - mean) * ($1.value - mean) } / Double(kept.count)
        guard variance > 0, variance.isFinite else {
            throw PartitionError("continuous: \(feature) has the same value for every unit, so it cannot order them (choose another feature)")
        }
        let sd = variance.squareRoot()
        // (blend, unit) pairs sorted as tuples: ties (strictness 1, equal values) keep unit order, so the
        // result does not depend on the sort algorithm.
        var order = kept.map { (strictness * ($0.value - mean) / sd + (1 - strictness) * Dirichlet.normal(&generator), $0.unit) }
        order.sort { $0 < $1 }
        var result = [[Int]](repeating: [], count: hospitals)
        let base = order.count / hospitals, extra = order.count % hospitals
        var start = 0
        for h in 0..<hospitals {
            let size = base + (h < extra ? 1 : 0)
            result[h] = order[start..<start + size].map(\.1)
            start += size
        }
        return Assignment(result, dropped: dropped)
    }
}

/// Feature skew by acquisition signature: every site of the store (a hospital, scanner or vendor of the
/// source data — in the synthetic suite each source hospital has its own colour, gamma, blur, noise and
/// HU-storage signature) is given to a hospital, and each unit goes to a hospital holding its site with
/// probability `strictness`, else to a hospital drawn uniformly. Sites are dealt round-robin: with at
/// least as many sites as hospitals, site s goes to hospital s mod H; with more hospitals than sites,
/// site s is shared by every hospital h with h mod S = s and its units are dealt among them in turn.
/// Strictness 1 with as many hospitals as sites is the natural split; 0 is IID. Units without a site
/// go to a uniformly drawn hospital. Unlike `natural`, any number of hospitals works.
public struct AcquisitionPartitioner: Partitioner {
    public var strictness: Double

    public var scheme: String { "acquisition" }
    public var parameters: [String: String] { ["strictness": String(strictness)] }

    public init(strictness: Double = 1) {
        self.strictness = strictness
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard strictness >= 0, strictness <= 1 else { throw PartitionError("acquisition: --strictness must lie in 0…1, got \(strictness)") }
        let sites = input.siteCount
        guard sites > 0 else { throw PartitionError("acquisition: the store has no sites (ingest with a site column or --site-from)") }
        var holders = [[Int]](repeating: [], count: sites)
        for h in 0..<max(hospitals, sites) { holders[h % sites].append(h % hospitals) }
        var order = Array(input.units.indices)
        seededShuffle(&order, &generator)
        var turn = [Int](repeating: 0, count: sites)
        var result = [[Int]](repeating: [], count: hospitals)
        for u in order {
            let stays = generator.nextUnit() < strictness
            if stays, let site = input.units[u].site, site >= 0, site < sites {
                let held = holders[site]
                result[held[turn[site] % held.count]].append(u)
                turn[site] += 1
            } else {
                result[Int(generator.next() % UInt64(hospitals))].append(u)
            }
        }
        return Assignment(result)
    }
}
