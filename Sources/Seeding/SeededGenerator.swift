/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast generator with a 64-bit state, seeded explicitly.
/// Every random step in MedSilo (splits, partitions, initialisation, shuffling, dropout) takes one, so the
/// same seed gives the same result.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The whole state: `SeededGenerator(seed: g.state)` continues exactly where `g` is, which is how a
    /// checkpoint saves a generator.
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) from the top 53 bits.
    /// `array` shuffled by Fisher–Yates, one `next()` per swap from the end. Written out rather than
    /// `shuffled(using:)`, whose algorithm the standard library does not promise to keep: the same seed
    /// must give the same order on every toolchain.
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var order = array
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(next() % UInt64(i + 1))) }
        }
        return order
    }

    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
