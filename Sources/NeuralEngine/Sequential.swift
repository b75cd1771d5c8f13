import Dispatch
import Seeding

#if os(Linux)
/// glibc's mallopt, which the Glibc module does not export (it lives in <malloc.h>).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// A chain of layers with its parameters in one flat buffer.
///
/// `build` fixes the input shape of one item, walks the layers to declare their parameters under
/// their names (PyTorch's state-dict names, so weights load there) and works out every shape;
/// `forward` and `backward` run the chain with `parameters.values` and accumulate into
/// `parameters.gradients`.
///
/// Threads (`threads`): a model built from a layer factory runs a batch data-parallel — the batch is cut
/// into one contiguous shard per thread, each shard goes through its own copy of the layers (sharing the
/// one parameter buffer; each copy keeps its own activations and gradient buffer) with single-threaded
/// GEMMs, and the copies' gradients are summed into `parameters.gradients` in thread order. Every
/// element-wise loop then runs in parallel too, not only the matrix multiplies. Results depend on the
/// thread count (the summation order changes) but are the same for the same count. Models with batch
/// normalisation keep one copy (per-shard batch statistics would change the model) and use
/// multi-threaded GEMMs instead.
public final class Sequential {
    public let name: String
    public let inputShape: [Int]
    public let layers: [(name: String, layer: any Layer)]
    public private(set) var outputShape: [Int]
    public var parameters: Parameters
    /// State that is not learned (batch norm's running statistics), flat like the parameters.
    public var buffers: [Float]
    public let bufferLayout: ParameterLayout
    /// Builds a fresh copy of the layers (nil: the model was given a fixed list and runs one copy).
    private let factory: (() -> [(String, any Layer)])?
    /// Extra copies of the layers for data-parallel threads, each with its gradient buffer.
    private var replicas: [Replica] = []

    /// A copy of the layers and the gradient buffer its backward adds into.
    private final class Replica {
        let layers: [(name: String, layer: any Layer)]
        let gradients: UnsafeMutableBufferPointer<Float>

        init(layers: [(name: String, layer: any Layer)], count: Int) {
            self.layers = layers
            gradients = .allocate(capacity: count)
            gradients.initialize(repeating: 0)
        }

        deinit { gradients.deallocate() }
    }
    /// Shard sizes of the last data-parallel forward, and the copies it ran on.
    private var shards: [Int] = []
    private var shardReplicas: [Replica] = []
    public private(set) var threads = 1

    /// A model from a fixed list of layers (one copy; GEMMs may still use several threads).
    public convenience init(name: String, inputShape: [Int], layers: [(String, any Layer)]) {
        self.init(name: name, inputShape: inputShape, built: layers, factory: nil)
    }

    /// A model whose layers `factory` builds; it can run data-parallel on several threads.
    public convenience init(name: String, inputShape: [Int], factory: @escaping () -> [(String, any Layer)]) {
        self.init(name: name, inputShape: inputShape, built: factory(), factory: factory)
    }

    /// A model with the same layers and the same weights and buffers, sharing nothing with this one (one
    /// thread); nil for a model built from a fixed list of layers, which cannot build its layers again.
    public func copy() -> Sequential? {
        guard let factory else { return nil }
        let twin = Sequential(name: name, inputShape: inputShape, built: factory(), factory: factory)
        precondition(twin.parameters.layout == parameters.layout, "\(name): a copy of the layers declared other parameters")
        twin.parameters.values = parameters.values
        twin.buffers = buffers
        return twin
    }

    private init(name: String, inputShape: [Int], built layers: [(String, any Layer)], factory: (() -> [(String, any Layer)])?) {
        _ = Self.allocatorTuned
        self.name = name
        self.inputShape = inputShape
        self.factory = factory
        let (chain, layout, bufferLayout, shape) = Self.build(layers, inputShape: inputShape)
        self.layers = chain
        outputShape = shape
        parameters = Parameters(layout: layout)
        self.bufferLayout = bufferLayout
        buffers = [Float](repeating: 0, count: bufferLayout.count)
    }

