import Datasets
import PropertyBased
import Testing

@testable import Partitioning

/// Properties every scheme keeps on random inputs: each unit in exactly one hospital or dropped with a
/// reason, the number of hospitals asked for, the scheme's own size or class constraint, patients whole
/// through the plan, the same seed giving the same plan, and infeasible requests refused quickly.
@Suite struct PartitionPropertyTests {
    /// A random population: `units` patients of 1…4 samples each (sample indices consecutive), labels
    /// in 0..<classes (a few unlabelled), sites in 0..<sites (a few missing) — all from `seed`.
    static func population(units: Int, classes: Int, sites: Int, seed: UInt64) -> PartitionInput {
        var generator = SeededGenerator(seed: seed)
        var next = 0
        let list = (0..<units).map { _ in
            let size = 1 + Int(generator.next() % 4)
            defer { next += size }
            let label = generator.next() % 20 == 0 ? -1 : Int(generator.next() % UInt64(classes))
            let site: Int? = sites == 0 || generator.next() % 25 == 0 ? nil : Int(generator.next() % UInt64(sites))
            return PartitionInput.Unit(samples: Array(next..<next + size), label: label, site: site)
        }
        return PartitionInput(units: list, classCount: classes, siteCount: sites, grouped: true)
    }

    /// The schemes, with parameters derived from `knob` (0…99).
    static func partitioner(_ scheme: Int, knob: Int, input: PartitionInput, hospitals: Int) -> any Partitioner {
        let unitOf = input.units.enumerated().flatMap { u, unit in unit.samples.map { _ in u } }
        switch scheme {
        case 0: return IIDPartitioner()
        case 1: return DirichletPartitioner(alpha: 0.05 + Double(knob) / 20, minimumSize: knob % 4, selfBalancing: knob % 2 == 0)
        case 2: return InnerDirichletPartitioner(alpha: 0.05 + Double(knob) / 20, sizes: knob % 2 == 0 ? nil : .exponential)
        case 3:
            let modes = PathologicalPartitioner.ClassAssignment.allCases
            return PathologicalPartitioner(classesPerHospital: 1 + knob % 3, classAssignment: modes[knob % modes.count])
        case 4: return ShardPartitioner(shardsPerHospital: knob % 3 == 0 ? nil : 1 + knob % 2, shardSize: knob % 3 == 1 ? nil : 1 + knob % 5)
        case 5: return SizePartitioner(profile: [.linear, .square, .exponential][knob % 3])
        case 6:
            let modes = NaturalPartitioner.Remainder.allCases
            return NaturalPartitioner(sitesPerHospital: 1 + knob % 3, remainder: modes[knob % modes.count])
        case 7:
            // A feature that depends on the unit, missing for every tenth unit.
            let values = unitOf.map { $0 % 10 == 9 ? Double.nan : Double(($0 * 7919) % 101) }
            return ContinuousPartitioner(values: values, feature: "f", strictness: Double(knob % 11) / 10)
        case 8: return AcquisitionPartitioner(strictness: Double(knob % 11) / 10)
        default:
            // A sparse random matrix: about a third of the cells zero.
            var generator = SeededGenerator(seed: UInt64(knob))
            let weights = (0..<hospitals).map { _ in
                (0..<input.classCount).map { _ in generator.next() % 3 == 0 ? 0 : Double(1 + generator.next() % 9) }
            }
            return DistributionPartitioner(weights: weights, preassigned: knob % 3)
        }
    }

    static let schemeCount = 10

    @Test func everySchemeCoversDisjointlyAndRepeats() async {
        var feasible = 0
        await propertyCheck(
            count: 300, input: Gen.int(in: 0..<Self.schemeCount), Gen.int(in: 1...120), Gen.int(in: 1...12), Gen.int(in: 0...99),
            Gen.int(in: 0...Int(Int32.max))
        ) { scheme, units, hospitals, knob, seed in
            let input = Self.population(units: units, classes: 1 + knob % 6, sites: knob % 5, seed: UInt64(seed))
            let partitioner = Self.partitioner(scheme, knob: knob, input: input, hospitals: hospitals)
            let count = (try? partitioner.hospitalCount(for: input)) ?? nil
            let wanted = count ?? hospitals
            var first = SeededGenerator(seed: UInt64(seed)), second = SeededGenerator(seed: UInt64(seed))
            let clock = ContinuousClock()
            let started = clock.now
            let result = Result { () throws(PartitionError) -> Assignment in try partitioner.assign(input, hospitals: wanted, generator: &first) }
            // Feasible or not, the answer comes fast (no endless redrawing).
            #expect(clock.now - started < .seconds(1))
            guard case .success(let assignment) = result else { return }
            feasible += 1
            #expect(assignment.hospitals.count == wanted)
            let placed = assignment.hospitals.flatMap { $0 } + assignment.dropped.map(\.unit)
            #expect(placed.sorted() == Array(input.units.indices), "\(partitioner.scheme) \(partitioner.parameters)")
            #expect(assignment.dropped.allSatisfy { !$0.reason.isEmpty })
            #expect((try? partitioner.assign(input, hospitals: wanted, generator: &second)) == assignment)
            Self.expectSchemeConstraint(partitioner, input: input, assignment: assignment)
        }
        // Most random cases are feasible, so the properties above were really exercised.
        #expect(feasible > 150)
    }

