#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Auditing
import Datasets
import NeuralEngine
import Testing
import TestSupport
import Training

@testable import Experiments

/// RMIA on a pool's shadow models: the reference probabilities it picks by hand, and on the memorising
/// task of `ShadowModelsTests` against LiRA with eight times as many shadow models.
@Suite struct RMIAAttackTests {
    // MARK: By hand

    /// Four shadows, five examples of two classes; shadow m's logits on example j are [0, s] or [s, 0] with
    /// s = (m − 1.5)·(j + 1)/2 on the label's side, so p_y = σ(s) takes a different value per (m, j).
    static func handPool() -> ShadowPool {
        let settings = ShadowSettings(models: 4, seed: 9)
        let population = [10, 20, 30, 40, 50], labels = [0, 1, 0, 1, 0]
        let masks = ShadowPool.masks(settings, count: 5)
        let logits = (0..<4).map { m in
            (0..<5).flatMap { j -> [Float] in
                let s = Float(m) - 1.5 + Float(j + 1) / 2
                return labels[j] == 0 ? [s, 0] : [0, s]
            }
        }
        return ShadowPool(settings: settings, population: population, classes: 2, labels: labels, inMask: masks, logits: logits)
    }

    /// A query of `ids` whose logits put `p` on the label (labels as in `handPool`).
    static func query(ids: [Int], p: [Double]) -> AttackQuery {
        let labelOf = [10: 0, 20: 1, 30: 0, 40: 1, 50: 0]
        let logits = zip(ids, p).flatMap { id, p -> [Float] in
            let s = Float(log(p / (1 - p)))
            return labelOf[id]! == 0 ? [s, 0] : [0, s]
        }
        return AttackQuery(ids: ids, probabilities: ShadowPool.probabilities(logits: logits, classes: 2), logits: logits,
                           labels: ids.map { labelOf[$0]! }, classes: 2)
    }

    /// The attack's scores are `RMIA`'s on the probabilities of the right shadows: for each example (and each
    /// z) the shadows that had it OUT (offline) or all four (online), with p_y = e^(z_y)/(e^(z_0) + e^(z_1))
    /// computed here in Double.
    @Test(arguments: RMIAAttack.Variant.allCases)
    func attackUsesTheRightReferenceModels(variant: RMIAAttack.Variant) {
        let pool = Self.handPool()
        func probability(_ m: Int, _ j: Int) -> Double {
            let row = pool.logits[m][2 * j..<2 * j + 2].map(Double.init)
            let y = pool.labels[j]
            return exp(row[row.startIndex + y]) / (exp(row[row.startIndex]) + exp(row[row.startIndex + 1]))
        }
        let references = (0..<5).map { j in
            (0..<4).filter { variant == .online || !pool.inMask[$0][j] }.map { probability($0, j) }
        }
        #expect(references.allSatisfy { $0.count == (variant == .online ? 4 : 2) })
        let zIDs = [40, 50], zTarget = [0.3, 0.6]
        let attack = pool.rmia(variant, z: Self.query(ids: zIDs, p: zTarget))
        #expect(attack.name == "rmia_\(variant.rawValue)")
        let target = [0.95, 0.2, 0.7]
        let direct = variant == .online
            ? RMIA.onlineScores(target: target, references: Array(references[0..<3]), populationTarget: zTarget,
                                populationReferences: Array(references[3..<5]))
            : RMIA.offlineScores(target: target, outReferences: Array(references[0..<3]), populationTarget: zTarget,
                                 populationOutReferences: Array(references[3..<5]))
        let scores = attack.scores(Self.query(ids: [10, 20, 30], p: target))
        #expect(scores == direct)
        #expect(scores.allSatisfy { ($0 * 2).rounded() == $0 * 2 && (0...1).contains($0) })  // shares of |Z| = 2
        // Ids pick their own Pr(x), in any order and any subset.
        #expect(attack.scores(Self.query(ids: [30, 10], p: [0.7, 0.95])) == [direct[2], direct[0]])
        // The z may be listed in any order.
        #expect(pool.rmia(variant, z: Self.query(ids: [50, 40], p: [0.6, 0.3])).scores(Self.query(ids: [10, 20, 30], p: target)) == direct)
        // Decision: score > ½.
        #expect(attack.isMember(score: 1, label: 0) == true)
        #expect(attack.isMember(score: 0.5, label: 0) == false)
    }

