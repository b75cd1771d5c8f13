#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The suite's random numbers: xoshiro256** seeded through SplitMix64, with the few distributions the
/// generators draw from written out here so that output never depends on a standard-library algorithm.
///
/// Contract: the same seed gives the same sequence on every platform and Swift version. Generation
/// never shares a generator between images; each image gets its own stream (`SynthRandom(stream:)`),
/// so files are byte-identical whatever the number of threads.
///
/// Maths: xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021);
/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) expands a 64-bit seed into the 256-bit state and hashes
/// stream keys; normals by Box–Muller.
struct SynthRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose state is SplitMix64's first four outputs from `seed`.
    init(seed: UInt64) {
        var x = seed
        s0 = SynthRandom.splitMix(&x)
        s1 = SynthRandom.splitMix(&x)
        s2 = SynthRandom.splitMix(&x)
        s3 = SynthRandom.splitMix(&x)
    }

    /// A generator for the stream named by `key`, e.g. `[seed, task, hospital, patient, image]`.
    init(stream key: [UInt64]) {
        self.init(seed: SynthRandom.hash(key))
    }

    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    /// Uniform integer in `range` (multiply-shift; the bias is below 2⁻³² for the ranges used here).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal (Box–Muller, one of the pair).
    mutating func normal() -> Double {
        let u = max(unit(), 0x1p-60)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// An index drawn with probability proportional to `weights` (all ≥ 0, sum > 0).
    mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = unit() * total
        for (index, w) in weights.enumerated() {
            if u < w { return index }
            u -= w
        }
        return weights.count - 1
    }

    /// Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 boosted by U^(1/shape)); for Dirichlet draws.
    mutating func gamma(shape: Double) -> Double {
        if shape < 1 { return gamma(shape: shape + 1) * pow(max(unit(), 0x1p-60), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let v0 = 1 + c * x
            if v0 <= 0 { continue }
            let v = v0 * v0 * v0
            let u = unit()
            if log(max(u, 0x1p-60)) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// A 64-bit key for a stream: SplitMix64's finaliser folded over the parts.
    static func hash(_ parts: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for part in parts {
            var x = h ^ part
            h = splitMix(&x)
        }
        return h
    }

    /// One SplitMix64 step: advances `x` by the golden gamma and returns the mixed value.
    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
