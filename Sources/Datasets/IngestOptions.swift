/// Everything an ingest needs besides the source manifest.
public struct IngestOptions: Sendable, Equatable {
    public enum SourcePaths: String, Sendable, Codable, CaseIterable {
        /// Paths relative to the dataset root, patient identifiers in them replaced by pseudonyms.
        case relative
        /// No paths: content hashes only.
        case none
    }

    public var preprocessing: PreprocessSettings
    public var ratios: PatientSplitter.Ratios
    public var seed: UInt64
    /// Abort at the first file that fails, with a non-zero exit, instead of skipping it.
    public var strict: Bool
    /// A key file for the pseudonyms; nil draws a random key that is discarded with the finished store.
    public var keyFile: String?
    public var sourcePaths: SourcePaths
    /// Rebuild even when a store with the same inputs and settings exists.
    public var force: Bool
    /// Samples decoded between two journal writes (a resumed run repeats at most this many).
    public var chunkSize: Int

    public init(
        preprocessing: PreprocessSettings = PreprocessSettings(), ratios: PatientSplitter.Ratios = .default,
        seed: UInt64 = 0, strict: Bool = false, keyFile: String? = nil, sourcePaths: SourcePaths = .relative,
        force: Bool = false, chunkSize: Int = 256
    ) {
        self.preprocessing = preprocessing
        self.ratios = ratios
        self.seed = seed
        self.strict = strict
        self.keyFile = keyFile
        self.sourcePaths = sourcePaths
        self.force = force
        self.chunkSize = chunkSize
    }
}

/// Progress of an ingest, reported after every chunk.
public struct IngestProgress: Sendable {
    /// Source samples processed (decoded or failed), resumed ones included.
    public var done: Int
    public var total: Int
    public var failed: Int
    /// Samples processed by this run (for the rate).
    public var doneThisRun: Int
}

/// The summary of an ingest (`medsilo ingest --json`).
public struct IngestReport: Sendable, Codable {
    public var store: String
    public var layout: String
    /// True when an existing store with the same inputs and settings was kept.
    public var reused: Bool
    /// Samples of an interrupted earlier run that were kept.
    public var resumedSamples: Int
    public var samples: Int
    public var splits: [String: Int]
    public var classes: [String]
    public var classCounts: [String: [Int]]
    public var sites: [String]
    public var patients: Int
    public var failures: [IngestFailure]
    public var rejected: [IngestFailure]
    public var notes: [String]
    public var seconds: Double
    /// Source samples per second decoded by this run (decode phase).
    public var samplesPerSecond: Double
    /// Seconds per phase of this run: decode (read, decode, preprocess, write), flush (fsync of the
    /// tensors), finish (labels, records, provenance, normalisation, metadata, rename).
    public var phaseSeconds: [String: Double]
}
