/// Why a dataset could not be read, ingested or opened, and which file (and line) it concerns.
///
/// Per-file decode failures during a bulk ingest are not thrown: they are collected as
/// `IngestFailure`s and the job carries on (unless strict). `DatasetError` is for what stops a job.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file or folder could not be opened, read or written.
        case io(String)
        /// A manifest (CSV) is malformed: a quote left open, a row with the wrong number of fields.
        case malformedManifest(String)
        /// A column the layout needs is absent from a manifest's header.
        case missingColumn(String)
        /// A path in a manifest points outside the dataset root (`..`, an absolute path elsewhere, a symbolic link out).
        case pathEscapesRoot(String)
        /// The layout could not be recognised, or its files are not where the layout says.
        case layout(String)
        /// An array or archive that is not what the layout needs (wrong dtype, shape or key).
        case invalidArray(String)
        /// No sample could be ingested.
        case empty(String)
        /// A store on disk is not a MedSilo store, has another format version, or is damaged.
        case invalidStore(String)
        /// Options that cannot be met together (ratios not summing to one, a size of zero…).
        case invalidOptions(String)
        /// A file failed in strict mode.
        case strictFailure(String)
        /// The job was interrupted (the partial store stays and the next run resumes it).
        case interrupted
    }

    /// The file concerned (with `:line` for manifest rows), or the store folder.
    public var path: String
    public var reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

extension DatasetError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let message): return message
        case .malformedManifest(let message): return "malformed manifest: \(message)"
        case .missingColumn(let message): return "missing column: \(message)"
        case .pathEscapesRoot(let message): return "path escapes the dataset root: \(message)"
        case .layout(let message): return message
        case .invalidArray(let message): return "invalid array: \(message)"
        case .empty(let message): return "no samples: \(message)"
        case .invalidStore(let message): return "invalid store: \(message)"
        case .invalidOptions(let message): return message
        case .strictFailure(let message): return "strict mode: \(message)"
        case .interrupted: return "interrupted; run the same command again to resume"
        }
    }
}
