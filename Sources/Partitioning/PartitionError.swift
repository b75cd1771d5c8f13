/// Why a partition could not be made: the constraint that cannot be met and what would meet it.
public struct PartitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
