import Datasets

/// Shards (McMahan et al. 2017; the options of flwr-datasets' ShardPartitioner): units sorted by class
/// (ties in a seeded order) and cut into shards, shards shuffled and dealt the same number to each
/// hospital, so a hospital sees about as many classes as it has shards.
///
/// - shards per hospital only: hospitals × s shards of equal size using every unit (the first shards
///   one unit larger when it does not divide);
/// - shard size only: ⌊units / size⌋ shards of `shardSize` units (plus the incomplete last one with
///   `keepIncompleteShard`), each hospital gets ⌊shards / hospitals⌋;
/// - both: hospitals × s shards of `shardSize` units.
///
/// Units in no dealt shard are dropped, and the plan lists them with the reason.
public struct ShardPartitioner: Partitioner {
    public var shardsPerHospital: Int?
    public var shardSize: Int?
    public var keepIncompleteShard: Bool

    public var scheme: String { "shards" }
    public var parameters: [String: String] {
        var result: [String: String] = [:]
        if let shardsPerHospital { result["shardsPerHospital"] = String(shardsPerHospital) }
        if let shardSize { result["shardSize"] = String(shardSize) }
        if keepIncompleteShard { result["keepIncompleteShard"] = "true" }
        return result
    }

    public init(shardsPerHospital: Int? = 2, shardSize: Int? = nil, keepIncompleteShard: Bool = false) {
        self.shardsPerHospital = shardsPerHospital
        self.shardSize = shardSize
        self.keepIncompleteShard = keepIncompleteShard
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        let n = input.units.count
        let noun = input.grouped ? "patients" : "samples"
        // The shard sizes, in order along the class-sorted units.
        var sizes: [Int]
        switch (shardsPerHospital, shardSize) {
        case (let s?, nil):
            let shardCount = hospitals * s
            guard s >= 1, shardCount <= n else {
                throw PartitionError(
                    "shards: \(hospitals) hospitals × \(s) shards need at least \(max(shardCount, hospitals)) \(noun); there are \(n) (use fewer shards or hospitals)")
            }
            sizes = (0..<shardCount).map { n / shardCount + ($0 < n % shardCount ? 1 : 0) }
        case (nil, let size?):
            guard size >= 1 else { throw PartitionError("shards: --shard-size must be at least 1") }
            sizes = [Int](repeating: size, count: n / size)
            if keepIncompleteShard, n % size > 0 { sizes.append(n % size) }
            let perHospital = sizes.count / hospitals
            guard perHospital >= 1 else {
                throw PartitionError(
                    "shards: \(n) \(noun) make \(sizes.count) shards of \(size), fewer than the \(hospitals) hospitals (use a smaller --shard-size or fewer hospitals)")
            }
        case (let s?, let size?):
            guard s >= 1, size >= 1, hospitals * s * size <= n else {
                throw PartitionError(
                    "shards: \(hospitals) hospitals × \(s) shards × \(size) \(noun) need \(hospitals * s * size); there are \(n) (lower one of them)")
            }
            sizes = [Int](repeating: size, count: hospitals * s)
        case (nil, nil):
            throw PartitionError("shards: give --shards-per-hospital, --shard-size or both")
        }
        var order = Array(input.units.indices)
        seededShuffle(&order, &generator)
        // Stable sort by class keeps the seeded order within a class.
        order = order.enumerated().sorted { a, b in
            let la = input.units[a.element].label, lb = input.units[b.element].label
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
        var shards: [ArraySlice<Int>] = []
        var start = 0
        for size in sizes {
            shards.append(order[start..<start + size])
            start += size
        }
        let perHospital = shards.count / hospitals
        var shardOrder = Array(shards.indices)
        seededShuffle(&shardOrder, &generator)
        var result = [[Int]](repeating: [], count: hospitals)
        var dropped: [Assignment.Dropped] = []
        for (position, shard) in shardOrder.enumerated() {
            if position < hospitals * perHospital {
                result[position / perHospital] += shards[shard]
            } else {
                dropped += shards[shard].map { .init(unit: $0, reason: "shards: in a shard left over after dealing \(perHospital) to each hospital") }
            }
        }
        dropped += order[start...].map { .init(unit: $0, reason: "shards: in no shard (the units do not divide into whole shards)") }
        return Assignment(result, dropped: dropped)
    }
}
