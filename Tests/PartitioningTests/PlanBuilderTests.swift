import Datasets
import Foundation
import Imaging
import Testing
import TestSupport

@testable import Partitioning

/// Plans on a real store: patients whole, disjoint and complete coverage, the global test set apart.
@Suite struct PlanBuilderTests {
    /// A store of 60 patients × 3 gray PNGs, 4 classes (by patient), 3 sites.
    static func store(_ directory: TemporaryDirectory) throws -> DatasetStore {
        let root = directory.file("src")
        var manifest = "path,label,patient,site\n"
        for p in 0..<60 {
            for i in 0..<3 {
                let path = "img/p\(p)_\(i).png"
                try FileManager.default.createDirectory(atPath: root + "/img", withIntermediateDirectories: true)
                try writeFile(try PNGWriter.encode([UInt8](repeating: UInt8(p), count: 16), width: 4, height: 4, channels: 1), to: root + "/" + path)
                manifest += "\(path),c\(p % 4),P\(p),S\(p % 3)\n"
            }
        }
        try writeFile(Array(manifest.utf8), to: root + "/labels.csv")
        let source = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        _ = try Ingest.run(source, to: directory.file("store"), options: IngestOptions(preprocessing: PreprocessSettings(size: 2)))
        return try DatasetStore(path: directory.file("store"))
    }

    @Test(arguments: ["iid", "dirichlet", "pathological", "natural"])
    func plansKeepPatientsWholeAndCoverTheTrainingPool(scheme: String) throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        let partitioner: any Partitioner = switch scheme {
        case "iid": IIDPartitioner()
        case "dirichlet": DirichletPartitioner(alpha: 1, minimumSize: 3)
        case "pathological": PathologicalPartitioner(classesPerHospital: 2)
        default: NaturalPartitioner()
        }
        let plan = try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4)
        #expect(plan.grouping == "patient")
        #expect(plan.globalTest == store.indices(of: .test))
        let assigned = plan.hospitals.flatMap { $0.train + $0.val + $0.test }
        #expect(assigned.sorted() == (0..<store.count).filter { store.split($0) != .test })
        var hospitalOfPatient: [Int: String] = [:]
        for hospital in plan.hospitals {
            #expect(!hospital.train.isEmpty)
            for index in hospital.train + hospital.val + hospital.test {
                let patient = store.patient(index)!
                if let known = hospitalOfPatient[patient] { #expect(known == hospital.id) }
                hospitalOfPatient[patient] = hospital.id
            }
        }
        // Same seed, same plan; the plan survives a JSON round trip.
        #expect(try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4) == plan)
        let decoded = try JSONDecoder().decode(PartitionPlan.self, from: JSONEncoder().encode(plan))
        #expect(decoded == plan)
        let statistics = PartitionStatistics(plan: plan, store: store)
        #expect(statistics.hospitals.map(\.samples).reduce(0, +) == assigned.count)
        #expect(statistics.hospitals.allSatisfy { $0.patients * 3 == $0.samples })
    }

    /// An audit reserve is whole patients of its hospital, about the share asked, out of every local split;
    /// the other hospitals and the plan without a reserve are untouched.
    @Test func anAuditReserveSetsAsideWholePatientsOfItsHospitalOnly() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        let partitioner = DirichletPartitioner(alpha: 1, minimumSize: 3)
        let plain = try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4)
        let plan = try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4, reserve: (hospital: 1, share: 0.3))
        #expect(plain.hospitals.allSatisfy { $0.reserve == nil })
        #expect(plan.hospitals[0] == plain.hospitals[0] && plan.hospitals[2] == plain.hospitals[2])
        let before = plain.hospitals[1], after = plan.hospitals[1]
        let reserve = try #require(after.reserve)
        let all = before.train + before.val + before.test
        // The hospital holds the same samples; the reserve is disjoint from its splits.
        #expect((after.train + after.val + after.test + reserve).sorted() == all.sorted())
        #expect(Set(reserve).isDisjoint(with: after.train + after.val + after.test))
        // Whole patients (3 samples each), the first that reach 30 % of the hospital's samples.
        #expect(reserve.count % 3 == 0)
        #expect(Double(reserve.count) >= 0.3 * Double(all.count) && Double(reserve.count - 3) < 0.3 * Double(all.count))
        let reservedPatients = Set(reserve.map { store.patient($0)! })
        #expect(reservedPatients.isDisjoint(with: (after.train + after.val + after.test).map { store.patient($0)! }))
        // Same seed, same reserve; a JSON round trip keeps it; an old plan without the field still reads.
        #expect(try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4, reserve: (1, 0.3)) == plan)
        #expect(try JSONDecoder().decode(PartitionPlan.self, from: JSONEncoder().encode(plan)) == plan)
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("reserve"))
        #expect { try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4, reserve: (3, 0.3)) } throws: {
            ($0 as? PartitionError)?.message.contains("not among the 3 hospitals") == true
        }
        // A reserve that leaves its hospital below the minimum size is named in the refusal.
        #expect { try PlanBuilder.build(store: store, partitioner: partitioner, hospitals: 3, seed: 4, minimumSize: 30, reserve: (1, 0.9)) } throws: {
            let message = ($0 as? PartitionError)?.message ?? ""
            return message.contains("after its audit reserve of") && message.contains("a smaller audit reserve")
        }
    }

    @Test func hospitalsBelowTheMinimumSizeAreRefusedUnlessAllowed() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        // 180 samples, 20 % of them in the store's test split: 144 or so spread over 3 hospitals, ~48 each.
        #expect {
            try PlanBuilder.build(store: store, partitioner: IIDPartitioner(), hospitals: 3, seed: 0, minimumSize: 100)
        } throws: { ($0 as? PartitionError)?.message.contains("--allow-empty") == true }
        // Explicit sizes 1:1:100 leave the small hospitals one or two patients (3 or 6 samples) each:
        // refused at the default minimum of 10, accepted with allowEmpty.
        let skewed = SizePartitioner(profile: .explicit([1, 1, 100]))
        #expect(throws: PartitionError.self) { try PlanBuilder.build(store: store, partitioner: skewed, hospitals: 3, seed: 0) }
        let allowed = try PlanBuilder.build(store: store, partitioner: skewed, hospitals: 3, seed: 0, allowEmpty: true)
        #expect(allowed.hospitals.prefix(2).allSatisfy { [3, 6].contains($0.train.count + $0.val.count + $0.test.count) })
    }

    @Test func droppedSamplesAreListedWithTheirReason() throws {
        let directory = TemporaryDirectory()
        let store = try Self.store(directory)
        // 3 sites, 2 per hospital, remainder dropped: site S2's patients (every third) are listed.
        let plan = try PlanBuilder.build(
            store: store, partitioner: NaturalPartitioner(sitesPerHospital: 2, remainder: .drop), hospitals: nil, seed: 1)
        #expect(plan.hospitalCount == 1)
        #expect(plan.scheme == "grouped-natural")
        let pool = (0..<store.count).filter { store.split($0) != .test }
        let dropped = try #require(plan.dropped.first)
        #expect(plan.dropped.count == 1)
        #expect(dropped.reason.contains("remainder"))
        #expect(dropped.samples == pool.filter { store.site($0) == 2 })
        let held = plan.hospitals.flatMap { $0.train + $0.val + $0.test }
        #expect((held + dropped.samples).sorted() == pool)
        let statistics = PartitionStatistics(plan: plan, store: store)
        #expect(statistics.dropped == dropped.samples.count)
    }
}
