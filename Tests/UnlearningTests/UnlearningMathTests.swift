import NeuralEngine
import Seeding
import Testing

import Unlearning

/// Halimi's reference ball, FedEraser's calibrated updates, the pre-erasure sum and the guarded merge,
/// against values computed by hand and properties on seeded random vectors.
@Suite struct UnlearningMathTests {
    @Test func referenceModelIsTheMeanOfTheOtherHospitalsForThree() {
        // Hospitals a = [1, 0], b = [3, 2] and the target t = [2, 7]: the global model is their mean
        // w = [6/3, 9/3] = [2, 3]. w_ref = (3·[2, 3] − [2, 7]) / 2 = ([6, 9] − [2, 7]) / 2 = [2, 1], which is
        // (a + b)/2 = [4/2, 2/2]: the average of the others.
        #expect(UnlearningMath.referenceModel(global: [2, 3], target: [2, 7], hospitals: 3) == [2, 1])
        // w = [1, 2, −3], t = [4, −1, 0]: ([3, 6, −9] − [4, −1, 0]) / 2 = [−0.5, 3.5, −4.5].
        let reference = UnlearningMath.referenceModel(global: [1, 2, -3], target: [4, -1, 0], hospitals: 3)
        #expect(reference == [-0.5, 3.5, -4.5])
        // N = 2: the other hospital's model itself, 2w − t.
        #expect(UnlearningMath.referenceModel(global: [1.5], target: [1], hospitals: 2) == [2])
    }

    @Test func distanceIsEuclidean() {
        // [4, 5] − [1, 1] = [3, 4]: 5.
        #expect(UnlearningMath.distance([4, 5], [1, 1]) == 5)
        #expect(UnlearningMath.distance([1, -2, 3], [1, -2, 3]) == 0)
    }

