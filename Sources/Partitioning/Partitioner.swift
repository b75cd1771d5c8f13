import Datasets

/// A way of spreading units across hospitals. Random steps draw from `generator` only, so the same seed
/// gives the same partition.
public protocol Partitioner: Sendable {
    /// The scheme's name in plans and on the command line.
    var scheme: String { get }
    /// The parameters as they go into the plan.
    var parameters: [String: String] { get }
    func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment
    /// The number of hospitals the scheme itself implies (natural ids: one per site or group of sites),
    /// or nil when the caller chooses.
    func hospitalCount(for input: PartitionInput) throws(PartitionError) -> Int?
}

extension Partitioner {
    public func hospitalCount(for input: PartitionInput) throws(PartitionError) -> Int? { nil }
}

/// What a partitioner decided: per hospital the indices of its units, and the units it left out with
/// the reason. Every unit is in exactly one hospital or dropped once.
public struct Assignment: Sendable, Equatable {
    public struct Dropped: Sendable, Equatable {
        public var unit: Int
        public var reason: String

        public init(unit: Int, reason: String) {
            self.unit = unit
            self.reason = reason
        }
    }

    public var hospitals: [[Int]]
    public var dropped: [Dropped]

    public init(_ hospitals: [[Int]], dropped: [Dropped] = []) {
        self.hospitals = hospitals
        self.dropped = dropped
    }
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

/// Largest-remainder apportionment: `minimum[i]` each first, then what is left of `total` in proportion
/// to `weights`, rounded down, and the largest remainders (ties: the lower index) take the rest.
/// A zero weight gets only its minimum. Needs total ≥ the sum of the minimums and a positive weight sum.
func apportion(_ total: Int, weights: [Double], minimum: [Int]) -> [Int] {
    let sum = weights.reduce(0, +)
    let free = total - minimum.reduce(0, +)
    let exact = weights.map { Double(free) * $0 / sum }
    var counts = zip(minimum, exact).map { $0 + Int($1.rounded(.down)) }
    var left = total - counts.reduce(0, +)
    let remainder = exact.map { $0 - $0.rounded(.down) }
    for i in weights.indices.sorted(by: { remainder[$0] != remainder[$1] ? remainder[$0] > remainder[$1] : $0 < $1 })
    where left > 0 && weights[i] > 0 {
        counts[i] += 1
        left -= 1
    }
    // Rounding can leave a unit over; the largest weight takes it (never a zero weight).
    if left > 0, let largest = weights.indices.max(by: { weights[$0] < weights[$1] }) { counts[largest] += left }
    return counts
}