    /// The offline a calibrated on the pool needs four shadows, and lies on the grid.
    @Test func calibrationNeedsFourShadows() throws {
        let pool = Self.handPool()
        let calibrated = try #require(pool.calibrateOfflineA(z: [40, 50]))
        #expect(RMIA.calibrationCandidates.contains(calibrated.a))
        let two = ShadowSettings(models: 2, seed: 9)
        let small = ShadowPool(settings: two, population: [10, 20], classes: 2, labels: [0, 1], inMask: ShadowPool.masks(two, count: 2),
                               logits: [[1, 0, 0, 1], [0, 1, 1, 0]])
        #expect(small.calibrateOfflineA(z: [20]) == nil)
    }

    // MARK: Unseen population samples

    /// `handPool` with two unseen samples, 60 (label 1) and 70 (label 0), OUT of all four shadows; shadow m's
    /// logit on the label's side is (m − 1.5)/2 − 1 and m/3 + 0.25.
    static func handPoolWithUnseen() -> ShadowPool {
        let hand = handPool()
        let unseenLabels = [1, 0]
        let unseenLogits: [[Float]] = (0..<4).map { (m: Int) -> [Float] in
            let first: Float = Float(m) / 2 - 1.75, second: Float = Float(m) / 3 + 0.25
            return [0, first, second, 0]  // label 1 for 60, label 0 for 70
        }
        return ShadowPool(settings: hand.settings, population: hand.population, classes: 2, labels: hand.labels, inMask: hand.inMask,
                          logits: hand.logits, unseen: [60, 70], unseenLabels: unseenLabels, unseenLogits: unseenLogits)
    }

