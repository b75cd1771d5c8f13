/// The few vector kernels the unlearning maths needs, on Float32 storage with Double accumulation: a norm
/// or a dot product over millions of Float32 terms loses digits if summed in Float32, and the decisions
/// built on them (project or not, remove a component or not) must not hinge on that rounding.
enum VectorMath {
    /// ⟨x, y⟩ = Σᵢ xᵢyᵢ, summed in Double.
    static func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double {
        precondition(x.count == y.count, "vectors of different lengths")
        var sum = 0.0
        for i in 0..<x.count { sum += Double(x[i]) * Double(y[i]) }
        return sum
    }

    /// ‖x‖₂ = √⟨x, x⟩.
    static func norm(_ x: UnsafeBufferPointer<Float>) -> Double {
        dot(x, x).squareRoot()
    }

    /// ‖x − y‖₂, with each difference taken in Double.
    static func distance(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double {
        precondition(x.count == y.count, "vectors of different lengths")
        var sum = 0.0
        for i in 0..<x.count {
            let d = Double(x[i]) - Double(y[i])
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// Checks that `blocks` are in increasing order, disjoint and inside 0..<count (empty blocks are allowed).
    static func checkBlocks(_ blocks: [Range<Int>], count: Int) {
        var end = 0
        for block in blocks {
            precondition(block.lowerBound >= end, "blocks must be disjoint and in increasing order")
            precondition(block.upperBound <= count, "block \(block) outside a vector of \(count) entries")
            end = block.upperBound
        }
    }
}

extension Array where Element == Float {
    /// The entries in `range` as a buffer, for the kernels above.
    func withBlock<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}
