import Dispatch
import NeuralEngine
import Seeding
import Synchronization
import Training

/// One hospital's local job: `epochs` epochs on its training samples, from the model `base`, with its
/// own seed (and FedProx's pull towards `base` when μ > 0).
public struct LocalJob: Sendable {
    public var hospital: Int
    public var base: [Float]
    public var seed: UInt64

    public init(hospital: Int, base: [Float], seed: UInt64) {
        self.hospital = hospital
        self.base = base
        self.seed = seed
    }
}

/// What a local job produced.
public struct LocalOutcome: Sendable {
    public var weights: [Float]
    public var lossSum: Double
    public var seen: Int
}

/// The hospitals of a simulation, in this process: each request is a local job on the host pool.
public final class InProcessTransport: HospitalTransport {
    let pool: HostPool
    let samples: any SampleSource
    let hospitals: [[Int]]
    let options: TrainingOptions
    let proximalMu: Float

    public init(pool: HostPool, samples: any SampleSource, hospitals: [[Int]], options: TrainingOptions, proximalMu: Float) {
        self.pool = pool
        self.samples = samples
        self.hospitals = hospitals
        self.options = options
        self.proximalMu = proximalMu
    }

    public func exchange(_ requests: [TrainingRequest]) -> [LocalModel] {
        let jobs = requests.map {
            LocalJob(hospital: $0.hospital, base: $0.model.weights, seed: FederationSimulation.localSeed(options.seed, job: $0.job, hospital: $0.hospital))
        }
        let outcomes = pool.train(jobs, samples: samples, hospitals: hospitals, options: options, proximalMu: proximalMu)
        return zip(requests, outcomes).map { request, outcome in
            LocalModel(
                hospital: request.hospital, baseVersion: request.model.version, samples: hospitals[request.hospital].count, weights: outcome.weights,
                lossSum: outcome.lossSum, seen: outcome.seen)
        }
    }
}

/// Runs hospitals' local training (and evaluations) on the host's cores: one model copy per worker, each
/// on one GEMM thread, the jobs handed out largest first. A job's result depends only on its base model,
/// its seed and its samples — never on which worker ran it or how many workers there are — so a run
/// gives the same bits on 1 thread or on 16.
public final class HostPool {
    let workers: [Sequential]

    public init(model: Sequential, threads: Int) {
        if let first = model.copy() {
            workers = [first] + (1..<max(1, threads)).map { _ in model.copy()! }
        } else {
            // A model of fixed layers cannot be copied: it trains its jobs itself, one after another.
            workers = [model]
        }
        for worker in workers { worker.setThreads(1) }
    }

    public var threads: Int { workers.count }

    /// Runs `count` tasks on the workers, `order` giving the order they are handed out in.
    private func perform(_ count: Int, order: [Int], _ body: (Sequential, Int) -> Void) {
        guard count > 0 else { return }
        GEMM.setThreads(1)
        let parallel = min(workers.count, count)
        if parallel == 1 {
            for task in order { body(workers[0], task) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox((workers: workers, order: order, body: body))
            DispatchQueue.concurrentPerform(iterations: parallel) { w in
                let (workers, order, body) = shared.value
                while true {
                    let slot = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard slot < order.count else { break }
                    body(workers[w], order[slot])
                }
            }
        }
    }

    /// Trains every job; results in the order of `jobs`.
    public func train(_ jobs: [LocalJob], samples: any SampleSource, hospitals: [[Int]], options: TrainingOptions, proximalMu: Float) -> [LocalOutcome] {
        var results = [LocalOutcome?](repeating: nil, count: jobs.count)
        let order = jobs.indices.sorted { hospitals[jobs[$0].hospital].count > hospitals[jobs[$1].hospital].count }
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedBox(buffer)
            perform(jobs.count, order: order) { model, j in
                out.value[j] = Self.trainOne(jobs[j], model: model, samples: samples, indices: hospitals[jobs[j].hospital], options: options, mu: proximalMu)
            }
        }
        return results.map { $0! }
    }

    static func trainOne(_ job: LocalJob, model: Sequential, samples: any SampleSource, indices: [Int], options: TrainingOptions, mu: Float) -> LocalOutcome {
        model.parameters.values = job.base
        var optimizer = Trainer.makeOptimizer(options)
        var generator = SeededGenerator(seed: job.seed)
        let base = job.base
        let proximal: ((inout Parameters) -> Void)? = mu == 0 ? nil : { parameters in
            for i in parameters.gradients.indices { parameters.gradients[i] += mu * (parameters.values[i] - base[i]) }
        }
        var lossSum = 0.0, seen = 0
        for _ in 0..<max(1, options.epochs) {
            let result = Trainer.runEpoch(
                model, samples: samples, indices: indices, options: options, optimizer: &optimizer, generator: &generator, adjustGradients: proximal)
            lossSum += result.lossSum
            seen += result.seen
        }
        return LocalOutcome(weights: model.parameters.values, lossSum: lossSum, seen: seen)
    }

    /// The classification metrics and mean loss of `weights` on each set of sample indices (empty sets
    /// give zero samples). Batches are spread over the workers; figures are combined in sample order, so
    /// they do not depend on the number of workers.
    func evaluate(_ weights: [Float], sets: [[Int]], samples: any SampleSource, classes: Int, batchSize: Int) -> [(metrics: ClassificationMetrics, loss: Double)] {
        predict(weights, sets: sets, samples: samples, batchSize: batchSize).map { output in
            let metrics = ClassificationMetrics(scores: output.probabilities, labels: output.labels, classes: classes)
            return (metrics, output.labels.isEmpty ? 0 : output.lossSum / Double(output.labels.count))
        }
    }

    /// Each set's softmax probabilities (rows in sample order), labels and summed cross-entropy under
    /// `weights`; batches are spread over the workers and put back in order.
    func predict(_ weights: [Float], sets: [[Int]], samples: any SampleSource, batchSize: Int) -> [(probabilities: [Float], labels: [Int], lossSum: Double)] {
        var chunks: [(set: Int, range: Range<Int>)] = []
        for (s, indices) in sets.enumerated() {
            var start = 0
            while start < indices.count {
                chunks.append((s, start..<min(indices.count, start + batchSize)))
                start += batchSize
            }
        }
        for worker in workers { worker.parameters.values = weights }
        var outputs = [(probabilities: [Float], labels: [Int], loss: Double)?](repeating: nil, count: chunks.count)
        outputs.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedBox(buffer)
            perform(chunks.count, order: Array(chunks.indices)) { model, c in
                let chunk = chunks[c]
                let batches = Batches(source: samples, indices: sets[chunk.set], batchSize: batchSize)
                let (x, labels) = batches.load(sets[chunk.set][chunk.range])
                var context = ForwardContext(training: false)
                let logits = model.forward(x, &context)
                let result = SoftmaxCrossEntropy()(logits, labels: labels)
                out.value[c] = (SoftmaxCrossEntropy.logSoftmax(logits, nonFiniteAsUniform: true).map { expf($0) }, labels, Double(result.value) * Double(labels.count))
            }
        }
        return sets.indices.map { s in
            var probabilities: [Float] = [], labels: [Int] = [], lossSum = 0.0
            for (c, chunk) in chunks.enumerated() where chunk.set == s {
                let output = outputs[c]!
                probabilities += output.probabilities
                labels += output.labels
                lossSum += output.loss
            }
            return (probabilities, labels, lossSum)
        }
    }
}

/// Hands values to parallel workers that each touch only their own part.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#endif
