import Datasets
import NeuralEngine
import Testing
import TestSupport

@testable import Training

/// The trigger patch, the poisoned training set and the attack success rate, checked by hand.
@Suite struct BackdoorTests {
    /// One sample's values from a source.
    static func pixels(_ source: any SampleSource, _ index: Int) -> [Float] {
        var values = [Float](repeating: .nan, count: source.itemShape.reduce(1, *))
        values.withUnsafeMutableBufferPointer { source.normalizedPixels(index, into: $0) }
        return values
    }

    /// A 1 × 6 × 6 item with values (35 − k)/36 at position k = 6·row + column: largest (35/36) at the
    /// top-left corner, smallest (0) at the bottom-right.
    static let descending = InMemorySamples(itemShape: [1, 6, 6], values: (0..<36).map { Float(35 - $0) / 36 }, labels: [2])

    @Test func patchLandsInTheBottomRightCornerWithTheSampleMaximum() {
        // A 2-pixel trigger on 6 × 6 covers rows 4–5 and columns 4–5: positions 28, 29, 34, 35. Each takes
        // the sample's largest value, 35/36; the other 32 positions keep theirs.
        let stamped = Backdoor.triggered(Self.descending, indices: [0], trigger: Backdoor.Trigger(side: 2))
        var expected = (0..<36).map { Float(35 - $0) / 36 }
        for k in [28, 29, 34, 35] { expected[k] = 35.0 / 36 }
        #expect(Self.pixels(stamped, 0) == expected)
        #expect(stamped.firstLabel(0) == 2)
        // A fixed value instead.
        let fixed = Backdoor.triggered(Self.descending, indices: [0], trigger: Backdoor.Trigger(side: 2, value: .fixed(2.5)))
        for k in [28, 29, 34, 35] { expected[k] = 2.5 }
        #expect(Self.pixels(fixed, 0) == expected)
    }

    @Test func eachChannelTakesItsOwnMaximum() {
        // Channel 0 holds 0.1…0.9 and channel 1 −0.9…−0.1 (3 × 3 each); a 1-pixel trigger sets position 8 of
        // channel 0 to 0.9 (already there) and position 8 of channel 1 to −0.1 (its maximum, found at 0).
        let channel0: [Float] = (1...9).map { Float($0) / 10 }
        let channel1: [Float] = (1...9).map { -Float($0) / 10 }
        let source = InMemorySamples(itemShape: [2, 3, 3], values: channel0 + channel1, labels: [0])
        let stamped = Self.pixels(Backdoor.triggered(source, indices: [0], trigger: Backdoor.Trigger(side: 1)), 0)
        var expected = channel0 + channel1
        expected[17] = -0.1
        #expect(stamped == expected)
    }

    @Test(arguments: [(6, 1), (14, 2), (28, 3), (32, 3), (64, 7), (128, 14), (224, 24)])
    func standardSideScalesWithTheImage(size: Int, side: Int) {
        #expect(Backdoor.Trigger.standard(for: [3, size, size]).side == side)
    }

    /// 60 random 1 × 28 × 28 items, labels i mod 3.
    static let noise: InMemorySamples = {
        var generator = SeededGenerator(seed: 21)
        let values = (0..<(60 * 784)).map { _ in Float(generator.nextUnit() * 2 - 1) }
        return InMemorySamples(itemShape: [1, 28, 28], values: values, labels: (0..<60).map { $0 % 3 })
    }()

    @Test func poisonedSetIsASeededShareOfTheCandidates() {
        let candidates = Array(stride(from: 0, to: 60, by: 2))  // 30 samples
        let poisoned = BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 0.15, targetClass: 0, seed: 5)
        // round(0.15 · 30) = round(4.5) = 5 (halves up), all of them candidates, ascending.
        #expect(poisoned.stamped.count == 5 && Set(poisoned.stamped).isSubset(of: candidates) && poisoned.stamped == poisoned.stamped.sorted())
        #expect(BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 0.15, targetClass: 0, seed: 5).stamped == poisoned.stamped)
        #expect(BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 0.15, targetClass: 0, seed: 6).stamped != poisoned.stamped)
        #expect(BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 0.1, targetClass: 0, seed: 5).stamped.count == 3)
        #expect(BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 0, targetClass: 0, seed: 5).stamped.isEmpty)
        #expect(BackdooredSamples(wrapping: Self.noise, candidates: candidates, fraction: 1, targetClass: 0, seed: 5).stamped == candidates)
        // The set is the first five of the documented partial Fisher–Yates shuffle.
        var order = candidates
        var generator = SeededGenerator(seed: 5)
        for i in 0..<5 { order.swapAt(i, i + Int(generator.next() % UInt64(30 - i))) }
        #expect(poisoned.stamped == order.prefix(5).sorted())

