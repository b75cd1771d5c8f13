/// A way of finding samples, labels, patients and sites in a source folder. One conformer per layout
/// or preset; each only reads manifests and lists files (pixels are decoded later, by the ingest).
public protocol DatasetLayout: Sendable {
    /// The name users pass to `--layout`.
    var name: String { get }
    /// Reads the source. Rows and files it cannot use go to `rejected`; it throws only when nothing
    /// sensible can be read (no manifest, a required column missing).
    func manifest(root: String) throws(DatasetError) -> SourceManifest
}

/// Options for the layouts, with the defaults the issue and `docs/datasets.md` state.
public struct LayoutOptions: Sendable, Equatable {
    /// The manifest (CSV) path, relative to the root or absolute; nil looks for a single `*.csv` at the root.
    public var manifest: String?
    public var pathColumn: String
    public var labelColumn: String
    public var patientColumn: String
    /// Tried in order: the first present names the site.
    public var siteColumns: [String]
    public var splitColumn: String
    /// One-hot label columns (multi-label); nil uses `labelColumn`.
    public var oneHotColumns: [String]?
    /// Separator of several labels in one field.
    public var labelSeparator: Character
    /// For the `dicom` layout: the attribute the labels CSV is keyed by, and the key column.
    public var dicomKey: DICOMKey
    public var keyColumn: String?
    /// For the `dicom` layout: where a sample's site comes from.
    public var siteAttribute: SiteAttribute
    /// For CheXpert: what an uncertain (−1) observation becomes.
    public var uncertainPolicy: UncertainPolicy
    /// For CheXpert: keep frontal views only.
    public var frontalOnly: Bool

    public enum DICOMKey: String, Sendable, CaseIterable {
        case patientID = "PatientID"
        case studyInstanceUID = "StudyInstanceUID"
        case sopInstanceUID = "SOPInstanceUID"
    }

    public enum SiteAttribute: String, Sendable, CaseIterable {
        case none
        case institutionName = "InstitutionName"
        case manufacturer = "Manufacturer"
    }

    /// CheXpert's uncertainty labels (Irvin et al. 2019): U-Ones maps −1 to positive, U-Zeros to negative.
    public enum UncertainPolicy: String, Sendable, CaseIterable {
        case ones, zeros
    }

    public init(
        manifest: String? = nil, pathColumn: String = "path", labelColumn: String = "label",
        patientColumn: String = "patient", siteColumns: [String] = ["site", "hospital"], splitColumn: String = "split",
        oneHotColumns: [String]? = nil, labelSeparator: Character = "|", dicomKey: DICOMKey = .patientID,
        keyColumn: String? = nil, siteAttribute: SiteAttribute = .none, uncertainPolicy: UncertainPolicy = .ones,
        frontalOnly: Bool = false
    ) {
        self.manifest = manifest
        self.pathColumn = pathColumn
        self.labelColumn = labelColumn
        self.patientColumn = patientColumn
        self.siteColumns = siteColumns
        self.splitColumn = splitColumn
        self.oneHotColumns = oneHotColumns
        self.labelSeparator = labelSeparator
        self.dicomKey = dicomKey
        self.keyColumn = keyColumn
        self.siteAttribute = siteAttribute
        self.uncertainPolicy = uncertainPolicy
        self.frontalOnly = frontalOnly
    }
}

/// Class names in a stable order: numeric order when every name is an integer, otherwise byte order.
func orderedClasses(_ names: some Sequence<String>) -> [String] {
    let unique = Array(Set(names))
    let bytewise: (String, String) -> Bool = { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    if unique.allSatisfy({ Int($0) != nil }) {
        // Ties ("1", "01", "+1") broken by bytes, so the order never depends on the set's.
        return unique.sorted { Int($0)! != Int($1)! ? Int($0)! < Int($1)! : bytewise($0, $1) }
    }
    return unique.sorted(by: bytewise)
}

/// Image files a folder layout picks up: PNG and JPEG by extension, DICOM by extension or by having
/// none (PACS exports often name files by UID).
func isImageCandidate(_ path: String) -> Bool {
    let name = FileAccess.baseName(path).lowercased()
    guard let dot = name.lastIndex(of: ".") else { return true }
    let ext = name[name.index(after: dot)...]
    if ["png", "jpg", "jpeg", "dcm", "dicom", "dic"].contains(String(ext)) { return true }
    // DICOM files named by UID have only digits after the last dot.
    return ext.allSatisfy(\.isNumber)
}
