import Datasets
import Foundation
import Testing
import TestSupport

@testable import Partitioning

@Suite struct PartitionerTests {
    /// `count` single-sample units, labels cycling through `classes`, sites cycling through `sites`.
    static func input(count: Int, classes: Int, sites: Int = 0) -> PartitionInput {
        let units = (0..<count).map {
            PartitionInput.Unit(samples: [$0], label: $0 % classes, site: sites > 0 ? $0 % sites : nil)
        }
        return PartitionInput(units: units, classCount: classes, siteCount: sites)
    }

    static let schemes: [any Partitioner] = [
        IIDPartitioner(), DirichletPartitioner(alpha: 0.5, minimumSize: 5), DirichletPartitioner(alpha: 0.1, minimumSize: 2, selfBalancing: true),
        PathologicalPartitioner(classesPerHospital: 2), ShardPartitioner(shardsPerHospital: 2), SizePartitioner(profile: .square),
    ]

    @Test(arguments: 0..<schemes.count)
    func everyUnitGoesToExactlyOneHospitalAndTheSeedRepeats(scheme: Int) throws {
        let partitioner = Self.schemes[scheme]
        let input = Self.input(count: 1000, classes: 10)
        var a = SeededGenerator(seed: 11), b = SeededGenerator(seed: 11), c = SeededGenerator(seed: 12)
        let first = try partitioner.assign(input, hospitals: 8, generator: &a).hospitals
        #expect(first.count == 8)
        #expect(first.flatMap { $0 }.sorted() == Array(0..<1000))
        #expect(try partitioner.assign(input, hospitals: 8, generator: &b).hospitals == first)
        #expect(try partitioner.assign(input, hospitals: 8, generator: &c).hospitals != first)
    }

    @Test func iidSizesDifferByAtMostOne() throws {
        var generator = SeededGenerator(seed: 0)
        let sizes = try IIDPartitioner().assign(Self.input(count: 103, classes: 3), hospitals: 10, generator: &generator).hospitals.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(throws: PartitionError.self) { try IIDPartitioner().assign(Self.input(count: 3, classes: 3), hospitals: 4, generator: &generator).hospitals }
    }

    @Test func smallerAlphaSkewsLabelsMore() throws {
        let input = Self.input(count: 5000, classes: 10)
        func meanTotalVariation(_ alpha: Double) throws -> Double {
            var generator = SeededGenerator(seed: 3)
            let hospitals = try DirichletPartitioner(alpha: alpha, minimumSize: 1).assign(input, hospitals: 10, generator: &generator).hospitals
            return hospitals.map { units in
                var counts = [Double](repeating: 0, count: 10)
                for u in units { counts[input.units[u].label] += 1 }
                return PartitionStatistics.totalVariation(PartitionStatistics.normalized(counts), [Double](repeating: 0.1, count: 10))
            }.reduce(0, +) / 10
        }
        let skewed = try meanTotalVariation(0.1)
        let mild = try meanTotalVariation(100)
        #expect(skewed > 0.5)
        #expect(mild < 0.1)
    }

