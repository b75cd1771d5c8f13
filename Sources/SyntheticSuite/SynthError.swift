/// Why generation stopped.
public enum SynthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option is out of range; the message names it.
    case invalidOptions(String)
    /// A file or folder could not be written or encoded.
    case writeFailed(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidOptions(let message): return "invalid options: \(message)"
        case .writeFailed(let path, let message): return "\(path): \(message)"
        }
    }
}