    private static func build(_ layers: [(String, any Layer)], inputShape: [Int])
        -> ([(name: String, layer: any Layer)], ParameterLayout, ParameterLayout, [Int])
    {
        var layout = ParameterLayout(), bufferLayout = ParameterLayout()
        var shape = inputShape
        for (layerName, layer) in layers {
            shape = layer.build(inputShape: shape, prefix: layerName, layout: &layout)
            layer.buildBuffers(prefix: layerName, layout: &bufferLayout)
        }
        // Nobody needs the gradient of the network's input.
        (layers.first?.1 as? Conv2d)?.computesInputGradient = false
        return (layers.map { (name: $0.0, layer: $0.1) }, layout, bufferLayout, shape)
    }

    /// Activations of a batch are arrays of several to tens of MiB, allocated and freed every step. With
    /// glibc's defaults such blocks are mapped and unmapped each time (or trimmed off the heap), and the
    /// page faults of touching fresh pages cost a tenth of a training step. Serving them from the heap
    /// and keeping freed memory for reuse removes that: the mmap threshold goes to its maximum (32 MiB)
    /// and the trim threshold to 1 GiB. Done once per process, when the first model is built.
    static let allocatorTuned: Bool = {
        #if os(Linux)
        // glibc's <malloc.h>: M_TRIM_THRESHOLD is −1, M_MMAP_THRESHOLD −3.
        _ = glibcMallopt(-3, 32 << 20)
        _ = glibcMallopt(-1, 1 << 30)
        #endif
        return true
    }()

    /// True when some layer keeps batch statistics, which data-parallel shards would change.
    private var hasBatchStatistics: Bool { !bufferLayout.entries.isEmpty }

    /// Uses `count` threads: data-parallel copies when the model allows it, else multi-threaded GEMMs.
    /// (Each forward sets the process-wide GEMM thread count it needs.)
    public func setThreads(_ count: Int) {
        threads = max(1, count)
        guard let factory, !hasBatchStatistics, threads > 1 else {
            replicas = []
            GEMM.setThreads(threads)
            return
        }
        GEMM.setThreads(1)
        while replicas.count < threads - 1 {
            let (chain, layout, _, _) = Self.build(factory(), inputShape: inputShape)
            precondition(layout == parameters.layout, "\(name): a copy of the layers declared other parameters")
            replicas.append(Replica(layers: chain, count: layout.count))
        }
        if replicas.count > threads - 1 { replicas.removeLast(replicas.count - (threads - 1)) }
    }

    /// PyTorch-default initialisation of every layer, layer by layer from one generator.
    public func initialize(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        parameters.values.withUnsafeMutableBufferPointer { values in
            for (_, layer) in layers { layer.initialize(values, generator: &generator) }
        }
        buffers.withUnsafeMutableBufferPointer { buffers in
            for (_, layer) in layers { layer.initializeBuffers(buffers) }
        }
    }

