import NeuralEngine
import Seeding
import Testing

import Unlearning

/// The forget basis (oriented Gram–Schmidt), the one- and two-sided calibration and the drift clamp,
/// against values computed by hand and properties on seeded random vectors.
@Suite struct ForgetBasisTests {
    /// Erasure Δ_unl = [−3, −4, 0, 0], so r = [3, 4, 0, 0]; stored updates g₂ = [3, 4, 2, 0], g₃ = 2r and
    /// g₄ = [0, 0, 0, −5]. Whole vector, one block:
    /// - u₁ = r/5 = [0.6, 0.8, 0, 0];
    /// - g₂ − ⟨g₂, u₁⟩u₁ = [3, 4, 2, 0] − 5·[0.6, 0.8, 0, 0] = [0, 0, 2, 0], so u₂ = [0, 0, 1, 0];
    /// - g₃ = 10·u₁ leaves no residual: skipped;
    /// - g₄ is orthogonal to u₁ and u₂, so u₃ = g₄/5 = [0, 0, 0, −1]: the minus sign comes from g₄. Note
    ///   ⟨u₂, r⟩ = ⟨u₃, r⟩ = 0, so sign⟨u_j, r⟩ could not orient them.
    let handBasis = ForgetBasis(
        erasure: [-3, -4, 0, 0], storedUpdates: [[3, 4, 2, 0], [6, 8, 0, 0], [0, 0, 0, -5]], blocks: [0..<4])

    @Test func orientedGramSchmidtByHand() {
        #expect(handBasis.columns.count == 1)
        #expect(isClose(handBasis.columns[0][0], [0.6, 0.8, 0, 0]))
        #expect(isClose(handBasis.columns[0][1], [0, 0, 1, 0]))  // within the rounding of u₁ to Float32
        #expect(handBasis.columns[0][2] == [0, 0, 0, -1])
        #expect(handBasis.sources == [[0, 1, 3]])
        #expect(handBasis.columnCount == 3)
        // At most k columns per block: the first k generators that add a direction.
        let two = ForgetBasis(
            erasure: [-3, -4, 0, 0], storedUpdates: [[3, 4, 2, 0], [0, 0, 0, -5]], blocks: [0..<4],
            maxColumnsPerBlock: 2)
        #expect(two.sources == [[0, 1]])
    }

    /// The test that pins the orientation: a step along +g₂'s new direction (e₃) moves toward the
    /// target's knowledge and must go; a step along +g₄ (−e₄) likewise; their opposites must stay. With the
    /// columns' signs flipped (u_j → −u_j), or the test a_j > 0 turned into a_j < 0, the expectations on
    /// `toward` and `away` below fail (both mutations tried).
    @Test func oneSidedCalibrationRemovesOnlyWhatMovesTowardRelearningByHand() {
        // a = (⟨u₁, δ⟩, ⟨u₂, δ⟩, ⟨u₃, δ⟩) = (0, 0.7, −0.3): only u₂'s 0.7 goes.
        var toward: [Float] = [0, 0, 0.7, 0.3]
        let report = handBasis.calibrate(&toward, twoSided: false, restoreNorm: false)
        #expect(isClose(toward, [0, 0, 0, 0.3]))
        #expect(report.componentsRemoved == 1)
        #expect(abs(report.removedNorm - 0.7) < 1e-6)
        #expect(abs(report.normBefore - (0.49 + 0.09).squareRoot()) < 1e-6)
        // a = (−1, −0.7, 0.3): moving on from w_orig along r and away along g₂ stays; toward −e₄ (= +u₃) goes.
        var away: [Float] = [-0.6, -0.8, -0.7, -0.3]
        handBasis.calibrate(&away, twoSided: false, restoreNorm: false)
        #expect(isClose(away, [-0.6, -0.8, -0.7, 0]))
        // Straight back toward the model before erasure (+r): all of it goes, and a zero step is not rescaled.
        var back: [Float] = [1.2, 1.6, 0, 0]
        let backReport = handBasis.calibrate(&back, twoSided: false, restoreNorm: true)
        #expect(isClose(back, [0, 0, 0, 0]))
        #expect(abs(backReport.removedNorm - 2) < 1e-6)
        #expect(abs(backReport.removedFraction - 1) < 1e-6)
    }

    @Test func twoSidedCalibrationRemovesBothSignsByHand() {
        // a = (0, 0.7, −0.3): both non-zero components go, whatever their sign.
        var step: [Float] = [0, 0, 0.7, 0.3]
        let report = handBasis.calibrate(&step, twoSided: true, restoreNorm: false)
        #expect(isClose(step, [0, 0, 0, 0]))
        #expect(report.componentsRemoved == 2)
    }

