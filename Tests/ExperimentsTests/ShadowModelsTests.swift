import Auditing
import Datasets
import NeuralEngine
import Testing
import TestSupport
import Training

@testable import Experiments

/// Shadow models: balanced IN masks, training that does not depend on the thread count, files, and
/// LiRA and Shokri's attack built on them (by hand, and on a small task where a model memorises).
@Suite struct ShadowModelsTests {
    // MARK: Fixtures

    /// `count` items of 16 uniform values in [−1, 1) with uniformly random labels of 4 classes: nothing to
    /// learn but the samples themselves, so a model that fits them memorises.
    static func randomTask(count: Int, seed: UInt64) -> InMemorySamples {
        var generator = SeededGenerator(seed: seed)
        let values = (0..<(count * 16)).map { _ in Float(generator.nextUnit() * 2 - 1) }
        let labels = (0..<count).map { _ in Int(generator.next() % 4) }
        return InMemorySamples(itemShape: [16], values: values, labels: labels)
    }

    /// A small MLP 16 → 64 → 4 that can be copied per thread.
    static func mlp() -> Sequential {
        Sequential(name: "mlp", inputShape: [16]) { [("fc1", Linear(16, 64)), ("relu", ReLU()), ("fc2", Linear(64, 4))] }
    }

    /// A model of the toy task trained on `indices` alone with the shadows' settings: a target whose members
    /// are known.
    static func trained(on indices: [Int], samples: any SampleSource, settings: ShadowSettings, seed: UInt64) -> Sequential {
        let model = mlp()
        model.initialize(seed: seed)
        let options = settings.trainingOptions
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<settings.epochs {
            _ = Trainer.runEpoch(model, samples: samples, indices: indices, options: options, optimizer: &optimizer, generator: &generator)
        }
        return model
    }

    /// The outputs of `model` on `ids` as an attack query.
    static func query(_ model: Sequential, samples: InMemorySamples, ids: [Int]) -> AttackQuery {
        let logits = ShadowPool.logits(of: model, samples: samples, indices: ids, batch: 32)
        return AttackQuery(ids: ids, probabilities: ShadowPool.probabilities(logits: logits, classes: 4), logits: logits,
                           labels: ids.map { samples.labels[$0] }, classes: 4)
    }

    // MARK: Masks