    /// Unseen samples as z: each has all four shadows as OUT references (p_y computed here in Double), and the
    /// scores of population examples are `RMIA.offlineScores` on those; z may mix unseen and population
    /// samples; calibration takes unseen z as OUT of every shadow.
    @Test func unseenSamplesAreOutReferencesOfEveryShadow() throws {
        let pool = Self.handPoolWithUnseen()
        func probability(_ row: ArraySlice<Float>, _ y: Int) -> Double {
            let values = row.map(Double.init)
            return exp(values[y]) / (exp(values[0]) + exp(values[1]))
        }
        let references = (0..<5).map { j in
            (0..<4).filter { !pool.inMask[$0][j] }.map { probability(pool.logits[$0][2 * j..<2 * j + 2], pool.labels[j]) }
        }
        let unseenReferences = (0..<2).map { u in
            (0..<4).map { probability(pool.unseenLogits[$0][2 * u..<2 * u + 2], pool.unseenLabels[u]) }
        }
        func zQuery(ids: [Int], labels: [Int], p: [Double]) -> AttackQuery {
            let logits = zip(labels, p).flatMap { label, p -> [Float] in
                let s = Float(log(p / (1 - p)))
                return label == 0 ? [s, 0] : [0, s]
            }
            return AttackQuery(ids: ids, probabilities: ShadowPool.probabilities(logits: logits, classes: 2), logits: logits,
                               labels: labels, classes: 2)
        }
        let target = [0.95, 0.2, 0.7, 0.5, 0.9]
        let zTarget = [0.3, 0.6]
        let attack = pool.rmia(.offline, z: zQuery(ids: [60, 70], labels: [1, 0], p: zTarget))
        let direct = RMIA.offlineScores(target: target, outReferences: references, populationTarget: zTarget,
                                        populationOutReferences: unseenReferences)
        let scores = attack.scores(Self.query(ids: [10, 20, 30, 40, 50], p: target))
        #expect(scores.count == 5)
        for (a, b) in zip(scores, direct) { #expect(abs(a - b) < 1e-12) }
        // A mixed Z: an unseen sample and a population example.
        let mixed = pool.rmia(.offline, z: zQuery(ids: [70, 50], labels: [0, 0], p: [0.6, 0.4]))
        let mixedDirect = RMIA.offlineScores(target: Array(target[0..<4]), outReferences: Array(references[0..<4]), populationTarget: [0.6, 0.4],
                                             populationOutReferences: [unseenReferences[1], references[4]])
        for (a, b) in zip(mixed.scores(Self.query(ids: [10, 20, 30, 40], p: Array(target[0..<4]))), mixedDirect) { #expect(abs(a - b) < 1e-12) }
        // Calibration: every shadow poses as the target against both unseen z, on all five examples.
        let calibrated = try #require(pool.calibrateOfflineA(z: [60, 70]))
        #expect(RMIA.calibrationCandidates.contains(calibrated.a) && (0...1).contains(calibrated.auc))
    }

    /// A pool with unseen samples saves and loads them; loading expects exactly the unseen samples it was
    /// made with (none, as `medsilo evaluate` wrote pools before RMIA, is not these).
    @Test func unseenSamplesGoThroughTheFile() throws {
        let pool = Self.handPoolWithUnseen()
        let bytes = pool.encoded()
        let loaded = try ShadowPool.load(bytes, expecting: pool.settings, population: pool.population, unseen: [60, 70], classes: 2)
        #expect(loaded.unseen == [60, 70] && loaded.unseenLabels == pool.unseenLabels && loaded.unseenLogits == pool.unseenLogits)
        #expect(loaded.logits == pool.logits && loaded.inMask == pool.inMask && loaded.labels == pool.labels)
        func refusal(_ bytes: [UInt8], unseen: [Int]) -> String? {
            do {
                _ = try ShadowPool.load(bytes, expecting: pool.settings, population: pool.population, unseen: unseen, classes: 2)
                return nil
            } catch { return error.description }
        }
        #expect(refusal(bytes, unseen: []) == "the shadow file has outputs on 2 unseen samples, not the 0 expected")
        #expect(refusal(bytes, unseen: [60, 71]) == "the shadow file has outputs on other unseen samples, not the 2 expected")
        #expect(refusal(Self.handPool().encoded(), unseen: [60, 70]) == "the shadow file has outputs on 0 unseen samples, not the 2 expected")
        // Without unseen samples, the file holds what it held before they existed.
        let (arrays, metadata) = try Safetensors.decodeArrays(Self.handPool().encoded())
        #expect(Set(arrays.keys) == ["in_mask", "logits", "labels"] && metadata["unseen"] == nil)
    }

    /// On the memorising task (as below): shadows with 50 unseen samples have the same IN masks and, bit
    /// for bit, the same logits on the audited examples as shadows without (so LiRA's scores are the same);
    /// RMIA offline with those unseen samples as z and a calibrated on four shadows separates the target's
    /// members from its non-members, and sees nothing on a model that trained on none of them.
    @Test func unseenPopulationSamplesLeaveLiRAAloneAndExposeMembers() throws {
        let samples = ShadowModelsTests.randomTask(count: 170, seed: 21)
        let audited = Array(0..<100), z = Array(100..<150), base = Array(150..<170)
        let members = audited.filter { $0 % 2 == 0 }, nonMembers = audited.filter { $0 % 2 == 1 }
        let settings = ShadowSettings(models: 4, epochs: 60, batch: 16, learningRate: 0.01, optimizer: .adam, seed: 4)
        let (plain, withZ, target, untouched) = withEngineThreadsLocked {
            func pool(unseen: [Int]) -> ShadowPool {
                let pool = ShadowPool(settings: settings, population: audited, classes: 4, unseen: unseen)
                pool.train(makeModel: ShadowModelsTests.mlp, samples: samples, base: base, threads: 2)
                return pool
            }
            func trained(on indices: [Int], seed: UInt64) -> Sequential {
                ShadowModelsTests.trained(on: indices, samples: samples, settings: settings, seed: seed)
            }
            return (pool(unseen: []), pool(unseen: z), trained(on: base + members, seed: 99), trained(on: base, seed: 98))
        }
        #expect(withZ.inMask == plain.inMask && withZ.logits == plain.logits && withZ.labels == plain.labels)
        #expect(withZ.unseenLogits.count == 4 && withZ.unseenLogits.allSatisfy { $0.count == 50 * 4 })
        #expect(withZ.unseenLabels == z.map { samples.labels[$0] })
        let memberQuery = ShadowModelsTests.query(target, samples: samples, ids: members)
        let nonMemberQuery = ShadowModelsTests.query(target, samples: samples, ids: nonMembers)
        for variant in LiRAAttack.Variant.allCases {
            #expect(withZ.lira(variant).scores(memberQuery) == plain.lira(variant).scores(memberQuery))
        }
        let calibrated = try #require(withZ.calibrateOfflineA(z: z))
        let options = RMIA.Options(offlineA: calibrated.a)
        let exposed = withZ.rmia(.offline, z: ShadowModelsTests.query(target, samples: samples, ids: z), options: options)
            .figures(members: memberQuery, nonMembers: nonMemberQuery).figures
        let null = withZ.rmia(.offline, z: ShadowModelsTests.query(untouched, samples: samples, ids: z), options: options)
            .figures(members: ShadowModelsTests.query(untouched, samples: samples, ids: members),
                     nonMembers: ShadowModelsTests.query(untouched, samples: samples, ids: nonMembers)).figures
        print("RMIA offline with 50 unseen z and 4 shadows (calibrated a = \(calibrated.a), calibration AUC \(calibrated.auc)): \(exposed); null \(null)")
        #expect(try #require(exposed.auc) > 0.85)
        #expect(abs(try #require(null.auc) - 0.5) < 0.15)
    }

    // MARK: Signal

    /// The memorising task of `ShadowModelsTests.shadowAttacksSeeMemorisation` (16 random features, 4 random
    /// labels, the MLP 16 → 64 → 4, Adam, 60 epochs, batches of 16), with 50 extra samples as RMIA's
    /// population samples z: audited examples 0..<100 (the target trains on the even ones), z 100..<150
    /// (no target trains on them), base 150..<170 (every model trains on them). Every pool has the audited
    /// examples and z as its population, so every shadow trains on the base and half of those 150. Three
    /// draws of the task (seeds 21–23); training all the models takes about 2 s per seed in a debug build.
    ///
    /// Measured (AUC / TPR at FPR 1%, which with 50 non-members is TPR at FPR 0), seeds 21, 22, 23:
    ///
    ///     rmia_offline, 2 reference models (a = 0.3)   0.905 / 0.00   0.943 / 0.46   0.950 / 0.24
    ///     lira_offline, the same 2 shadows             0.894 / 0.14   0.858 / 0.14   0.903 / 0.36
    ///     lira_offline, 16 shadows                     0.982 / 0.50   0.923 / 0.30   0.983 / 0.82
    ///
    /// So at equal cost RMIA separates members better than LiRA (AUC, every seed), but with 2 reference
    /// models it does not reliably match LiRA with 16 here: it does on seed 22 only. Two reasons, both
    /// visible in the figures: on this task a model's p_y on an unseen example varies a lot from model to
    /// model (random labels), so one OUT model per example estimates Pr(x) poorly, where 8 OUT shadows give
    /// LiRA a good per-example fit; and RMIA's score is a share of only 50 z, so the strongest members tie
    /// at 1 and as soon as one non-member reaches 1 too, TPR at FPR 0 drops to 0 (seed 21). What is asserted
    /// is what holds on every seed: RMIA ≥ LiRA at equal cost on AUC, within 0.1 AUC of LiRA with 16
    /// shadows, a calibrated a near 0 (a memorised member has p_y ≈ 1, so Pr_IN ≈ 1: a·Pr_OUT + (1 − a)
    /// with a small a), and chance on a model that trained on none of the audited examples.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func rmiaWithTwoReferenceModelsAgainstLiRA(seed: UInt64) throws {
        let samples = ShadowModelsTests.randomTask(count: 170, seed: seed)
        let audited = Array(0..<100), z = Array(100..<150), base = Array(150..<170)
        let members = audited.filter { $0 % 2 == 0 }, nonMembers = audited.filter { $0 % 2 == 1 }
        let settings = ShadowSettings(models: 16, epochs: 60, batch: 16, learningRate: 0.01, optimizer: .adam, seed: 4)
        let clock = ContinuousClock()
        let start = clock.now
        let (sixteen, two, four, target, untouched) = withEngineThreadsLocked {
            func pool(models: Int) -> ShadowPool {
                var poolSettings = settings
                poolSettings.models = models
                let pool = ShadowPool(settings: poolSettings, population: audited + z, classes: 4)
                pool.train(makeModel: ShadowModelsTests.mlp, samples: samples, base: base, threads: 2)
                return pool
            }
            func trained(on indices: [Int], seed: UInt64) -> Sequential {
                ShadowModelsTests.trained(on: indices, samples: samples, settings: settings, seed: seed)
            }
            return (pool(models: 16), pool(models: 2), pool(models: 4), trained(on: base + members, seed: 99), trained(on: base, seed: 98))
        }
        let trainingTime = clock.now - start
        func figures(_ attack: any MembershipAttack, _ model: Sequential) -> AttackFigures {
            attack.figures(members: ShadowModelsTests.query(model, samples: samples, ids: members),
                           nonMembers: ShadowModelsTests.query(model, samples: samples, ids: nonMembers)).figures
        }
        func line(_ label: String, _ figures: AttackFigures) -> String {
            "  \(label): AUC \(figures.auc ?? .nan), TPR at 1% FPR \(figures.tprAt1PercentFPR ?? .nan)"
        }
        let zQuery = ShadowModelsTests.query(target, samples: samples, ids: z)
        let liraSixteen = figures(sixteen.lira(.offline), target)
        let liraTwo = figures(two.lira(.offline), target)
        let rmiaTwo = figures(two.rmia(.offline, z: zQuery), target)
        let rmiaOnlineTwo = figures(two.rmia(.online, z: zQuery), target)
        let calibrated = try #require(four.calibrateOfflineA(z: z))
        let rmiaFour = figures(four.rmia(.offline, z: zQuery, options: RMIA.Options(offlineA: calibrated.a)), target)
        let null = figures(two.rmia(.offline, z: ShadowModelsTests.query(untouched, samples: samples, ids: z)), untouched)
        print([
            "RMIA against LiRA on the memorising task, seed \(seed) (training \(trainingTime)):",
            line("lira_offline, 16 shadows", liraSixteen), line("lira_offline, 2 shadows", liraTwo),
            line("rmia_offline, 2 reference models, a = 0.3", rmiaTwo), line("rmia_online, 2 reference models", rmiaOnlineTwo),
            line("rmia_offline, 4 reference models, calibrated a = \(calibrated.a)", rmiaFour),
            line("rmia_offline on a model that trained on no audited example", null),
        ].joined(separator: "\n"))
        let rmiaAUC = try #require(rmiaTwo.auc)
        #expect(rmiaAUC >= (try #require(liraTwo.auc)))
        #expect(rmiaAUC >= (try #require(liraSixteen.auc)) - 0.1)
        #expect(rmiaAUC > 0.85)
        #expect(calibrated.a <= 0.2)
        #expect(abs(try #require(null.auc) - 0.5) < 0.15)
    }
}
