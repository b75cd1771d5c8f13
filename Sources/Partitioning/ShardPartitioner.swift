import Datasets

/// Shards (McMahan et al. 2017): units sorted by class (ties in a seeded order), cut into hospitals ×
/// `shardsPerHospital` shards of equal size (the first shards one unit larger when it does not divide),
/// shards shuffled and dealt `shardsPerHospital` to each hospital. Each hospital then sees about as many
/// classes as it has shards.
public struct ShardPartitioner: Partitioner {
    public var shardsPerHospital: Int

    public var scheme: String { "shards" }
    public var parameters: [String: String] { ["shardsPerHospital": String(shardsPerHospital)] }

    public init(shardsPerHospital: Int) {
        self.shardsPerHospital = shardsPerHospital
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> [[Int]] {
        let shardCount = hospitals * shardsPerHospital
        guard shardsPerHospital >= 1, shardCount <= input.units.count else {
            throw PartitionError(
                "shards: \(hospitals) hospitals × \(shardsPerHospital) shards need at least \(max(shardCount, hospitals)) units; there are \(input.units.count) (use fewer shards or hospitals)")
        }
        var order = Array(input.units.indices)
        seededShuffle(&order, &generator)
        // Stable sort by class keeps the seeded order within a class.
        order = order.enumerated().sorted { a, b in
            let la = input.units[a.element].label, lb = input.units[b.element].label
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
        var shards: [[Int]] = []
        let base = order.count / shardCount, extra = order.count % shardCount
        var start = 0
        for s in 0..<shardCount {
            let size = base + (s < extra ? 1 : 0)
            shards.append(Array(order[start..<start + size]))
            start += size
        }
        var shardOrder = Array(0..<shardCount)
        seededShuffle(&shardOrder, &generator)
        var result = [[Int]](repeating: [], count: hospitals)
        for (position, shard) in shardOrder.enumerated() { result[position / shardsPerHospital] += shards[shard] }
        return result
    }
}
