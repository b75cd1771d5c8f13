import Datasets
import Testing
import TestSupport

@testable import Partitioning

/// Hand-checked small cases of the schemes added after the first six, and the dropped-sample accounting.
@Suite struct SchemeTests {
    typealias Unit = PartitionInput.Unit

    /// Every unit is in exactly one hospital or dropped exactly once.
    static func expectPartition(_ assignment: Assignment, units: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let all = assignment.hospitals.flatMap { $0 } + assignment.dropped.map(\.unit)
        #expect(all.sorted() == Array(0..<units), sourceLocation: sourceLocation)
    }

    @Test func innerDirichletMeetsTheGivenSizesExactly() throws {
        // 100 units, sizes 1:2:3:4 → one each, then 96 × w/10 = 9.6, 19.2, 28.8, 38.4 rounded down
        // (10, 20, 29, 39 = 98) and the two largest remainders (.8 → h2, .6 → h0): 11, 20, 30, 39.
        let input = PartitionerTests.input(count: 100, classes: 5)
        var generator = SeededGenerator(seed: 1)
        let assignment = try InnerDirichletPartitioner(alpha: 0.5, sizes: .explicit([1, 2, 3, 4])).assign(input, hospitals: 4, generator: &generator)
        #expect(assignment.hospitals.map(\.count) == [11, 20, 30, 39])
        Self.expectPartition(assignment, units: 100)
        // Equal sizes when none are given: 103 units over 4 → 26, 26, 26, 25.
        var again = SeededGenerator(seed: 1)
        let equal = try InnerDirichletPartitioner(alpha: 0.5).assign(PartitionerTests.input(count: 103, classes: 5), hospitals: 4, generator: &again)
        #expect(equal.hospitals.map(\.count) == [26, 26, 26, 25])
    }

    @Test func innerDirichletSkewsLabelsByAlpha() throws {
        let input = PartitionerTests.input(count: 2000, classes: 10)
        func meanClassesHeld(_ alpha: Double) throws -> Double {
            var generator = SeededGenerator(seed: 5)
            let hospitals = try InnerDirichletPartitioner(alpha: alpha).assign(input, hospitals: 10, generator: &generator).hospitals
            return Double(hospitals.map { Set($0.map { input.units[$0].label }).count }.reduce(0, +)) / 10
        }
        // α = 100: every hospital sees all 10 classes; α = 0.01: priors put almost everything on one or
        // two classes, but exhausted classes push later picks elsewhere, so a few more appear.
        #expect(try meanClassesHeld(100) == 10)
        #expect(try meanClassesHeld(0.01) < 6)
    }

