import FoundationEssentials
import NeuralEngine
import Seeding

/// A simulation saved between two steps: a safetensors file whose arrays are the global model, the
/// server optimiser's moments (Float64), the models hospitals in flight started from, and FedBuff's
/// buffered updates, and whose metadata holds the rest of the state as JSON under
/// `medsilo.federation`. Local training of updates in flight is not saved: it is a pure function of its
/// base model, seed and samples, so a restored run computes it again and gets the same bits.
extension FederationSimulation {
    public struct CheckpointError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    struct State: Codable {
        var format = "medsilo-federation-checkpoint"
        var version = 1
        var synchronous: Bool
        var hospitals: Int
        var parameters: Int
        var step: Int
        var virtualTime: Double
        /// Nobody can take part any more.
        var finished: Bool
        var stepLimit: Int
        var excluded: [Int]
        var sampler: UInt64
        var dropouts: UInt64
        var jobs: [Int]
        var clockNow: Double
        var clockSequence: Int
        var pending: [Pending]
        var bases: [Base]
        var buffer: [Buffered]

        struct Pending: Codable {
            var time: Double
            var sequence: Int
            var event: AsyncEvent
        }

        struct Base: Codable {
            var version: Int
            var users: Int
        }
    }

    static let stateKey = "medsilo.federation"

    /// The checkpoint's bytes; `metadata` is stored alongside (a run folder records its log lengths).
    public func checkpoint(metadata extra: [String: String] = [:]) -> [UInt8] {
        let snapshot = clock.snapshot
        let state = State(
            synchronous: settings.protocolKind.isSynchronous, hospitals: hospitals.count, parameters: global.count, step: step,
            virtualTime: virtualTime, finished: exhausted, stepLimit: stepLimit, excluded: excluded.sorted(), sampler: sampler.state, dropouts: dropouts.state, jobs: jobs,
            clockNow: snapshot.now, clockSequence: snapshot.sequence,
            pending: snapshot.entries.map { State.Pending(time: $0.time, sequence: $0.sequence, event: $0.event) },
            bases: bases.keys.sorted().map { State.Base(version: $0, users: bases[$0]!.users) }, buffer: buffer)
        var arrays: [String: Safetensors.ArrayValues] = ["global": .f32(global)]
        if !aggregator.first.isEmpty { arrays["server.first"] = .f64(aggregator.first) }
        if !aggregator.second.isEmpty { arrays["server.second"] = .f64(aggregator.second) }
        for (version, base) in bases { arrays["base.\(version)"] = .f32(base.weights) }
        for (i, entry) in buffer.enumerated() { arrays["buffer.\(i)"] = .f32(entry.delta) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try! encoder.encode(state), as: UTF8.self)
        return Safetensors.encode(arrays: arrays, metadata: extra.merging([Self.stateKey: json]) { _, ours in ours })
    }

    /// The metadata a checkpoint was written with (without the simulation's own state).
    public static func checkpointMetadata(_ bytes: [UInt8]) throws(CheckpointError) -> [String: String] {
        do {
            var metadata = try Safetensors.decodeArrays(bytes).metadata
            metadata[stateKey] = nil
            return metadata
        } catch {
            throw CheckpointError(description: error.description)
        }
    }

    /// Puts the simulation in the state `bytes` describe; it must have been built with the same model,
    /// hospitals and settings.
    public func restore(_ bytes: [UInt8]) throws(CheckpointError) {
        let arrays: [String: Safetensors.ArrayValues]
        let state: State
        do {
            let decoded = try Safetensors.decodeArrays(bytes)
            arrays = decoded.arrays
            guard let json = decoded.metadata[Self.stateKey] else { throw CheckpointError(description: "not a federation checkpoint (no \(Self.stateKey) metadata)") }
            state = try JSONDecoder().decode(State.self, from: Data(json.utf8))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(description: "unreadable checkpoint: \(error)")
        }
        guard state.format == "medsilo-federation-checkpoint", state.version == 1 else {
            throw CheckpointError(description: "checkpoint format \(state.format) version \(state.version); this MedSilo reads version 1")
        }
        guard state.synchronous == settings.protocolKind.isSynchronous, state.hospitals == hospitals.count, state.parameters == global.count else {
            throw CheckpointError(
                description: "the checkpoint is of another federation (\(state.synchronous ? "synchronous" : "asynchronous"), \(state.hospitals) hospitals, \(state.parameters) parameters)")
        }
        func f32(_ name: String) throws(CheckpointError) -> [Float] {
            guard case .f32(let values)? = arrays[name], values.count == state.parameters else { throw CheckpointError(description: "array \(name) missing or of the wrong size") }
            return values
        }
        func f64(_ name: String) throws(CheckpointError) -> [Double] {
            guard let entry = arrays[name] else { return [] }
            guard case .f64(let values) = entry, values.count == state.parameters else { throw CheckpointError(description: "array \(name) of the wrong type or size") }
            return values
        }
        global = try f32("global")
        aggregator.first = try f64("server.first")
        aggregator.second = try f64("server.second")
        var restoredBases: [Int: (weights: [Float], users: Int)] = [:]
        for base in state.bases { restoredBases[base.version] = (try f32("base.\(base.version)"), base.users) }
        var restoredBuffer = state.buffer
        for i in restoredBuffer.indices { restoredBuffer[i].delta = try f32("buffer.\(i)") }
        bases = restoredBases
        buffer = restoredBuffer
        step = state.step
        virtualTime = state.virtualTime
        exhausted = state.finished
        stepLimit = state.stepLimit
        excluded = Set(state.excluded)
        sampler = SeededGenerator(seed: state.sampler)
        dropouts = SeededGenerator(seed: state.dropouts)
        jobs = state.jobs
        clock = VirtualClock(.init(now: state.clockNow, sequence: state.clockSequence, entries: state.pending.map { ($0.time, $0.sequence, $0.event) }))
        trained = [:]
        model.parameters.values = global
    }
}
