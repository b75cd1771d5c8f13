import Datasets

#if canImport(Glibc)
import Glibc
#endif

/// Size skew: units shuffled and cut so that hospital h gets a share proportional to its weight —
/// linear (h + 1), square ((h + 1)²), exponential (e^(h·ln(100)/(H − 1)): the largest hospital 100 times
/// the smallest), or explicit sizes (`--sizes`, relative weights or counts). Every hospital gets at
/// least one unit. Labels are not looked at.
public struct SizePartitioner: Partitioner {
    public enum Profile: Sendable, Equatable {
        case linear, square, exponential
        case explicit([Double])
    }

    public var profile: Profile

    public var scheme: String { "size" }
    public var parameters: [String: String] {
        switch profile {
        case .linear: return ["profile": "linear"]
        case .square: return ["profile": "square"]
        case .exponential: return ["profile": "exponential"]
        case .explicit(let sizes): return ["profile": "explicit", "sizes": sizes.map { String($0) }.joined(separator: ",")]
        }
    }

    public init(profile: Profile) {
        self.profile = profile
    }

    /// The weights of `hospitals` hospitals.
    func weights(_ hospitals: Int) throws(PartitionError) -> [Double] {
        switch profile {
        case .linear: return (0..<hospitals).map { Double($0 + 1) }
        case .square: return (0..<hospitals).map { Double(($0 + 1) * ($0 + 1)) }
        case .exponential:
            guard hospitals > 1 else { return [1] }
            return (0..<hospitals).map { exp(Double($0) * log(100) / Double(hospitals - 1)) }
        case .explicit(let sizes):
            guard sizes.count == hospitals, sizes.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw PartitionError("size: --sizes needs \(hospitals) positive numbers, one per hospital; got \(sizes.count)")
            }
            return sizes
        }
    }

    /// Splits `total` units by `weights`: one unit each first, the rest by weight (`apportion`).
    /// Needs total ≥ weights.count.
    static func counts(weights: [Double], total: Int) -> [Int] {
        apportion(total, weights: weights, minimum: [Int](repeating: 1, count: weights.count))
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard input.units.count >= hospitals else {
            throw PartitionError("size: \(hospitals) hospitals need at least \(hospitals) units; there are \(input.units.count)")
        }
        let counts = Self.counts(weights: try weights(hospitals), total: input.units.count)
        var order = Array(input.units.indices)
        seededShuffle(&order, &generator)
        var result: [[Int]] = []
        var start = 0
        for count in counts {
            result.append(Array(order[start..<start + count]))
            start += count
        }
        return Assignment(result)
    }
}
