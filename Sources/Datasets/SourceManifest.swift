/// The three splits of a dataset.
public enum Split: String, Sendable, Codable, CaseIterable, Comparable {
    case train, val, test

    /// Reads the split names public manifests use (`train`, `training`, `val`, `valid`, `validation`, `test`).
    public init?(manifestValue: String) {
        switch manifestValue.trimmingSpaces.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation", "dev": self = .val
        case "test", "testing": self = .test
        default: return nil
        }
    }

    var code: UInt8 {
        switch self {
        case .train: return 0
        case .val: return 1
        case .test: return 2
        }
    }

    init?(code: UInt8) {
        switch code {
        case 0: self = .train
        case 1: self = .val
        case 2: self = .test
        default: return nil
        }
    }

    public static func < (a: Split, b: Split) -> Bool { a.code < b.code }
}

/// One sample a layout found, before decoding: where its pixels are and what is known about it.
///
/// `patient` holds the raw identifier from the source (a patient ID, a lesion ID): it lives in memory
/// only and is replaced by a keyed pseudonym before anything is written.
public struct SourceSample: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// A file, by its path relative to the dataset root.
        case file(String)
        /// Row `row` of image array `member` in the layout's array archive.
        case arrayRow(member: String, row: Int)
    }

    public var origin: Origin
    /// Class indices into the manifest's `classes`: exactly one for single-label data, any number for multi-label.
    public var labels: [Int]
    public var patient: String?
    /// Other forms of the patient identifier that file names carry (NIH pads IDs to 8 digits), so that
    /// recorded paths can have them replaced too. Memory only.
    public var patientAliases: [String] = []
    public var site: String?
    /// The split the source assigns, if any (MedMNIST's splits, a manifest's split column).
    public var split: Split?

    public init(origin: Origin, labels: [Int], patient: String? = nil, site: String? = nil, split: Split? = nil) {
        self.origin = origin
        self.labels = labels
        self.patient = patient
        self.site = site
        self.split = split
    }
}

/// A sample a layout refused or an ingest could not decode, with the file and the reason.
public struct IngestFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Where: the file concerned (relative to the dataset root), or `manifest:line` for a manifest row.
    public var path: String
    /// Why, without file paths (they go in `file`), so that withholding paths withholds them all.
    public var reason: String
    /// The file a manifest row names, when `path` is the manifest.
    public var file: String?
    /// True when `path` is a file of the source rather than a manifest location.
    public var pathIsFile: Bool
    /// Raw forms of the sample's patient identifier (memory only, never encoded), so that what is
    /// written can have them replaced by the pseudonym.
    var identifiers: [String] = []

    enum CodingKeys: String, CodingKey { case path, reason, file }

    public init(path: String, reason: String, file: String? = nil, pathIsFile: Bool = true) {
        self.path = path
        self.reason = reason
        self.file = file
        self.pathIsFile = pathIsFile
    }

    /// A refused manifest row: its location, the reason, the file it names, the patient's raw ID forms.
    static func row(_ location: String, _ reason: String, file: String? = nil, identifiers: [String] = []) -> IngestFailure {
        var failure = IngestFailure(path: location, reason: reason, file: file, pathIsFile: false)
        failure.identifiers = identifiers.filter { !$0.isEmpty }
        return failure
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        reason = try container.decode(String.self, forKey: .reason)
        file = try container.decodeIfPresent(String.self, forKey: .file)
        pathIsFile = file == nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(file, forKey: .file)
    }

    public var description: String { "\(path): \(file.map { "\($0): " } ?? "")\(reason)" }
}

/// Everything a layout found in a source folder: classes, samples and how it read them.
public struct SourceManifest: Sendable {
    /// The dataset root; sample paths are relative to it.
    public var root: String
    /// The layout (or preset) that read the folder.
    public var layout: String
    public var classes: [String]
    public var multiLabel: Bool
    public var samples: [SourceSample]
    /// What the layout chose or noticed, in sentences for the user (column names used, policies applied).
    public var notes: [String]
    /// Manifest rows and files refused before decoding.
    public var rejected: [IngestFailure]
    /// Files the layout read besides the images (manifests, archives), for the store's fingerprint.
    public var inputs: [String]
    /// What a patient identifier means here ("patient", "lesion"), or nil when the source has none.
    public var grouping: String?
    /// For array layouts: the archive holding the image arrays.
    public var archive: String?

    public init(
        root: String, layout: String, classes: [String], multiLabel: Bool, samples: [SourceSample] = [],
        notes: [String] = [], rejected: [IngestFailure] = [], inputs: [String] = [], grouping: String? = nil,
        archive: String? = nil
    ) {
        self.root = root
        self.layout = layout
        self.classes = classes
        self.multiLabel = multiLabel
        self.samples = samples
        self.notes = notes
        self.rejected = rejected
        self.inputs = inputs
        self.grouping = grouping
        self.archive = archive
    }
}
