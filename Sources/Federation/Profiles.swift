import Seeding

#if canImport(Glibc)
import Glibc
#endif

/// How fast each hospital trains, in samples per second of virtual time.
public enum SpeedProfile: Sendable, Equatable, Codable {
    /// Every hospital at `samplesPerSecond`.
    case fixed(samplesPerSecond: Double)
    /// ln(speed) ~ N(ln(median), σ²) per hospital.
    case logNormal(median: Double, sigma: Double)
    /// Slowness factors from a Pareto(α) with minimum 1, clipped at `clip`: speed = base / factor, so a
    /// heavy tail of slow hospitals.
    case pareto(base: Double, alpha: Double, clip: Double)
    /// Every hospital at `samplesPerSecond`, except the named ones `slowdown` times slower.
    case stragglers(samplesPerSecond: Double, hospitals: [Int], slowdown: Double)

    /// One speed per hospital, drawn from `generator` (same seed, same speeds).
    public func speeds(hospitals: Int, generator: inout SeededGenerator) -> [Double] {
        switch self {
        case .fixed(let speed): return [Double](repeating: speed, count: hospitals)
        case .logNormal(let median, let sigma):
            return (0..<hospitals).map { _ in median * exp(sigma * standardNormal(&generator)) }
        case .pareto(let base, let alpha, let clip):
            return (0..<hospitals).map { _ in
                let u = max(generator.nextUnit(), .leastNormalMagnitude)
                return base / min(clip, pow(u, -1 / alpha))
            }
        case .stragglers(let speed, let slow, let slowdown):
            return (0..<hospitals).map { slow.contains($0) ? speed / slowdown : speed }
        }
    }
}

/// A hospital's link: latency per message and bandwidth per direction.
public struct NetworkProfile: Sendable, Equatable, Codable {
    public var latency: Double
    public var uploadBytesPerSecond: Double
    public var downloadBytesPerSecond: Double

    public init(latency: Double = 0.05, uploadBytesPerSecond: Double = 12.5e6, downloadBytesPerSecond: Double = 12.5e6) {
        self.latency = latency
        self.uploadBytesPerSecond = uploadBytesPerSecond
        self.downloadBytesPerSecond = downloadBytesPerSecond
    }

    /// Seconds to send `bytes` up (hospital → server) or down.
    public func transfer(_ bytes: Int, upload: Bool) -> Double {
        latency + Double(bytes) / (upload ? uploadBytesPerSecond : downloadBytesPerSecond)
    }
}

/// A standard normal draw (Box–Muller).
func standardNormal(_ generator: inout SeededGenerator) -> Double {
    let u1 = max(generator.nextUnit(), .leastNormalMagnitude)
    let u2 = generator.nextUnit()
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}
