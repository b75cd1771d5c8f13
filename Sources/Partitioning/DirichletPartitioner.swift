import Datasets

#if canImport(Glibc)
import Glibc
#endif

/// Dirichlet label skew (Hsu et al. 2019, as flwr-datasets' DirichletPartitioner): for each class, the
/// shares of its units across hospitals are drawn from Dir(α·1); units of the class are dealt by those
/// shares. Smaller α, stronger skew. With `selfBalancing`, a hospital already holding more than the
/// average number of units gets no share of later classes. A draw where some hospital ends with fewer
/// than `minimumSize` units is redrawn, at most `attempts` times; then a PartitionError says what would
/// be feasible. Units without a class are dealt like a class of their own.
public struct DirichletPartitioner: Partitioner {
    public var alpha: Double
    public var minimumSize: Int
    public var selfBalancing: Bool
    public var attempts: Int

    public var scheme: String { "dirichlet" }
    public var parameters: [String: String] {
        ["alpha": String(alpha), "minimumSize": String(minimumSize), "selfBalancing": String(selfBalancing)]
    }

    public init(alpha: Double, minimumSize: Int = 10, selfBalancing: Bool = false, attempts: Int = 100) {
        self.alpha = alpha
        self.minimumSize = minimumSize
        self.selfBalancing = selfBalancing
        self.attempts = attempts
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard alpha > 0, alpha.isFinite else { throw PartitionError("dirichlet: alpha must be positive, got \(alpha)") }
        guard minimumSize * hospitals <= input.units.count else {
            throw PartitionError(
                "dirichlet: \(hospitals) hospitals × minimum size \(minimumSize) needs \(minimumSize * hospitals) units; there are \(input.units.count) (lower --min-size or the number of hospitals)")
        }
        var byClass: [Int: [Int]] = [:]
        for (u, unit) in input.units.enumerated() { byClass[unit.label, default: []].append(u) }
        let classes = byClass.keys.sorted()
        let average = Double(input.units.count) / Double(hospitals)
        var smallest = 0
        for _ in 0..<max(1, attempts) {
            var result = [[Int]](repeating: [], count: hospitals)
            for label in classes {
                var units = byClass[label]!
                seededShuffle(&units, &generator)
                var shares = Dirichlet.sample(alpha: alpha, count: hospitals, generator: &generator)
                if selfBalancing {
                    for h in 0..<hospitals where Double(result[h].count) > average { shares[h] = 0 }
                    let total = shares.reduce(0, +)
                    shares = total > 0 ? shares.map { $0 / total } : [Double](repeating: 1 / Double(hospitals), count: hospitals)
                }
                // Cumulative cut points over the class's units.
                var start = 0
                var cumulative = 0.0
                for h in 0..<hospitals {
                    cumulative += shares[h]
                    let end = h == hospitals - 1 ? units.count : min(units.count, Int((cumulative * Double(units.count)).rounded()))
                    if end > start { result[h] += units[start..<end] }
                    start = max(start, end)
                }
            }
            smallest = result.map(\.count).min() ?? 0
            if smallest >= minimumSize { return Assignment(result) }
        }
        throw PartitionError(
            "dirichlet: after \(attempts) draws with alpha \(alpha) some hospital still had fewer than \(minimumSize) units (the last draw's smallest had \(smallest)); raise --alpha, lower --min-size, use fewer hospitals, or --self-balancing")
    }
}

/// Dirichlet and gamma draws from a `SeededGenerator`.
enum Dirichlet {
    /// Dir(α·1) over `count` components: normalised Gamma(α, 1) draws.
    static func sample(alpha: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        var draws = (0..<count).map { _ in gamma(alpha, &generator) }
        var total = draws.reduce(0, +)
        if !(total > 0) {
            // All draws underflowed (tiny α): one component takes everything, chosen uniformly.
            draws = [Double](repeating: 0, count: count)
            draws[Int(generator.next() % UInt64(count))] = 1
            total = 1
        }
        return draws.map { $0 / total }
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape).
    static func gamma(_ shape: Double, _ generator: inout SeededGenerator) -> Double {
        if shape < 1 {
            let u = max(generator.nextUnit(), .leastNormalMagnitude)
            return gamma(shape + 1, &generator) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal(&generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = generator.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, .leastNormalMagnitude)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A standard normal draw (Box–Muller).
    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u1 = max(generator.nextUnit(), .leastNormalMagnitude)
        let u2 = generator.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