    public func forward(_ x: Tensor, _ context: inout ForwardContext) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == inputShape, "\(name) expects items of shape \(inputShape), got \(x.shape)")
        // As many copies as there are items, at most; the GEMM thread count is set for this call, as
        // another model may have changed the process-wide setting since.
        let parallel = min(replicas.count + 1, x.batch)
        guard parallel > 1 else {
            // Only a training forward sets what backward reads; an evaluation in between leaves it.
            if context.training { shards = [] }
            GEMM.setThreads(replicas.isEmpty ? threads : 1)
            return parameters.values.withUnsafeBufferPointer { p in
                buffers.withUnsafeMutableBufferPointer { b in Self.run(layers, x, p, b, &context) }
            }
        }
        GEMM.setThreads(1)
        // Contiguous shards, the first ones one item larger when the batch does not divide.
        let shardSizes = (0..<parallel).map { x.batch / parallel + ($0 < x.batch % parallel ? 1 : 0) }
        let item = x.itemSize
        let starts = Self.offsets(shardSizes)
        let seeds = (0..<parallel).map { _ in context.generator.next() }
        let training = context.training
        let outputs = UnsafeMutableBufferPointer<Tensor>.allocate(capacity: parallel)
        defer { outputs.deallocate() }
        let chains = Array(([layers] + replicas.map(\.layers)).prefix(parallel))
        if context.training {
            shards = shardSizes
            shardReplicas = Array(replicas.prefix(parallel - 1))
        }
        parameters.values.withUnsafeBufferPointer { p in
            buffers.withUnsafeMutableBufferPointer { b in
                let shared = UncheckedSendable((p, b, outputs, chains))
                concurrentPerform(parallel) { r in
                    let (p, b, outputs, chains) = shared.value
                    let shard = Tensor(
                        shape: [shardSizes[r]] + Array(x.shape.dropFirst()),
                        values: Array(x.values[starts[r] * item..<(starts[r] + shardSizes[r]) * item]))
                    var local = ForwardContext(training: training, generator: SeededGenerator(seed: seeds[r]))
                    (outputs.baseAddress! + r).initialize(to: Self.run(chains[r], shard, p, b, &local))
                }
            }
        }
        let results = Array(outputs)
        for r in 0..<parallel { (outputs.baseAddress! + r).deinitialize(count: 1) }
        return Tensor(shape: [x.batch] + results[0].shape.dropFirst(), values: results.flatMap(\.values))
    }

    /// Where each shard starts: the running sums of the sizes before it.
    private static func offsets(_ sizes: [Int]) -> [Int] {
        var result: [Int] = []
        var sum = 0
        for size in sizes {
            result.append(sum)
            sum += size
        }
        return result
    }

    /// Runs one copy of the layers forward.
    private static func run(
        _ chain: [(name: String, layer: any Layer)], _ x: Tensor, _ p: UnsafeBufferPointer<Float>, _ b: UnsafeMutableBufferPointer<Float>,
        _ context: inout ForwardContext
    ) -> Tensor {
        context.buffers = b
        defer { context.buffers = UnsafeMutableBufferPointer(start: nil, count: 0) }
        var y = x
        for (_, layer) in chain { y = layer.forward(y, p, &context) }
        return y
    }

    /// Runs one copy of the layers backward, adding into `g`.
    private static func runBackward(
        _ chain: [(name: String, layer: any Layer)], _ dy: Tensor, _ p: UnsafeBufferPointer<Float>, _ g: UnsafeMutableBufferPointer<Float>
    ) -> Tensor {
        var d = dy
        for (_, layer) in chain.reversed() { d = layer.backward(d, p, g) }
        return d
    }

    /// Backward through the chain from ∂L/∂output (for the last training forward); gradients are added
    /// to `parameters.gradients`.
    @discardableResult
    public func backward(_ dy: Tensor) -> Tensor {
        let values = parameters.values
        guard !shards.isEmpty else {
            return values.withUnsafeBufferPointer { p in
                parameters.gradients.withUnsafeMutableBufferPointer { g in Self.runBackward(layers, dy, p, g) }
            }
        }
        let parallel = shards.count
        let item = dy.itemSize
        let starts = Self.offsets(shards)
        let shardSizes = shards
        let inputs = UnsafeMutableBufferPointer<Tensor>.allocate(capacity: parallel)
        defer { inputs.deallocate() }
        // The copies the last forward used (setThreads may have changed `replicas` since).
        let pointers = shardReplicas.map(\.gradients)
        let chains = [layers] + shardReplicas.map(\.layers)
        values.withUnsafeBufferPointer { p in
            parameters.gradients.withUnsafeMutableBufferPointer { g0 in
                let shared = UncheckedSendable((p, g0, pointers, inputs, chains))
                concurrentPerform(parallel) { r in
                    let (p, g0, pointers, inputs, chains) = shared.value
                    let shard = Tensor(
                        shape: [shardSizes[r]] + Array(dy.shape.dropFirst()),
                        values: Array(dy.values[starts[r] * item..<(starts[r] + shardSizes[r]) * item]))
                    (inputs.baseAddress! + r).initialize(to: Self.runBackward(chains[r], shard, p, r == 0 ? g0 : pointers[r - 1]))
                }
                // Sum the copies' gradients into the model's, in thread order, and clear them.
                for r in 0..<pointers.count {
                    let g = pointers[r]
                    for i in 0..<g0.count {
                        g0[i] += g[i]
                        g[i] = 0
                    }
                }
            }
        }
        let results = Array(inputs)
        for r in 0..<parallel { (inputs.baseAddress! + r).deinitialize(count: 1) }
        return Tensor(shape: [dy.batch] + results[0].shape.dropFirst(), values: results.flatMap(\.values))
    }
}

/// Runs `body(0)` … `body(count − 1)` on the cores, returning when all are done.
func concurrentPerform(_ count: Int, _ body: @Sendable (Int) -> Void) {
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// Wraps values that are handed to parallel workers which each touch only their own part.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
