/// `store.json`: what a dataset store holds and how it was made (format version 1).
///
/// The on-disk format is documented in `docs/datasets.md`. Besides this file a store holds
/// `images.bin` (N × C × H × W values, little-endian, `storage` type), `labels.bin` (N × K bytes, 1 where
/// the sample has class k), `samples.bin` (N records of 8 bytes: split u8, reserved u8, site u16,
/// patient u32; 0xFFFF / 0xFFFFFFFF for none), `samples.csv` (provenance per sample), `patients.txt`
/// (pseudonyms in patient-index order) and `failures.csv`.
public struct StoreMetadata: Sendable, Equatable, Codable {
    public static let formatName = "medsilo-store"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    /// SHA-256 over the inputs (file names, sizes, modification times, manifests) and every setting.
    public var fingerprint: String
    public var layout: String
    /// The name of the dataset folder the samples came from — its last path component, patient identifiers
    /// replaced as in the recorded paths; never an absolute path (stores written before December 2026 may
    /// hold one).
    public var source: String
    public var classes: [String]
    public var multiLabel: Bool
    public var count: Int
    /// [channels, height, width].
    public var shape: [Int]
    public var preprocessing: PreprocessSettings
    public var normalization: Normalization
    /// Samples per split.
    public var splits: [String: Int]
    /// Per split, samples per class (for multi-label data, samples having the class).
    public var classCounts: [String: [Int]]
    /// Site names in site-index order.
    public var sites: [String]
    /// Number of distinct patients (pseudonyms) in the store.
    public var patients: Int
    /// What the patient column means ("patient", "lesion"), nil when the source has none.
    public var grouping: String?
    public var splitPolicy: SplitPolicy
    public var pseudonymization: PseudonymizationInfo
    /// "relative" (paths relative to `source`, patient IDs replaced by pseudonyms) or "none".
    public var sourcePaths: String
    /// Files that failed to decode (listed in failures.csv with the reason).
    public var failed: Int
    /// Manifest rows refused before decoding (also in failures.csv).
    public var rejected: Int
    public var notes: [String]
    public var createdBy: String

    public struct SplitPolicy: Sendable, Equatable, Codable {
        public var ratios: PatientSplitter.Ratios
        public var seed: UInt64
        /// Splits taken from the source rather than drawn.
        public var givenBySource: [String]
        /// Patients whose given splits disagreed (their samples keep the source's splits).
        public var conflictingPatients: Int
    }

    public struct PseudonymizationInfo: Sendable, Equatable, Codable {
        public var method: String
        /// True when the user supplied the key file (pseudonyms repeat across stores made with it).
        public var userKey: Bool
    }

    /// Bytes per stored sample in images.bin.
    public var sampleByteCount: Int { shape.reduce(1, *) * preprocessing.storage.byteCount }
}

/// The fixed-size record of samples.bin.
struct SampleRecord: Equatable {
    static let byteCount = 8
    static let noSite = UInt16.max
    static let noPatient = UInt32.max

    var split: Split
    var site: UInt16
    var patient: UInt32

    func encode(into bytes: inout [UInt8]) {
        bytes.append(split.code)
        bytes.append(0)
        bytes.append(UInt8(site & 0xFF))
        bytes.append(UInt8(site >> 8))
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((patient >> UInt32(shift)) & 0xFF)) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> SampleRecord? {
        guard let split = Split(code: bytes[offset]) else { return nil }
        let site = UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8
        var patient: UInt32 = 0
        for k in 0..<4 { patient |= UInt32(bytes[offset + 4 + k]) << UInt32(8 * k) }
        return SampleRecord(split: split, site: site, patient: patient)
    }
}