    @Test func groupedNaturalHandlesTheRemainderFourWays() throws {
        // 7 sites, 3 per hospital; each of 70 units sits at unit % 7.
        let input = PartitionerTests.input(count: 70, classes: 2, sites: 7)
        func sitesPerHospital(_ remainder: NaturalPartitioner.Remainder) throws -> (sites: [[Int]], dropped: [Int]) {
            let partitioner = NaturalPartitioner(sitesPerHospital: 3, remainder: remainder)
            let hospitals = try #require(try partitioner.hospitalCount(for: input))
            var generator = SeededGenerator(seed: 0)
            let assignment = try partitioner.assign(input, hospitals: hospitals, generator: &generator)
            Self.expectPartition(assignment, units: 70)
            return (assignment.hospitals.map { Set($0.map { input.units[$0].site! }).sorted() }, assignment.dropped.map(\.unit))
        }
        #expect(try sitesPerHospital(.allowSmaller).sites == [[0, 1, 2], [3, 4, 5], [6]])
        #expect(try sitesPerHospital(.allowBigger).sites == [[0, 1, 2], [3, 4, 5, 6]])
        let dropped = try sitesPerHospital(.drop)
        #expect(dropped.sites == [[0, 1, 2], [3, 4, 5]])
        #expect(dropped.dropped.sorted() == stride(from: 6, to: 70, by: 7).map { $0 })
        #expect(throws: PartitionError.self) { try sitesPerHospital(.strict) }
        // A wrong --hospitals names the number that would work.
        var generator = SeededGenerator(seed: 0)
        #expect {
            try NaturalPartitioner(sitesPerHospital: 3).assign(input, hospitals: 2, generator: &generator)
        } throws: { ($0 as? PartitionError)?.message.contains("must be 3") == true }
    }

    @Test func naturalDropsUnitsWithoutASite() throws {
        let units = [Unit(samples: [0], label: 0, site: 0), Unit(samples: [1], label: 0, site: nil), Unit(samples: [2], label: 1, site: 1)]
        var generator = SeededGenerator(seed: 0)
        let assignment = try NaturalPartitioner().assign(PartitionInput(units: units, classCount: 2, siteCount: 2), hospitals: 2, generator: &generator)
        #expect(assignment.hospitals == [[0], [2]])
        #expect(assignment.dropped == [.init(unit: 1, reason: "natural: no site recorded")])
    }

    @Test func continuousStrictnessOneCutsSortedBlocks() throws {
        // Values descend with the unit index, so the lowest values are the last units.
        let input = PartitionerTests.input(count: 10, classes: 2)
        let values = (0..<10).map { Double(100 - $0) }
        var generator = SeededGenerator(seed: 0)
        let assignment = try ContinuousPartitioner(values: values, feature: "v").assign(input, hospitals: 3, generator: &generator)
        #expect(assignment.hospitals == [[9, 8, 7, 6], [5, 4, 3], [2, 1, 0]])
    }

    @Test func continuousStrictnessZeroIgnoresTheFeatureAndNaNIsDropped() throws {
        let count = 3000
        var values = (0..<count).map(Double.init)
        values[17] = .nan
        let input = PartitionerTests.input(count: count, classes: 2)
        var generator = SeededGenerator(seed: 2)
        let assignment = try ContinuousPartitioner(values: values, feature: "v", strictness: 0).assign(input, hospitals: 3, generator: &generator)
        Self.expectPartition(assignment, units: count)
        #expect(assignment.dropped == [.init(unit: 17, reason: "continuous: no value of v")])
        // Pure noise: each hospital's mean value is near the overall mean (1500 ± a few standard errors,
        // sd 866/√1000 ≈ 27), where strictness 1 would give about 500, 1500, 2500.
        for units in assignment.hospitals {
            let mean = units.map { values[$0] }.reduce(0, +) / Double(units.count)
            #expect(abs(mean - 1500) < 150)
        }
        // A constant feature cannot order anything.
        #expect(throws: PartitionError.self) {
            try ContinuousPartitioner(values: [Double](repeating: 1, count: count), feature: "v").assign(input, hospitals: 3, generator: &generator)
        }
    }

    @Test func continuousUnitsTakeTheMeanOfTheirSamples() throws {
        // Patient 0: samples 0, 1 (values 10, 30 → 20); patient 1: sample 2 (value 15); patient 2: sample 3 (NaN) and 4 (5).
        let units = [Unit(samples: [0, 1], label: 0, site: nil), Unit(samples: [2], label: 0, site: nil), Unit(samples: [3, 4], label: 0, site: nil)]
        var generator = SeededGenerator(seed: 0)
        let assignment = try ContinuousPartitioner(values: [10, 30, 15, .nan, 5], feature: "v")
            .assign(PartitionInput(units: units, classCount: 1, grouped: true), hospitals: 3, generator: &generator)
        #expect(assignment.hospitals == [[2], [1], [0]])
    }

    @Test func acquisitionFollowsSitesAndMixesByStrictness() throws {
        let input = PartitionerTests.input(count: 400, classes: 2, sites: 4)
        // Strictness 1, as many hospitals as sites: the natural split.
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let strict = try AcquisitionPartitioner().assign(input, hospitals: 4, generator: &a)
        let natural = try NaturalPartitioner().assign(input, hospitals: 4, generator: &b)
        #expect(strict.hospitals.map { $0.sorted() } == natural.hospitals.map { $0.sorted() })
        // More hospitals than sites: hospital h only sees site h mod 4, and the two holders of a site share it evenly.
        var c = SeededGenerator(seed: 3)
        let shared = try AcquisitionPartitioner().assign(input, hospitals: 8, generator: &c)
        for (h, units) in shared.hospitals.enumerated() {
            #expect(Set(units.map { input.units[$0].site! }) == [h % 4])
            #expect(units.count == 50)
        }
        // Fewer hospitals than sites: site s goes to hospital s mod 3.
        var d = SeededGenerator(seed: 3)
        let fewer = try AcquisitionPartitioner().assign(input, hospitals: 3, generator: &d)
        #expect(fewer.hospitals.map { Set($0.map { input.units[$0].site! }) } == [[0, 3], [1], [2]])
        // Strictness 0.5: about half of each hospital's units come from elsewhere (expected share from its
        // own site 0.5 + 0.5/4 = 0.625).
        var e = SeededGenerator(seed: 3)
        let mixed = try AcquisitionPartitioner(strictness: 0.5).assign(PartitionerTests.input(count: 8000, classes: 2, sites: 4), hospitals: 4, generator: &e)
        Self.expectPartition(mixed, units: 8000)
        for (h, units) in mixed.hospitals.enumerated() {
            let own = Double(units.filter { $0 % 4 == h }.count) / Double(units.count)
            #expect(abs(own - 0.625) < 0.04)
        }
    }

    @Test func pathologicalClassAssignmentModes() throws {
        let input = PartitionerTests.input(count: 600, classes: 6)
        func held(_ mode: PathologicalPartitioner.ClassAssignment, hospitals: Int) throws -> (classes: [Set<Int>], dropped: Int) {
            var generator = SeededGenerator(seed: 9)
            let assignment = try PathologicalPartitioner(classesPerHospital: 2, classAssignment: mode).assign(input, hospitals: hospitals, generator: &generator)
            Self.expectPartition(assignment, units: 600)
            return (assignment.hospitals.map { Set($0.map { input.units[$0].label }) }, assignment.dropped.count)
        }
        #expect(try held(.deterministic, hospitals: 4).classes == [[0, 1], [1, 2], [2, 3], [3, 4]])
        // Deterministic with 4 hospitals leaves class 5 unheld: its 100 units are dropped.
        #expect(try held(.deterministic, hospitals: 4).dropped == 100)
        #expect(try held(.balanced, hospitals: 3).classes.allSatisfy { $0.count == 2 })
        let first = try held(.firstDeterministic, hospitals: 6)
        for (h, classes) in first.classes.enumerated() {
            #expect(classes.contains(h))
            #expect(classes.count == 2)
        }
        // Random with 2 hospitals holds 4 of 6 classes at most: the other classes' 100-unit groups are dropped.
        let random = try held(.random, hospitals: 2)
        let heldClasses = random.classes.reduce(Set<Int>()) { $0.union($1) }
        #expect(random.dropped == 100 * (6 - heldClasses.count))
        #expect(throws: PartitionError.self) { try held(.balanced, hospitals: 2) }
    }

    @Test func shardsBySizeDropWhatDoesNotFill() throws {
        // 95 units, shards of 10: 9 whole shards (5 units in none); 4 hospitals get 2 each, one shard is left.
        let input = PartitionerTests.input(count: 95, classes: 5)
        var generator = SeededGenerator(seed: 4)
        let bySize = try ShardPartitioner(shardsPerHospital: nil, shardSize: 10).assign(input, hospitals: 4, generator: &generator)
        Self.expectPartition(bySize, units: 95)
        #expect(bySize.hospitals.map(\.count) == [20, 20, 20, 20])
        #expect(bySize.dropped.count == 15)
        // Both given: 3 hospitals × 2 shards × 10 = 60 units dealt, 35 dropped.
        let both = try ShardPartitioner(shardsPerHospital: 2, shardSize: 10).assign(input, hospitals: 3, generator: &generator)
        #expect(both.hospitals.map(\.count) == [20, 20, 20])
        #expect(both.dropped.count == 35)
        // Keeping the incomplete shard: 10 shards (the last of 5), 2 per hospital, 2 shards left over.
        let keep = try ShardPartitioner(shardsPerHospital: nil, shardSize: 10, keepIncompleteShard: true).assign(input, hospitals: 4, generator: &generator)
        Self.expectPartition(keep, units: 95)
        #expect(keep.hospitals.allSatisfy { $0.count == 20 || $0.count == 15 })
        #expect(throws: PartitionError.self) {
            try ShardPartitioner(shardsPerHospital: nil, shardSize: 40).assign(input, hospitals: 4, generator: &generator)
        }
    }

    @Test func distributionDealsEachClassByItsColumn() throws {
        // 40 units of class 0, 40 of class 1, 3 unlabelled.
        var units = (0..<80).map { Unit(samples: [$0], label: $0 % 2, site: nil) }
        units += (80..<83).map { Unit(samples: [$0], label: -1, site: nil) }
        let input = PartitionInput(units: units, classCount: 3)
        let weights: [[Double]] = [[1, 0, 0], [1, 1, 0], [2, 3, 0]]
        func counts(_ preassigned: Int) throws -> (perClass: [[Int]], dropped: [String: Int]) {
            var generator = SeededGenerator(seed: 8)
            let assignment = try DistributionPartitioner(weights: weights, preassigned: preassigned).assign(input, hospitals: 3, generator: &generator)
            Self.expectPartition(assignment, units: 83)
            var dropped: [String: Int] = [:]
            for d in assignment.dropped { dropped[d.reason, default: 0] += 1 }
            return (assignment.hospitals.map { held in (0..<2).map { c in held.filter { units[$0].label == c }.count } }, dropped)
        }
        // Class 0 by 1:1:2 → 10, 10, 20; class 1 by 0:1:3 → 0, 10, 30. Class 2 has no units; the 3 unlabelled are dropped.
        let plain = try counts(0)
        #expect(plain.perClass == [[10, 0], [10, 10], [20, 30]])
        #expect(plain.dropped == ["distribution: no class": 3])
        // Preassigned 5: class 0: 5 each, 25 more as 6.25, 6.25, 12.5 → 11, 11, 17, and the largest
        // remainder (h2) takes the last: 11, 11, 18. Class 1: 5 each to h1 and h2, 30 more as 7.5, 22.5
        // → 12, 27, and the tie goes to the lower hospital: 13, 27.
        #expect(try counts(5).perClass == [[11, 0], [11, 13], [18, 27]])
        // Too many preassigned for a class: refused with the reason.
        #expect(throws: PartitionError.self) { try counts(15) }
    }

    @Test func distributionMatrixIsReadByClassName() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("m.csv")
        try writeFile(Array("hospital,benign,malignant\nA,3,1\nB,0,2\n".utf8), to: path)
        #expect(try DistributionPartitioner.matrix(csv: path, classes: ["malignant", "benign", "other"]) == [[1, 3, 0], [2, 0, 0]])
        try writeFile(Array("benign,unknown\n1,2\n".utf8), to: path)
        #expect(throws: PartitionError.self) { try DistributionPartitioner.matrix(csv: path, classes: ["benign"]) }
        try writeFile(Array("benign\n-1\n".utf8), to: path)
        #expect(throws: PartitionError.self) { try DistributionPartitioner.matrix(csv: path, classes: ["benign"]) }
    }
}