    /// What each scheme promises beyond coverage.
    static func expectSchemeConstraint(_ partitioner: any Partitioner, input: PartitionInput, assignment: Assignment) {
        let sizes = assignment.hospitals.map(\.count)
        switch partitioner {
        case is IIDPartitioner:
            #expect(sizes.max()! - sizes.min()! <= 1)
        case let dirichlet as DirichletPartitioner:
            #expect(sizes.min()! >= dirichlet.minimumSize)
        case let inner as InnerDirichletPartitioner:
            let weights = try! SizePartitioner(profile: inner.sizes ?? .explicit([Double](repeating: 1, count: sizes.count))).weights(sizes.count)
            #expect(sizes == SizePartitioner.counts(weights: weights, total: input.units.count))
        case let pathological as PathologicalPartitioner:
            for units in assignment.hospitals {
                let classes = Set(units.map { input.units[$0].label }.filter { $0 >= 0 })
                #expect(classes.count <= pathological.classesPerHospital)
            }
        case let shards as ShardPartitioner:
            if let size = shards.shardSize, !shards.keepIncompleteShard { #expect(sizes.allSatisfy { $0 % size == 0 && $0 > 0 }) }
            #expect(Set(sizes).count == 1 || shards.shardSize == nil || shards.keepIncompleteShard)
        case is SizePartitioner:
            #expect(sizes.allSatisfy { $0 >= 1 })
        case let natural as NaturalPartitioner:
            // A site's units are all in one hospital.
            var hospitalOfSite: [Int: Int] = [:]
            for (h, units) in assignment.hospitals.enumerated() {
                for site in units.compactMap({ input.units[$0].site }) {
                    #expect(hospitalOfSite[site, default: h] == h)
                    hospitalOfSite[site] = h
                }
                #expect(Set(units.compactMap { input.units[$0].site }).count <= natural.sitesPerHospital * 2)
            }
        case let distribution as DistributionPartitioner:
            // A hospital holds no unit of a class it has no weight for.
            for (h, units) in assignment.hospitals.enumerated() {
                #expect(units.allSatisfy { distribution.weights[h][input.units[$0].label] > 0 })
            }
        case let acquisition as AcquisitionPartitioner where acquisition.strictness == 1:
            // Units with a site only go to a hospital holding that site.
            let h = assignment.hospitals.count
            for (hospital, units) in assignment.hospitals.enumerated() {
                for site in units.compactMap({ input.units[$0].site }) {
                    let siteCount = input.siteCount
                    #expect(h >= siteCount ? hospital % siteCount == site : site % h == hospital)
                }
            }
        default: break
        }
    }

    @Test func plansKeepPatientsWholeAndLocalSplitsDisjoint() async {
        var built = 0
        await propertyCheck(
            count: 100, input: Gen.int(in: 0..<Self.schemeCount), Gen.int(in: 10...150), Gen.int(in: 1...6), Gen.int(in: 0...99),
            Gen.int(in: 0...Int(Int32.max))
        ) { scheme, units, hospitals, knob, seed in
            let input = Self.population(units: units, classes: 1 + knob % 6, sites: knob % 5, seed: UInt64(seed))
            let partitioner = Self.partitioner(scheme, knob: knob, input: input, hospitals: hospitals)
            let total = input.sampleCount
            let globalTest = Array(total..<total + 5)
            let build = { () throws(PartitionError) -> PartitionPlan in
                try PlanBuilder.build(
                    input: input, partitioner: partitioner, hospitals: (try? partitioner.hospitalCount(for: input)) ?? hospitals,
                    seed: UInt64(seed), store: .init(path: "generated", fingerprint: "f", count: total + 5), globalTest: globalTest,
                    allowEmpty: true)
            }
            guard let plan = try? build() else { return }
            built += 1
            #expect((try? build()) == plan)
            #expect(plan.globalTest == globalTest)
            // Every sample held once or dropped once.
            let held = plan.hospitals.flatMap { $0.train + $0.val + $0.test }
            #expect((held + plan.dropped.flatMap(\.samples)).sorted() == Array(0..<total))
            // A patient's samples share one hospital and one local split.
            var place: [Int: String] = [:]
            for hospital in plan.hospitals {
                for (name, split) in [("train", hospital.train), ("val", hospital.val), ("test", hospital.test)] {
                    for sample in split { place[sample] = hospital.id + name }
                }
            }
            for unit in input.units {
                #expect(Set(unit.samples.map { place[$0] ?? "dropped" }).count == 1)
            }
        }
        #expect(built > 50)
    }
}