    @Test(arguments: [2, 4, 16])
    func everyExampleIsInExactlyHalfTheShadows(models: Int) {
        let settings = ShadowSettings(models: models, seed: 7)
        let masks = ShadowPool.masks(settings, count: 300)
        #expect(masks.count == models)
        for j in 0..<300 { #expect(masks.filter { $0[j] }.count == models / 2) }
        // Each shadow gets about half of the examples (300/2 ± a few standard deviations of 8.7).
        for row in masks { #expect(abs(row.filter { $0 }.count - 150) < 45) }
        #expect(ShadowPool.masks(settings, count: 300) == masks)
        #expect(ShadowPool.masks(ShadowSettings(models: models, seed: 8), count: 300) != masks)
        #expect(ShadowPool(settings: settings, population: Array(1000..<1300), classes: 3).inMask == masks)
    }

    // MARK: Training

    /// Four shadows on a tiny task give the same logits, bit for bit, on 1, 2 and 3 threads (waves of
    /// 1, 2 and 3 shadows, 3 leaving one over).
    @Test func trainingDoesNotDependOnTheThreadCount() {
        let samples = Self.randomTask(count: 30, seed: 1)
        let settings = ShadowSettings(models: 4, epochs: 3, batch: 8, learningRate: 0.05, optimizer: .sgd, seed: 11)
        let population = Array(0..<20), base = Array(20..<30)
        let runs = withEngineThreadsLocked {
            [1, 2, 3].map { threads -> ShadowPool in
                let pool = ShadowPool(settings: settings, population: population, classes: 4)
                var calls: [Int] = []
                pool.train(makeModel: Self.mlp, samples: samples, base: base, threads: threads, progress: { done, total in
                    #expect(total == 4)
                    calls.append(done)
                })
                #expect(calls == [1, 2, 3, 4])
                return pool
            }
        }
        #expect(runs[0].logits.count == 4 && runs[0].logits.allSatisfy { $0.count == 20 * 4 })
        #expect(runs[0].labels == population.map { samples.labels[$0] })
        #expect(runs[1].logits == runs[0].logits)
        #expect(runs[2].logits == runs[0].logits)
        // The shadows differ from each other (own seeds, own halves).
        #expect(runs[0].logits[0] != runs[0].logits[1])
    }

    // MARK: Files

    static func handPool(settings: ShadowSettings = ShadowSettings(models: 4, epochs: 2, batch: 8, learningRate: 0.1, seed: 5))
        -> ShadowPool
    {
        let population = [40, 12, 7]
        let masks = ShadowPool.masks(settings, count: 3)
        let logits = (0..<settings.models).map { m in (0..<6).map { Float(m * 6 + $0) * 0.25 - 2 } }
        return ShadowPool(settings: settings, population: population, classes: 2, labels: [0, 1, 1], inMask: masks, logits: logits)
    }

    @Test func encodedPoolsLoadBackEqual() throws {
        let pool = Self.handPool()
        let loaded = try ShadowPool.load(pool.encoded(), expecting: pool.settings, population: pool.population, classes: 2)
        #expect(loaded.inMask == pool.inMask)
        #expect(loaded.logits == pool.logits)
        #expect(loaded.labels == pool.labels)
        #expect(loaded.settings == pool.settings && loaded.population == pool.population)
    }

    @Test func loadRefusesAFileMadeForSomethingElse() {
        let pool = Self.handPool()
        let bytes = pool.encoded()
        func refusal(_ settings: ShadowSettings, _ population: [Int], classes: Int = 2) -> String? {
            do {
                _ = try ShadowPool.load(bytes, expecting: settings, population: population, classes: classes)
                return nil
            } catch {
                return error.description
            }
        }
        var epochs = pool.settings
        epochs.epochs = 3
        #expect(refusal(epochs, pool.population)?.contains("epochs 2, not 3") == true)
        var rate = pool.settings
        rate.learningRate = 0.01
        #expect(refusal(rate, pool.population)?.contains("learningRate") == true)
        var seed = pool.settings
        seed.seed = 6
        #expect(refusal(seed, pool.population)?.contains("seed") == true)
        var optimizer = pool.settings
        optimizer.optimizer = .adam
        #expect(refusal(optimizer, pool.population)?.contains("optimizer") == true)
        #expect(refusal(pool.settings, pool.population, classes: 3)?.contains("classes") == true)
        #expect(refusal(pool.settings, [40, 13, 7])?.contains("population: 3 samples against 3 expected, first difference at position 1") == true)
        #expect(refusal(pool.settings, [40, 12])?.contains("population") == true)
        #expect(throws: ShadowError.self) { try ShadowPool.load(Array(bytes.prefix(40)), expecting: pool.settings, population: pool.population, classes: 2) }
    }

    // MARK: LiRA by hand

    /// Four shadows, three examples (two classes; with K = 2, φ = z_y − z_other exactly), φ chosen per
    /// example: IN {4, 6} and OUT {−1, 1} (μ 5 and 0, σ 1 each), IN {1, 3} and OUT {−3, −1} (μ 2 and −2,
    /// σ 1), IN {0, 4} and OUT {−1, 1} (σ 2 and 1).
    static func phiPool() -> (pool: ShadowPool, inside: [[Double]], outside: [[Double]]) {
        let settings = ShadowSettings(models: 4, seed: 3)
        let masks = ShadowPool.masks(settings, count: 3)
        let inValues: [[Float]] = [[4, 6], [1, 3], [0, 4]], outValues: [[Float]] = [[-1, 1], [-3, -1], [-1, 1]]
        let labels = [0, 1, 0]
        var logits = [[Float]](repeating: [], count: 4)
        var inside = [[Double]](repeating: [], count: 3), outside = inside
        var used = [[0, 0], [0, 0], [0, 0]]
        for m in 0..<4 {
            for j in 0..<3 {
                let isIn = masks[m][j]
                let phi = isIn ? inValues[j][used[j][0]] : outValues[j][used[j][1]]
                used[j][isIn ? 0 : 1] += 1
                if isIn { inside[j].append(Double(phi)) } else { outside[j].append(Double(phi)) }
                logits[m] += labels[j] == 0 ? [phi, 0] : [0, phi]
            }
        }
        let pool = ShadowPool(settings: settings, population: [10, 20, 30], classes: 2, labels: labels, inMask: masks, logits: logits)
        return (pool, inside, outside)
    }

    /// A target query whose φ on the three examples is `phi` (logits [φ, 0] or [0, φ] by label).
    static func phiQuery(ids: [Int], phi: [Float]) -> AttackQuery {
        let labelOf = [10: 0, 20: 1, 30: 0]
        let logits = zip(ids, phi).flatMap { id, value -> [Float] in labelOf[id]! == 0 ? [value, 0] : [0, value] }
        return AttackQuery(ids: ids, probabilities: ShadowPool.probabilities(logits: logits, classes: 2), logits: logits,
                           labels: ids.map { labelOf[$0]! }, classes: 2)
    }

    @Test(arguments: LiRAAttack.Variant.allCases)
    func liraMatchesTheScoreMathsOnTheShadowsPhi(variant: LiRAAttack.Variant) {
        let (pool, inside, outside) = Self.phiPool()
        let attack = pool.lira(variant)
        let observed: [Double] = [5, -2, 1.5]
        let options = LiRA.Options(fixedVariance: variant.fixedVariance)
        let direct = variant.isOnline
            ? LiRA.onlineScores(observed: observed, inObservations: inside, outObservations: outside, options: options)
            : LiRA.offlineScores(observed: observed, outObservations: outside, options: options)
        #expect(attack.scores(Self.phiQuery(ids: [10, 20, 30], phi: observed.map(Float.init))) == direct)
        // Ids pick their own fits, in any order and any subset.
        #expect(attack.scores(Self.phiQuery(ids: [30, 10], phi: [1.5, 5])) == [direct[2], direct[0]])
        // Without logits, φ comes back from the probabilities (close, not exact).
        var noLogits = Self.phiQuery(ids: [10, 20, 30], phi: observed.map(Float.init))
        noLogits.logits = nil
        for (a, b) in zip(attack.scores(noLogits), direct) { #expect(abs(a - b) < 1e-3 * max(1, abs(b))) }
    }

    /// The per-example fits by hand: log Λ = 5φ − 12.5 for example 10 and 4φ for example 20 (equal σ = 1),
    /// so φ = 5 → 12.5 (member), φ = −2 → −8 (not); offline at φ = μ_out (z = 0) is exactly on the
    /// boundary Φ = ½, not a member.
    @Test func liraScoresAndDecisionsByHand() {
        let (pool, _, _) = Self.phiPool()
        let online = pool.lira(.online)
        #expect(online.name == "lira_online")
        let scores = online.scores(Self.phiQuery(ids: [10, 20], phi: [5, -2]))
        #expect(abs(scores[0] - 12.5) < 1e-12 && abs(scores[1] + 8) < 1e-12)
        #expect(online.isMember(score: scores[0], label: 0) == true && online.isMember(score: scores[1], label: 1) == false)
        let offline = pool.lira(.offline)
        let atMean = offline.scores(Self.phiQuery(ids: [10, 20], phi: [0, -2]))
        #expect(atMean.allSatisfy { offline.isMember(score: $0, label: 0) == false })
        let above = offline.scores(Self.phiQuery(ids: [10], phi: [0.01]))
        #expect(offline.isMember(score: above[0], label: 0) == true)
    }

    // MARK: Signal

    /// A model that memorises a known half of the population (random labels, many epochs) is exposed by
    /// LiRA (online, AUC > 0.7) and by Shokri's attack (AUC > 0.5) built on 16 shadows; a model trained on
    /// none of the population is not (LiRA AUC within 0.5 ± 0.15 on the same split).
    @Test func shadowAttacksSeeMemorisation() throws {
        let samples = Self.randomTask(count: 120, seed: 21)
        let population = Array(0..<100), base = Array(100..<120)
        let settings = ShadowSettings(models: 16, epochs: 60, batch: 16, learningRate: 0.01, optimizer: .adam, seed: 4)
        let members = population.filter { $0 % 2 == 0 }, nonMembers = population.filter { $0 % 2 == 1 }
        let (pool, target, untouched) = withEngineThreadsLocked {
            let pool = ShadowPool(settings: settings, population: population, classes: 4)
            pool.train(makeModel: Self.mlp, samples: samples, base: base, threads: 2)
            func trained(on indices: [Int], seed: UInt64) -> Sequential {
                ShadowModelsTests.trained(on: indices, samples: samples, settings: settings, seed: seed)
            }
            return (pool, trained(on: base + members, seed: 99), trained(on: base, seed: 98))
        }
        let lira = pool.lira(.online)
        let exposed = lira.figures(members: Self.query(target, samples: samples, ids: members),
                                   nonMembers: Self.query(target, samples: samples, ids: nonMembers)).figures
        let shokri = pool.shokri(seed: 1).figures(members: Self.query(target, samples: samples, ids: members),
                                                   nonMembers: Self.query(target, samples: samples, ids: nonMembers)).figures
        let null = lira.figures(members: Self.query(untouched, samples: samples, ids: members),
                                nonMembers: Self.query(untouched, samples: samples, ids: nonMembers)).figures
        print("shadow signal: LiRA \(exposed), Shokri \(shokri), null LiRA \(null)")
        #expect(try #require(exposed.auc) > 0.7)
        #expect(try #require(shokri.auc) > 0.5)
        #expect(abs(try #require(null.auc) - 0.5) < 0.15)
    }
}