    @Test func driftClampByHand() {
        // w − anchor = [0.6, 0.8, 0.5, 2]: c = (1, 0.5, −2). With ε = 0.25, u₁ goes from 1 to 0.25 and u₂
        // from 0.5 to 0.25; c₃ = −2 is drift away from relearning (toward −u₃ = +e₄) and stays.
        let anchor: [Float] = [1, 1, 1, 1]
        var w: [Float] = [1.6, 1.8, 1.5, 3]
        let fired = handBasis.clampDrift(&w, anchor: anchor, epsilon: 0.25)
        #expect(fired == 2)
        // w − 0.75·[0.6, 0.8, 0, 0] − 0.25·[0, 0, 1, 0] = [1.6 − 0.45, 1.8 − 0.6, 1.5 − 0.25, 3].
        #expect(isClose(w, [1.15, 1.2, 1.25, 3]))
        let c = handBasis.coordinates(of: w, anchor: anchor)[0]
        #expect(abs(c[0] - 0.25) < 1e-6 && abs(c[1] - 0.25) < 1e-6 && abs(c[2] + 2) < 1e-6)
    }

    /// Three tensors of 6, 2 and 12 entries.
    static let layout: ParameterLayout = {
        var layout = ParameterLayout()
        layout.add("conv.weight", shape: [2, 3])
        layout.add("conv.bias", shape: [2])
        layout.add("fc.weight", shape: [3, 4])
        return layout
    }()

    static let blockings: [(name: String, blocks: [Range<Int>])] = [
        ("per tensor", UnlearningMath.blocks(of: layout)), ("whole vector", [0..<layout.count]),
    ]

    @Test(arguments: 0..<2, [5, 6] as [UInt64])
    func basisIsOrthonormalOrientedAndSpansItsGenerators(blocking: Int, seed: UInt64) {
        let blocks = Self.blockings[blocking].blocks
        var generator = SeededGenerator(seed: seed)
        let generators = (0..<4).map { _ in randomVector(Self.layout.count, &generator) }
        let basis = ForgetBasis(generators: generators, blocks: blocks)
        for (b, block) in blocks.enumerated() {
            let columns = basis.columns[b]
            // Random generators are independent: min(m, block size) columns (the 2-entry bias gets 2).
            #expect(columns.count == min(4, block.count))
            // UᵀU = I.
            for i in columns.indices {
                for j in columns.indices {
                    #expect(abs(dot(columns[i], columns[j]) - (i == j ? 1 : 0)) < 1e-5)
                }
            }
            // Oriented: ⟨u_j, g_j⟩ > 0 for the generator that made it.
            for (column, source) in zip(columns, basis.sources[b]) {
                #expect(dot(column, Array(generators[source][block])) > 0)
            }
            // Spanning: each generator's block minus its projection onto span U is ~0.
            for g in generators {
                var residual = Array(g[block])
                for u in columns { residual = adding(residual, -dot(u, residual), u) }
                #expect(norm(residual) < 1e-5 * max(1, norm(Array(g[block]))))
            }
        }
    }

    /// A random basis (per tensor), its columns u₁ and u₂ of block 0 embedded in the whole vector, and a
    /// random v orthogonal to every column of every block. Steps built from the basis's own columns cannot
    /// see a flipped orientation; the by-hand tests and ⟨u_j, g_j⟩ > 0 above pin that.
    static func randomSetting(seed: UInt64) -> (basis: ForgetBasis, u1: [Float], u2: [Float], v: [Float]) {
        var generator = SeededGenerator(seed: seed)
        let d = layout.count
        let blocks = UnlearningMath.blocks(of: layout)
        let basis = ForgetBasis(generators: (0..<3).map { _ in randomVector(d, &generator) }, blocks: blocks)
        var v = randomVector(d, &generator)
        for (b, block) in blocks.enumerated() {
            for _ in 0..<2 {
                for u in basis.columns[b] {
                    let full = embedded(u, in: block, count: d)
                    v = adding(v, -dot(full, v), full)
                }
            }
        }
        let u1 = embedded(basis.columns[0][0], in: blocks[0], count: d)
        let u2 = embedded(basis.columns[0][1], in: blocks[0], count: d)
        return (basis, u1, u2, v)
    }

    @Test(arguments: [21, 22, 23] as [UInt64])
    func oneSidedCalibrationKeepsStepsAwayAndRemovesStepsToward(seed: UInt64) {
        let (basis, u1, _, v) = Self.randomSetting(seed: seed)
        let c = 0.75
        // −c·u₁ + v moves away from relearning: untouched.
        let awayStep = adding(v, -c, u1)
        var away = awayStep
        let awayReport = basis.calibrate(&away, twoSided: false, restoreNorm: false)
        #expect(isClose(away, awayStep))
        #expect(awayReport.removedNorm < 1e-6)
        // +c·u₁ + v loses exactly c·u₁ and keeps v.
        var toward = adding(v, c, u1)
        let report = basis.calibrate(&toward, twoSided: false, restoreNorm: false)
        #expect(isClose(toward, v))
        #expect(abs(report.removedNorm - c) < 1e-5)
        #expect(abs(report.normBefore - norm(adding(v, c, u1))) < 1e-6)
    }

