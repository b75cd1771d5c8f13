import Datasets

/// IID: units shuffled and dealt round-robin, so hospital sizes differ by at most one unit.
public struct IIDPartitioner: Partitioner {
    public var scheme: String { "iid" }
    public var parameters: [String: String] { [:] }

    public init() {}

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard input.units.count >= hospitals else {
            throw PartitionError(
                "iid: \(hospitals) hospitals need at least \(hospitals) \(input.grouped ? "patients" : "samples"); there are \(input.units.count) (use fewer hospitals)")
        }
        var order = Array(input.units.indices)
        seededShuffle(&order, &generator)
        var result = [[Int]](repeating: [], count: hospitals)
        for (position, unit) in order.enumerated() { result[position % hospitals].append(unit) }
        return Assignment(result)
    }
}