    @Test func projectionLeavesTheInsideAloneAndPutsTheOutsideOnTheSphere() {
        let center: [Float] = [1, 1]
        // ‖[2, 2] − c‖ = √2 < 5: untouched.
        var inside: [Float] = [2, 2]
        #expect(!UnlearningMath.projectIntoBall(&inside, center: center, radius: 5))
        #expect(inside == [2, 2])
        // ‖[4, 5] − c‖ = ‖[3, 4]‖ = 5: on the sphere counts as inside.
        var onSphere: [Float] = [4, 5]
        #expect(!UnlearningMath.projectIntoBall(&onSphere, center: center, radius: 5))
        #expect(onSphere == [4, 5])
        // [7, 9] − c = [6, 8], length 10: halved onto the sphere, c + [3, 4] = [4, 5].
        var outside: [Float] = [7, 9]
        #expect(UnlearningMath.projectIntoBall(&outside, center: center, radius: 5))
        #expect(outside == [4, 5])
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func projectionLandsOnTheSphereAlongTheSameRay(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<20 {
            let center = randomVector(6, &generator)
            let point = randomVector(6, &generator)
            let radius = 0.3 + generator.nextUnit()
            let before = UnlearningMath.distance(point, center)
            var projected = point
            let moved = UnlearningMath.projectIntoBall(&projected, center: center, radius: radius)
            #expect(moved == (before > radius))
            if moved {
                #expect(abs(UnlearningMath.distance(projected, center) - radius) < 1e-6)
                // Same ray: projected − c = (radius/before)·(point − c), a positive multiple.
                let expected = adding(center, radius / before, adding(point, -1, center))
                #expect(isClose(projected, expected))
            } else {
                #expect(projected == point)
            }
        }
    }

    @Test func halimiRadiusIsAThirdOfTheMeanDistanceToRandomModels() {
        // From w_ref = [1, 1]: [4, 5] is 5 away (3, 4), [6, 13] is 13 away (5, 12); mean 9, a third is 3.
        #expect(UnlearningMath.halimiRadius(reference: [1, 1], randomModels: [[4, 5], [6, 13]]) == 3)
        // One random model 6 away: 2.
        #expect(UnlearningMath.halimiRadius(reference: [0, 0, 0], randomModels: [[0, 6, 0]]) == 2)
    }

    @Test func fedEraserTakesTheStoredMagnitudeAndTheFreshDirectionBlockByBlock() {
        let stored: [Float] = [3, 4, 0, 2, 1, 1]
        let fresh: [Float] = [0, 2, 3, -4, 0, 0]
        // Block 0..<2: ‖[3, 4]‖ = 5 along [0, 2]/2 = [0, 1] → [0, 5].
        // Block 2..<4: ‖[0, 2]‖ = 2 along [3, −4]/5 → [1.2, −1.6].
        // Block 4..<6: the fresh block is zero, so the calibrated block is zero.
        let calibrated = UnlearningMath.fedEraserUpdate(stored: stored, fresh: fresh, blocks: [0..<2, 2..<4, 4..<6])
        #expect(isClose(calibrated, [0, 5, 1.2, -1.6, 0, 0]))
        // The whole vector as one block: ‖stored‖ = √(9 + 16 + 4 + 2) = √31 along fresh/‖fresh‖ = fresh/√29.
        let whole = UnlearningMath.fedEraserUpdate(stored: stored, fresh: fresh, blocks: [0..<6])
        let scale = (31.0 / 29).squareRoot()
        #expect(isClose(whole, fresh.map { Float(Double($0) * scale) }))
    }

    @Test func fedEraserPropertiesOnRandomTensors() {
        var generator = SeededGenerator(seed: 11)
        var layout = ParameterLayout()
        layout.add("conv.weight", shape: [2, 1, 2, 2])
        layout.add("conv.bias", shape: [2])
        layout.add("fc.weight", shape: [3, 4])
        layout.add("fc.bias", shape: [3])
        let blocks = UnlearningMath.blocks(of: layout)
        #expect(blocks == [0..<8, 8..<10, 10..<22, 22..<25])
        let stored = randomVector(layout.count, &generator)
        let fresh = randomVector(layout.count, &generator)
        let calibrated = UnlearningMath.fedEraserUpdate(stored: stored, fresh: fresh, blocks: blocks)
        for block in blocks {
            let (s, f, c) = (Array(stored[block]), Array(fresh[block]), Array(calibrated[block]))
            #expect(abs(norm(c) - norm(s)) < 1e-5)                   // the stored magnitude
            #expect(abs(dot(c, f) / (norm(c) * norm(f)) - 1) < 1e-6)  // the fresh direction (cosine 1)
        }
    }

    @Test func weightedMeanOfCalibratedUpdates() {
        // (3·[2, −4] + 1·[8, 4]) / 4 = [14, −8] / 4 = [3.5, −2].
        #expect(UnlearningMath.weightedMean(updates: [[2, -4], [8, 4]], weights: [3, 1]) == [3.5, -2])
        #expect(UnlearningMath.weightedMean(updates: [[0.25, -7]], weights: [40]) == [0.25, -7])
    }

    @Test func contributionIsTheWeightedSumOfStoredUpdates() {
        // 0.5·[1, −2, 0.5] + 0.25·[4, 0, −1] = [0.5 + 1, −1 + 0, 0.25 − 0.25] = [1.5, −1, 0].
        let sum = UnlearningMath.contribution(
            updates: [(delta: [1, -2, 0.5], weight: 0.5), (delta: [4, 0, -1], weight: 0.25)])
        #expect(sum == [1.5, -1, 0])
    }

    @Test func lineSearchMergeTakesTheFirstAcceptedStep() {
        let current: [Float] = [1, 1]
        let delta: [Float] = [-4, 2]
        // γ = 1: [−3, 3]; γ = 0.5: [−1, 2]; γ = 0.25: [0, 1.5]. The guard wants the first entry ≥ −1.5.
        var tried: [[Float]] = []
        let merged = UnlearningMath.lineSearchMerge(current: current, delta: delta) { candidate in
            tried.append(candidate)
            return candidate[0] >= -1.5
        }
        #expect(merged.weights == [-1, 2])
        #expect(merged.gamma == 0.5)
        #expect(tried == [[-3, 3], [-1, 2]])  // in order, and nothing after the first acceptance
        // Accepted at once: the full step.
        let full = UnlearningMath.lineSearchMerge(current: current, delta: delta) { _ in true }
        #expect(full.weights == [-3, 3] && full.gamma == 1)
        // Custom steps, tried in the order given.
        let custom = UnlearningMath.lineSearchMerge(current: current, delta: delta, gammas: [0.25, 1]) { _ in true }
        #expect(custom.weights == [0, 1.5] && custom.gamma == 0.25)
    }

    @Test func lineSearchMergeKeepsTheCurrentModelWhenNothingIsAccepted() {
        var calls = 0
        let merged = UnlearningMath.lineSearchMerge(current: [1, 1], delta: [-4, 2]) { _ in
            calls += 1
            return false
        }
        #expect(merged.weights == [1, 1])
        #expect(merged.gamma == nil)
        #expect(calls == 3)
    }
}
