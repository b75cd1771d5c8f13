/// What crosses between server and hospitals. Plain values, so an in-process transport and a network
/// one can carry the same protocol.
public enum Message: Sendable, Equatable, Codable {
    /// The server's model at a version.
    case globalModel(GlobalModel)
    /// The server asks a hospital to train its `job`-th local job from a model.
    case trainingRequest(TrainingRequest)
    /// A hospital's answer: its trained weights.
    case localModel(LocalModel)
    /// A hospital's update: its new weights minus the model it started from, that model's version, and
    /// how many samples it trained on.
    case clientUpdate(ClientUpdate)
    /// A hospital asks to be forgotten.
    case unlearningRequest(UnlearningRequest)
}

public struct GlobalModel: Sendable, Equatable, Codable {
    public var version: Int
    public var weights: [Float]

    public init(version: Int, weights: [Float]) {
        self.version = version
        self.weights = weights
    }
}

public struct TrainingRequest: Sendable, Equatable, Codable {
    public var hospital: Int
    /// How many jobs the hospital was given before (its local seed derives from it).
    public var job: Int
    public var model: GlobalModel

    public init(hospital: Int, job: Int, model: GlobalModel) {
        self.hospital = hospital
        self.job = job
        self.model = model
    }
}

/// A hospital's trained model, the version it started from, its training samples and the mean loss of
/// its local training.
public struct LocalModel: Sendable, Equatable, Codable {
    public var hospital: Int
    public var baseVersion: Int
    public var samples: Int
    public var weights: [Float]
    public var lossSum: Double
    public var seen: Int

    public init(hospital: Int, baseVersion: Int, samples: Int, weights: [Float], lossSum: Double, seen: Int) {
        self.hospital = hospital
        self.baseVersion = baseVersion
        self.samples = samples
        self.weights = weights
        self.lossSum = lossSum
        self.seen = seen
    }
}

/// Carries the server's training requests to hospitals and their models back. The simulation runs on
/// `InProcessTransport`; a network transport implements the same call by sending the requests out
/// (concurrently) and waiting for every answer. Answers come back in the order of the requests.
public protocol HospitalTransport: AnyObject {
    func exchange(_ requests: [TrainingRequest]) -> [LocalModel]
}

public struct ClientUpdate: Sendable, Equatable, Codable {
    public var hospital: Int
    public var baseVersion: Int
    public var samples: Int
    public var delta: [Float]

    public init(hospital: Int, baseVersion: Int, samples: Int, delta: [Float]) {
        self.hospital = hospital
        self.baseVersion = baseVersion
        self.samples = samples
        self.delta = delta
    }

    /// Bytes on the wire: the Float32 delta plus a small header.
    public var wireBytes: Int { delta.count * 4 + 32 }
}

public struct UnlearningRequest: Sendable, Equatable, Codable {
    public var hospital: Int
    /// Virtual time at which the request arrives.
    public var time: Double

    public init(hospital: Int, time: Double) {
        self.hospital = hospital
        self.time = time
    }
}
