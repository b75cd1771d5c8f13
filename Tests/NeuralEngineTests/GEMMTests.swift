import Testing

@testable import NeuralEngine

/// The multiply against hand-computed products, every transpose combination.
@Suite struct GEMMTests {
    @Test(arguments: [false, true], [false, true])
    func productsMatchHandComputedValues(transA: Bool, transB: Bool) {
        // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[7, 8], [9, 10], [11, 12]] (3×2):
        // A·B = [[58, 64], [139, 154]].
        let a: [Float] = transA ? [1, 4, 2, 5, 3, 6] : [1, 2, 3, 4, 5, 6]
        let b: [Float] = transB ? [7, 9, 11, 8, 10, 12] : [7, 8, 9, 10, 11, 12]
        var c: [Float] = [1, 1, 1, 1]
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.sgemm(
                        transA: transA, transB: transB, m: 2, n: 2, k: 3, alpha: 2, a: a.baseAddress!, lda: transA ? 2 : 3,
                        b: b.baseAddress!, ldb: transB ? 3 : 2, beta: 0.5, c: c.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(c == [116.5, 128.5, 278.5, 308.5])
    }
}
