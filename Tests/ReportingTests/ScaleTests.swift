import Testing

@testable import Reporting

/// Tick rules and mapping against hand-listed ticks (see `Scale`'s documentation for the rules).
@Suite struct ScaleTests {
    func ticks(_ lower: Double, _ upper: Double, log: Bool = false) -> [Double] {
        Scale(lower: lower, upper: upper, logarithmic: log).ticks
    }

    /// Linear: the smallest 1-2-5 step giving at most 5 intervals. 0…1: raw step 0.2 → 0.2. 0…100: 20.
    /// −1…1: raw 0.4 → 0.5. 0…3: raw 0.6 → 1. 0…0.5: raw 0.1 → 0.1. 0.13…0.87: raw 0.148 → 0.2, ticks inside.
    @Test func linearTicksByHand() {
        #expect(ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(ticks(0, 100) == [0, 20, 40, 60, 80, 100])
        #expect(ticks(-1, 1) == [-1, -0.5, 0, 0.5, 1])
        #expect(ticks(0, 3) == [0, 1, 2, 3])
        #expect(ticks(0, 0.5) == [0, 0.1, 0.2, 0.3, 0.4, 0.5])
        #expect(ticks(0.13, 0.87) == [0.2, 0.4, 0.6, 0.8])
        #expect(ticks(1000, 3500) == [1000, 1500, 2000, 2500, 3000, 3500])
        #expect(ticks(0, 7e-5) == [0, 2e-5, 4e-5, 6e-5])
    }

    /// Log: the decades inside the domain; every n-th (k divisible by n = ⌈count/8⌉) beyond 8; 1, 2 and 5 × 10^k
    /// when fewer than three decades are inside.
    @Test func logTicksByHand() {
        #expect(ticks(0.001, 1, log: true) == [0.001, 0.01, 0.1, 1])
        #expect(ticks(1e-4, 1, log: true) == [1e-4, 0.001, 0.01, 0.1, 1])
        #expect(ticks(0.0005, 3, log: true) == [0.001, 0.01, 0.1, 1])
        #expect(ticks(1e-12, 1e4, log: true) == [1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3])
        #expect(ticks(0.01, 1, log: true) == [0.01, 0.1, 1])
        #expect(ticks(0.1, 1, log: true) == [0.1, 0.2, 0.5, 1])
        #expect(ticks(1, 50, log: true) == [1, 2, 5, 10, 20, 50])
        #expect(ticks(2, 40, log: true) == [2, 5, 10, 20])
        #expect(ticks(0.15, 0.9, log: true) == [0.2, 0.5])
        #expect(ticks(2.1, 4.9, log: true) == [3, 4])  // no 1, 2 or 5 inside: linear ticks
    }

    /// Automatic domains round out to whole steps (linear) or decades (log); a single value v is widened to
    /// v ± |v|/2 (± 1 for 0) first.
    @Test func automaticDomains() throws {
        func domain(_ values: [Double], log: Bool = false) throws -> [Double] {
            let scale = try #require(Scale(axis: Axis("", logarithmic: log), values: values))
            return [scale.lower, scale.upper]
        }
        #expect(try domain([0.03, 0.5, 0.97]) == [0, 1])
        #expect(try domain([0, 1]) == [0, 1])
        #expect(try domain([0, 0.6]) == [0, 0.6])
        #expect(try domain([3, 97]) == [0, 100])
        #expect(try domain([-0.3, 0.3]) == [-0.4, 0.4])  // step 0.2
        #expect(try domain([5, 5]) == [2, 8])  // widened to 2.5…7.5, step 1
        #expect(try domain([0, 0]) == [-1, 1])
        #expect(try domain([0.003, 0.5], log: true) == [0.001, 1])
        #expect(try domain([0.001, 1], log: true) == [0.001, 1])
        #expect(try domain([-1, 0, 0.02, 30], log: true) == [0.01, 100])
        #expect(try domain([1, 1], log: true) == [1, 10])
        #expect(Scale(axis: Axis("", logarithmic: true), values: [0, -2, .nan]) == nil)
        // An explicit range wins; an unusable one falls back to the data.
        #expect(Scale(axis: Axis("", range: 0...2), values: [0.5])?.upper == 2)
        #expect(Scale(axis: Axis("", logarithmic: true, range: 0...1), values: [0.05, 0.5])?.lower == 0.01)
        #expect(Scale(axis: Axis("", range: 3...3), values: [1, 2])?.upper == 2)
    }

    @Test func fractions() throws {
        let linear = Scale(lower: -1, upper: 3, logarithmic: false)
        #expect(linear.fraction(-1) == 0 && linear.fraction(3) == 1 && linear.fraction(0) == 0.25)
        #expect(linear.fraction(.nan) == nil && linear.fraction(-.infinity) == nil)
        let log = Scale(lower: 0.001, upper: 0.1, logarithmic: true)
        let (low, middle, high) = (try #require(log.fraction(0.001)), try #require(log.fraction(0.01)), try #require(log.fraction(0.1)))
        #expect(abs(middle - 0.5) < 1e-12)
        #expect(abs(low) < 1e-12 && abs(high - 1) < 1e-12)
        #expect(log.fraction(0) == nil && log.fraction(-1) == nil)
    }

    /// The Foundation-free log10 against exact decades and a few values known to 16 digits.
    @Test func logarithmWithoutFoundation() {
        for k in -300...300 where k % 7 == 0 {
            #expect(abs(log10(powerOfTen(k)) - Double(k)) < 1e-12 * max(1, Double(abs(k))), "\(k)")
        }
        #expect(abs(log10(2) - 0.3010299956639812) < 1e-15)
        #expect(abs(log10(7) - 0.8450980400142568) < 1e-15)
        #expect(abs(log10(.leastNonzeroMagnitude) - -323.3062153431158) < 1e-12)
        #expect(floorLog10(0.001) == -3 && floorLog10(0.00099999) == -4 && floorLog10(999) == 2 && floorLog10(1000) == 3)
        #expect(ceilLog10(0.001) == -3 && ceilLog10(0.0011) == -2)
        #expect(powerOfTen(-3) == 0.001 && powerOfTen(22) == 1e22)
    }
}
