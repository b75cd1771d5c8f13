/// When hospitals can take part: late joins, departures and drop-outs.
///
/// A hospital takes part from its join time (default 0) until its leave time (default never), in virtual
/// seconds. Each local job it starts is lost with probability `dropout` (a seeded draw per job): its
/// update never reaches the server, and the simulation does not compute its training. A synchronous
/// server notices the loss when the update should have arrived, so a dropped participant still delays
/// its round (the server waits for it as it would for any participant, then aggregates without it); an
/// asynchronous hospital simply starts again from the current model.
public struct Availability: Sendable, Equatable, Codable {
    public var joins: [Int: Double]
    public var leaves: [Int: Double]
    public var dropout: Double

    public init(joins: [Int: Double] = [:], leaves: [Int: Double] = [:], dropout: Double = 0) {
        self.joins = joins
        self.leaves = leaves
        self.dropout = dropout
    }

    public static let always = Availability()

    public func joinTime(_ hospital: Int) -> Double { joins[hospital] ?? 0 }
    public func leaveTime(_ hospital: Int) -> Double { leaves[hospital] ?? .infinity }

    /// True when `hospital` can start work at virtual time `time`.
    public func isAvailable(_ hospital: Int, at time: Double) -> Bool {
        joinTime(hospital) <= time && time < leaveTime(hospital)
    }
}