    @Test func infeasibleDirichletFailsFastWithAReason() {
        var generator = SeededGenerator(seed: 0)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: PartitionError.self) {
            try DirichletPartitioner(alpha: 0.001, minimumSize: 40).assign(Self.input(count: 500, classes: 10), hospitals: 10, generator: &generator).hospitals
        }
        #expect(throws: PartitionError.self) {
            try DirichletPartitioner(alpha: 1, minimumSize: 60).assign(Self.input(count: 500, classes: 10), hospitals: 10, generator: &generator).hospitals
        }
        #expect(clock.now - start < .seconds(1))
    }

    @Test func pathologicalHospitalsHoldKClasses() throws {
        var generator = SeededGenerator(seed: 5)
        let input = Self.input(count: 600, classes: 10)
        let hospitals = try PathologicalPartitioner(classesPerHospital: 2).assign(input, hospitals: 6, generator: &generator).hospitals
        for units in hospitals { #expect(Set(units.map { input.units[$0].label }).count == 2) }
        #expect(throws: PartitionError.self) {
            try PathologicalPartitioner(classesPerHospital: 11).assign(input, hospitals: 6, generator: &generator).hospitals
        }
        #expect(throws: PartitionError.self) {
            try PathologicalPartitioner(classesPerHospital: 1).assign(input, hospitals: 6, generator: &generator).hospitals
        }
    }

    @Test func naturalFollowsSites() throws {
        var generator = SeededGenerator(seed: 0)
        let input = Self.input(count: 90, classes: 3, sites: 3)
        let hospitals = try NaturalPartitioner().assign(input, hospitals: 3, generator: &generator).hospitals
        for (h, units) in hospitals.enumerated() { #expect(units.allSatisfy { input.units[$0].site == h }) }
        #expect(throws: PartitionError.self) { try NaturalPartitioner().assign(input, hospitals: 4, generator: &generator).hospitals }
    }

    @Test func gammaDrawsHaveTheirMean() {
        var generator = SeededGenerator(seed: 9)
        for shape in [0.1, 0.5, 1.0, 3.0] {
            let n = 20000
            let mean = (0..<n).map { _ in Dirichlet.gamma(shape, &generator) }.reduce(0, +) / Double(n)
            // Gamma(k, 1) has mean k and variance k: 5 standard errors.
            #expect(abs(mean - shape) < 5 * (shape / Double(n)).squareRoot(), "shape \(shape): mean \(mean)")
        }
    }

    @Test func distancesMatchHandComputedValues() {
        let p = [1.0, 0.0], q = [0.5, 0.5]
        #expect(abs(PartitionStatistics.totalVariation(p, q) - 0.5) < 1e-12)
        // √(½((1 − √½)² + (√½)²)) = √(1 − √½) = 0.541196…
        #expect(abs(PartitionStatistics.hellinger(p, q) - (1 - 0.5.squareRoot()).squareRoot()) < 1e-12)
        // m = (¾, ¼): ½·log2(4/3) + ½·(½·log2(2/3) + ½·log2 2) = 0.311278…; distance = √ of it.
        let js = 0.5 * log2(4.0 / 3.0) + 0.5 * (0.5 * log2(2.0 / 3.0) + 0.5)
        #expect(abs(PartitionStatistics.jensenShannon(p, q) - js.squareRoot()) < 1e-12)
        #expect(PartitionStatistics.jensenShannon(q, q) == 0)
    }

    @Test func shardsGiveEachHospitalFewClasses() throws {
        var generator = SeededGenerator(seed: 2)
        let input = Self.input(count: 1000, classes: 10)
        let hospitals = try ShardPartitioner(shardsPerHospital: 2).assign(input, hospitals: 10, generator: &generator).hospitals
        // 20 shards of 50 over classes of 100 units: each shard holds one class, a hospital at most two.
        for units in hospitals {
            #expect(units.count == 100)
            #expect(Set(units.map { input.units[$0].label }).count <= 2)
        }
        #expect(throws: PartitionError.self) { try ShardPartitioner(shardsPerHospital: 200).assign(input, hospitals: 10, generator: &generator).hospitals }
    }

    @Test func sizeProfilesFollowTheirWeights() throws {
        var generator = SeededGenerator(seed: 2)
        let input = Self.input(count: 1000, classes: 3)
        // Linear over 4 hospitals: 1 unit each, then 996 · (1, 2, 3, 4)/10 = 99.6, 199.2, 298.8, 398.4 →
        // rounded down 99, 199, 298, 398 (+1 each); the 2 left go to the largest remainders, 0.8 (third)
        // and 0.6 (first).
        let linear = try SizePartitioner(profile: .linear).assign(input, hospitals: 4, generator: &generator).hospitals.map(\.count)
        #expect(linear == [101, 200, 300, 399])
        let explicit = try SizePartitioner(profile: .explicit([1, 1, 2])).assign(input, hospitals: 3, generator: &generator).hospitals.map(\.count)
        #expect(explicit == [250, 250, 500])
        let exponential = try SizePartitioner(profile: .exponential).assign(input, hospitals: 3, generator: &generator).hospitals.map(\.count)
        #expect(exponential[2] > 9 * exponential[0])
        #expect(throws: PartitionError.self) { try SizePartitioner(profile: .explicit([1, 2])).assign(input, hospitals: 3, generator: &generator).hospitals }
    }
}
