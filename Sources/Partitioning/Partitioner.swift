import Datasets

/// A way of spreading units across hospitals. Returns, per hospital, the indices of the units it gets;
/// every unit is given to exactly one hospital (or listed in `dropped` with the reason by the caller).
/// Random steps draw from `generator` only, so the same seed gives the same partition.
public protocol Partitioner: Sendable {
    /// The scheme's name in plans and on the command line.
    var scheme: String { get }
    /// The parameters as they go into the plan.
    var parameters: [String: String] { get }
    func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> [[Int]]
}

/// Fisher–Yates with the partitioner's generator (the standard library's shuffle algorithm may change
/// between releases; this one does not).
func seededShuffle(_ items: inout [Int], _ generator: inout SeededGenerator) {
    guard items.count > 1 else { return }
    for i in stride(from: items.count - 1, to: 0, by: -1) {
        let j = Int(generator.next() % UInt64(i + 1))
        items.swapAt(i, j)
    }
}