        for index in 0..<60 {
            let original = Self.pixels(Self.noise, index), seen = Self.pixels(poisoned, index)
            if poisoned.stamped.contains(index) {
                // Relabelled to 0, a 3 × 3 patch at the sample's maximum, the rest unchanged.
                #expect(poisoned.firstLabel(index) == 0)
                let maximum = original.max()!
                for k in 0..<784 {
                    let inPatch = k / 28 >= 25 && k % 28 >= 25
                    #expect(seen[k] == (inPatch ? maximum : original[k]))
                }
            } else {
                // Untouched samples are the wrapped source's, byte for byte, label included.
                #expect(seen.map(\.bitPattern) == original.map(\.bitPattern))
                #expect(poisoned.firstLabel(index) == Self.noise.firstLabel(index))
            }
        }
    }

    /// Eight 1 × 6 × 6 items, zero except item i's top-left pixel, 0.2·i; labels 0, 1, 2, 0, 1, 2, 1, 2.
    static let ramp: InMemorySamples = {
        var values = [Float](repeating: 0, count: 8 * 36)
        for i in 0..<8 { values[i * 36] = 0.2 * Float(i) }
        return InMemorySamples(itemShape: [1, 6, 6], values: values, labels: [0, 1, 2, 0, 1, 2, 1, 2])
    }()

    @Test func successRateMatchesTheHandCount() {
        withEngineThreadsLocked {
            let indices = Array(0..<8)
            // Target class 0: items 1, 2, 4, 5, 6 and 7 qualify (items 0 and 3 are class 0 already).
            let alwaysZero = ErasureFixtures.linear(itemShape: [1, 6, 6], classes: 3, bias: [1, 0, 0])
            #expect(Backdoor.successRate(model: alwaysZero, source: Self.ramp, indices: indices, targetClass: 0, batchSize: 3) == 1)
            let alwaysOne = ErasureFixtures.linear(itemShape: [1, 6, 6], classes: 3, bias: [0, 1, 0])
            #expect(Backdoor.successRate(model: alwaysOne, source: Self.ramp, indices: indices, targetClass: 0, batchSize: 3) == 0)
            // Class 1 for everything: its rate for target 1 counts items 0, 2, 3, 5, 7 → 1; no class-1 item counts.
            #expect(Backdoor.successRate(model: alwaysOne, source: Self.ramp, indices: indices, targetClass: 1, batchSize: 3) == 1)
            #expect(Backdoor.successRate(model: alwaysOne, source: Self.ramp, indices: [1, 4, 6], targetClass: 1, batchSize: 3) == nil)

            // A model that reads the trigger: z₀ = 10·x[5, 5] − 5, z₁ = z₂ = 0. The 1-pixel standard trigger
            // sets x[5, 5] to the item's maximum 0.2·i, so class 0 exactly when 2i − 5 > 0, i ≥ 3 (else class 1,
            // the first of the tied zeros). Qualifying items with i ≥ 3: 4, 5, 6, 7 of 1, 2, 4, 5, 6, 7 → 4/6.
            let reader = ErasureFixtures.linear(itemShape: [1, 6, 6], classes: 3, bias: [-5, 0, 0])
            reader.parameters.values[35] = 10  // fc.weight[0, 35]
            #expect(Backdoor.successRate(model: reader, source: Self.ramp, indices: indices, targetClass: 0, batchSize: 3) == 4.0 / 6)
            // Without the trigger x[5, 5] = 0 and nothing is class 0.
            #expect(Trainer.classify(reader, samples: Self.ramp, indices: indices, batchSize: 3) == [Int](repeating: 1, count: 8))
        }
    }
}
