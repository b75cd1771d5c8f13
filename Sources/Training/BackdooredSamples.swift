import Datasets
import NeuralEngine

/// A sample source with a backdoor planted: some samples of the wrapped source carry a trigger patch
/// (`Backdoor.Trigger`) and, for a poisoned training set, the target class as label; every other sample
/// passes through untouched (same bytes, same label).
public struct BackdooredSamples: SampleSource {
    /// The wrapped source.
    public let base: any SampleSource
    /// The indices that carry the trigger, ascending.
    public let stamped: [Int]
    /// The label the stamped samples take; nil keeps their own.
    public let targetClass: Int?
    public let trigger: Backdoor.Trigger
    private let stampedSet: Set<Int>

    /// Poisons a seeded share of `candidates` (the target hospital's training samples): with n candidates,
    /// k = round(fraction·n) of them (halves rounded up) get the trigger and the label `targetClass`. The k
    /// are the first k of a partial Fisher–Yates shuffle of `candidates` in the order given (for i in 0..<k,
    /// swap position i with i + g.next() mod (n − i)), from `SeededGenerator(seed:)`. The trigger defaults
    /// to `Backdoor.Trigger.standard(for:)` the source's item shape.
    public init(
        wrapping base: any SampleSource, candidates: [Int], fraction: Double, targetClass: Int, seed: UInt64, trigger: Backdoor.Trigger? = nil
    ) {
        precondition((0...1).contains(fraction), "fraction \(fraction) outside [0, 1]")
        precondition(Set(candidates).count == candidates.count, "candidates repeat an index")
        let count = Int((fraction * Double(candidates.count)).rounded())
        var order = candidates
        var generator = SeededGenerator(seed: seed)
        for i in 0..<count { order.swapAt(i, i + Int(generator.next() % UInt64(order.count - i))) }
        self.init(wrapping: base, stamped: Array(order.prefix(count)), targetClass: targetClass, trigger: trigger ?? .standard(for: base.itemShape))
    }

    /// Stamps exactly the samples at `stamped`, relabelled to `targetClass` unless it is nil.
    public init(wrapping base: any SampleSource, stamped: [Int], targetClass: Int?, trigger: Backdoor.Trigger) {
        precondition(targetClass.map { $0 >= 0 } ?? true, "target class must not be negative")
        self.base = base
        stampedSet = Set(stamped)
        self.stamped = stampedSet.sorted()
        self.targetClass = targetClass
        self.trigger = trigger
    }

    public var itemShape: [Int] { base.itemShape }

    public func normalizedPixels(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) {
        base.normalizedPixels(index, into: output)
        if stampedSet.contains(index) { trigger.stamp(output, itemShape: base.itemShape) }
    }

    public func firstLabel(_ index: Int) -> Int {
        if let targetClass, stampedSet.contains(index) { return targetClass }
        return base.firstLabel(index)
    }
}