    @Test(arguments: [31, 32] as [UInt64])
    func twoSidedCalibrationRemovesBothSigns(seed: UInt64) {
        let (basis, u1, u2, v) = Self.randomSetting(seed: seed)
        // +0.5·u₁ − 0.8·u₂ + v: both go, v stays; √(0.25 + 0.64) removed.
        var step = adding(adding(v, 0.5, u1), -0.8, u2)
        let report = basis.calibrate(&step, twoSided: true, restoreNorm: false)
        #expect(isClose(step, v))
        #expect(abs(report.removedNorm - 0.89.squareRoot()) < 1e-5)
        // One-sided on the same step keeps the −0.8·u₂.
        var oneSided = adding(adding(v, 0.5, u1), -0.8, u2)
        basis.calibrate(&oneSided, twoSided: false, restoreNorm: false)
        #expect(isClose(oneSided, adding(v, -0.8, u2)))
    }

    @Test(arguments: [41, 42] as [UInt64])
    func normRestoreKeepsTheStepLength(seed: UInt64) {
        let (basis, u1, _, v) = Self.randomSetting(seed: seed)
        let step = adding(v, 0.9, u1)
        var restored = step
        basis.calibrate(&restored, twoSided: false, restoreNorm: true)
        #expect(abs(norm(restored) - norm(step)) < 1e-5 * norm(step))
        // In the direction of what was kept, v.
        #expect(abs(dot(restored, v) / (norm(restored) * norm(v)) - 1) < 1e-6)
    }

    @Test func calibrationLeavesOtherBlocksAndUnblockedEntriesAlone() {
        var generator = SeededGenerator(seed: 51)
        let d = Self.layout.count
        // Blocks conv.weight (0..<6) and fc.weight (8..<20); conv.bias (6..<8) left out on purpose.
        let blocks = [0..<6, 8..<20]
        let generators = (0..<2).map { _ in randomVector(d, &generator) }
        let basis = ForgetBasis(generators: generators, blocks: blocks)
        // A step along +u₁ of block 0, plus entries in the left-out bias that point along the generators.
        var step = embedded(basis.columns[0][0], in: 0..<6, count: d)
        step[6] = generators[0][6]
        step[7] = generators[0][7]
        let before = step
        basis.calibrate(&step, twoSided: false, restoreNorm: false)
        #expect(isClose(Array(step[0..<6]), [Float](repeating: 0, count: 6)))
        #expect(Array(step[6..<20]) == Array(before[6..<20]))  // bias and the fc block untouched, exactly
        // The same step with one block over the whole vector: u₁ now spans every entry, so the result differs.
        var whole = before
        ForgetBasis(generators: generators, blocks: [0..<d]).calibrate(&whole, twoSided: false, restoreNorm: false)
        #expect(whole != step)
    }

    @Test(arguments: [61, 62] as [UInt64])
    func driftClampStopsAtEpsilonAndLeavesOrthogonalPartsAlone(seed: UInt64) {
        let (basis, u1, u2, v) = Self.randomSetting(seed: seed)
        var generator = SeededGenerator(seed: seed + 100)
        let anchor = randomVector(Self.layout.count, &generator)
        // w − anchor = 0.8·u₁ − 0.5·u₂ + v: u₁ is past ε = 0.1, u₂ is below it.
        let drift = adding(adding(v, 0.8, u1), -0.5, u2)
        var w = zip(anchor, drift).map { $0 + $1 }
        let fired = basis.clampDrift(&w, anchor: anchor, epsilon: 0.1)
        #expect(fired == 1)
        let c = basis.coordinates(of: w, anchor: anchor)[0]
        #expect(abs(c[0] - 0.1) < 1e-5)
        #expect(abs(c[1] + 0.5) < 1e-5)
        // Exactly (0.8 − 0.1)·u₁ came off; v and −0.5·u₂ are still there.
        let expected = zip(anchor, adding(adding(v, 0.1, u1), -0.5, u2)).map { $0 + $1 }
        #expect(isClose(w, expected, within: 1e-5))
        // Nothing past ε any more: a second clamp does nothing.
        #expect(basis.clampDrift(&w, anchor: anchor, epsilon: 0.1 + 1e-5) == 0)
    }
}
