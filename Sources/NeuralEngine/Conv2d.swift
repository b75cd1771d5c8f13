import Seeding

/// 2-D convolution as im2col + one GEMM per batch.
///
/// Shapes: x [N, C, H, W] → y [N, O, P, Q] with P = (H + 2D − K)/S + 1, Q = (W + 2D − K)/S + 1
/// (K kernel size, S stride, D zero padding). Weight [O, C, K, K] and bias [O], as PyTorch stores them.
///
/// Forward: columns X̂ [C·K·K, N·P·Q] (row (c, i, j), column (n, p, q) holds x[n, c, pS − D + i, qS − D + j],
/// zero outside), then Ŷ = W · X̂ [O, N·P·Q] and y[n, o, p, q] = Ŷ[o, (n, p, q)] + b[o].
/// Backward: ∂W += ∂Ŷ · X̂ᵀ, ∂b += Σ ∂Ŷ over columns, ∂X̂ = Wᵀ · ∂Ŷ, and ∂x = col2im(∂X̂) (each column
/// entry added back to the input position it was read from).
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, bias: Bool
    private var weight = ParameterLayout.Entry(name: "", shape: [], offset: 0)
    private var biasEntry: ParameterLayout.Entry?
    /// When false, backward skips ∂x (a network's first layer: nobody needs the input's gradient),
    /// saving one GEMM and the col2im.
    public var computesInputGradient = true
    /// The im2col matrix of the last forward (kept for backward in training), and the input shape.
    private var columns: [Float] = []
    private var inputShape: [Int] = []
    /// Scratch reused between calls, so steady-state steps allocate nothing large.
    private var product: [Float] = []
    private var dColumns: [Float] = []
    private var dProduct: [Float] = []
    private var evaluationColumns: [Float] = []

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.bias = bias
    }

    func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

    public func build(inputShape: [Int], prefix: String, layout: inout ParameterLayout) -> [Int] {
        precondition(inputShape.count == 3 && inputShape[0] == inChannels, "\(prefix): expects [\(inChannels), H, W], got \(inputShape)")
        precondition(inputShape[1] + 2 * padding >= kernel && inputShape[2] + 2 * padding >= kernel, "\(prefix): the kernel is larger than the padded input \(inputShape)")
        weight = layout.add("\(prefix).weight", shape: [outChannels, inChannels, kernel, kernel])
        if bias { biasEntry = layout.add("\(prefix).bias", shape: [outChannels]) }
        return [outChannels, outputSize(inputShape[1]), outputSize(inputShape[2])]
    }

    public func initialize(_ values: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator) {
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        fillUniform(values, range: weight.range, bound: bound, generator: &generator)
        if let biasEntry { fillUniform(values, range: biasEntry.range, bound: bound, generator: &generator) }
    }

    public func forward(_ x: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ context: inout ForwardContext) -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (p, q) = (outputSize(h), outputSize(w))
        let rows = inChannels * kernel * kernel, cols = n * p * q
        // Evaluation writes into its own scratch (swapped in for the call, out again at the end), so the
        // training columns kept for backward survive.
        if !context.training { swap(&columns, &evaluationColumns) }
        Self.resize(&columns, rows * cols)
        im2col(x.values, n: n, h: h, w: w, into: &columns)
        Self.resize(&product, outChannels * cols)
        columns.withUnsafeBufferPointer { c in
            product.withUnsafeMutableBufferPointer { y in
                GEMM.sgemm(
                    transA: false, transB: false, m: outChannels, n: cols, k: rows, alpha: 1,
                    a: parameters.baseAddress! + weight.offset, lda: rows, b: c.baseAddress!, ldb: cols, beta: 0,
                    c: y.baseAddress!, ldc: cols)
            }
        }
        // [O, N·P·Q] → [N, O, P, Q], adding the bias.
        var output = [Float](unsafeUninitializedCapacity: n * outChannels * p * q) { $1 = n * outChannels * p * q }
        let plane = p * q
        product.withUnsafeBufferPointer { y in
            output.withUnsafeMutableBufferPointer { out in
                for o in 0..<outChannels {
                    let b = biasEntry.map { parameters[$0.offset + o] } ?? 0
                    for item in 0..<n {
                        let source = y.baseAddress! + o * cols + item * plane
                        let target = out.baseAddress! + (item * outChannels + o) * plane
                        for i in 0..<plane { target[i] = source[i] + b }
                    }
                }
            }
        }
        if context.training {
            inputShape = x.shape
        } else {
            // An evaluation forward must not disturb a pending training backward: its columns went into
            // the separate scratch, swapped back here.
            swap(&columns, &evaluationColumns)
        }
        return Tensor(shape: [n, outChannels, p, q], values: output)
    }

    public func backward(_ dy: Tensor, _ parameters: UnsafeBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Tensor {
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let (p, q) = (outputSize(h), outputSize(w))
        let rows = inChannels * kernel * kernel, cols = n * p * q, plane = p * q
        // [N, O, P, Q] → ∂Ŷ [O, N·P·Q] by whole planes; then the bias gradient, row sums of ∂Ŷ.
        Self.resize(&dProduct, outChannels * cols)
        dy.values.withUnsafeBufferPointer { d in
            dProduct.withUnsafeMutableBufferPointer { dp in
                for o in 0..<outChannels {
                    for item in 0..<n {
                        (dp.baseAddress! + o * cols + item * plane).update(from: d.baseAddress! + (item * outChannels + o) * plane, count: plane)
                    }
                    if let biasEntry { gradients[biasEntry.offset + o] += Self.sum(dp.baseAddress! + o * cols, cols) }
                }
            }
        }
        columns.withUnsafeBufferPointer { c in
            dProduct.withUnsafeBufferPointer { dp in
                // ∂W [O, C·K·K] += ∂Ŷ [O, N·P·Q] · X̂ᵀ
                GEMM.sgemm(
                    transA: false, transB: true, m: outChannels, n: rows, k: cols, alpha: 1, a: dp.baseAddress!, lda: cols,
                    b: c.baseAddress!, ldb: cols, beta: 1, c: gradients.baseAddress! + weight.offset, ldc: rows)
                // ∂X̂ [C·K·K, N·P·Q] = Wᵀ · ∂Ŷ
                guard computesInputGradient else { return }
                Self.resize(&dColumns, rows * cols)
                dColumns.withUnsafeMutableBufferPointer { dc in
                    GEMM.sgemm(
                        transA: true, transB: false, m: rows, n: cols, k: outChannels, alpha: 1,
                        a: parameters.baseAddress! + weight.offset, lda: rows, b: dp.baseAddress!, ldb: cols, beta: 0,
                        c: dc.baseAddress!, ldc: cols)
                }
            }
        }
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        if computesInputGradient { col2im(dColumns, n: n, h: h, w: w, into: &dx) }
        return Tensor(shape: inputShape, values: dx)
    }

    /// The sum of `count` values, sixteen lanes at a time (a scalar running sum cannot be vectorised,
    /// because reordering float additions changes the result; sixteen partial sums fix the order).
    static func sum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }

    /// Makes scratch `buffer` hold `count` values, reusing its storage (its users overwrite every value).
    static func resize(_ buffer: inout [Float], _ count: Int) {
        if buffer.count != count { buffer = [Float](repeating: 0, count: count) }
    }

    /// The output columns qx whose input column qx·S − D + j lies inside 0..<w.
    func columnRange(j: Int, w: Int, q: Int) -> Range<Int> {
        var first = 0
        while first < q && first * stride - padding + j < 0 { first += 1 }
        var last = q
        while last > first && (last - 1) * stride - padding + j >= w { last -= 1 }
        return first..<last
    }

    /// Fills X̂ [C·K·K, N·P·Q] from x [N, C, H, W]: row (c, i, j), column (n, p, q) gets
    /// x[n, c, pS − D + i, qS − D + j], or 0 in the padding. Every entry is written, so `columns` needs no
    /// clearing; stride 1 copies whole runs.
    func im2col(_ x: [Float], n: Int, h: Int, w: Int, into columns: inout [Float]) {
        let (p, q) = (outputSize(h), outputSize(w))
        let cols = n * p * q
        let (s, d, k, c) = (stride, padding, kernel, inChannels)
        x.withUnsafeBufferPointer { xb in
            columns.withUnsafeMutableBufferPointer { ob in
                let x = xb.baseAddress!, out = ob.baseAddress!
                for channel in 0..<c {
                    for i in 0..<k {
                        for j in 0..<k {
                            let range = columnRange(j: j, w: w, q: q)
                            var target = out + ((channel * k + i) * k + j) * cols
                            for item in 0..<n {
                                let image = x + (item * c + channel) * h * w
                                for py in 0..<p {
                                    let y = py * s - d + i
                                    if y < 0 || y >= h {
                                        target.update(repeating: 0, count: q)
                                    } else {
                                        let row = image + y * w - d + j
                                        if range.lowerBound > 0 { target.update(repeating: 0, count: range.lowerBound) }
                                        if s == 1 {
                                            (target + range.lowerBound).update(from: row + range.lowerBound, count: range.count)
                                        } else {
                                            for qx in range { target[qx] = row[qx * s] }
                                        }
                                        if range.upperBound < q { (target + range.upperBound).update(repeating: 0, count: q - range.upperBound) }
                                    }
                                    target += q
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds ∂X̂ [C·K·K, N·P·Q] back into ∂x [N, C, H, W] (`dx` starts zeroed): each column entry goes to
    /// the input position im2col read it from; padding entries are dropped.
    func col2im(_ columns: [Float], n: Int, h: Int, w: Int, into dx: inout [Float]) {
        let (p, q) = (outputSize(h), outputSize(w))
        let cols = n * p * q
        let (s, d, k, c) = (stride, padding, kernel, inChannels)
        columns.withUnsafeBufferPointer { cb in
            dx.withUnsafeMutableBufferPointer { db in
                let columns = cb.baseAddress!, dx = db.baseAddress!
                for channel in 0..<c {
                    for i in 0..<k {
                        for j in 0..<k {
                            let range = columnRange(j: j, w: w, q: q)
                            var source = columns + ((channel * k + i) * k + j) * cols
                            for item in 0..<n {
                                let image = dx + (item * c + channel) * h * w
                                for py in 0..<p {
                                    let y = py * s - d + i
                                    if y >= 0 && y < h {
                                        let row = image + y * w - d + j
                                        if s == 1 {
                                            for qx in range { row[qx] += source[qx] }
                                        } else {
                                            for qx in range { row[qx * s] += source[qx] }
                                        }
                                    }
                                    source += q
                                }
                            }
                        }
                    }
                }
            }
        }
    }

}
