/// What crosses between server and hospitals. Plain values, so an in-process transport and a network
/// one can carry the same protocol.
public enum Message: Sendable, Equatable, Codable {
    /// The server's model at a version.
    case globalModel(GlobalModel)
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
