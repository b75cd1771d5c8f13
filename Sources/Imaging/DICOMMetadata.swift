/// The DICOM attributes MedSilo keeps from a file; nothing else is copied out.
///
/// `patientID` is held in memory for grouping images by patient but is deliberately left out of the
/// `Codable` form, so that encoding this value (to JSON, a store, a log) can never write it.
public struct DICOMMetadata: Sendable, Equatable, Codable {
    public var patientID: String?
    public var studyInstanceUID: String?
    public var seriesInstanceUID: String?
    public var sopInstanceUID: String?
    public var modality: String?
    public var institutionName: String?
    public var manufacturer: String?
    public var bodyPartExamined: String?
    /// Row spacing then column spacing, in millimetres.
    public var pixelSpacing: [Double]?
    /// Windows from (0028,1050)/(0028,1051) or the first frame's functional groups.
    public var windows: [VOIWindow]

    public init(
        patientID: String? = nil, studyInstanceUID: String? = nil, seriesInstanceUID: String? = nil,
        sopInstanceUID: String? = nil, modality: String? = nil, institutionName: String? = nil,
        manufacturer: String? = nil, bodyPartExamined: String? = nil, pixelSpacing: [Double]? = nil,
        windows: [VOIWindow] = []
    ) {
        self.patientID = patientID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.modality = modality
        self.institutionName = institutionName
        self.manufacturer = manufacturer
        self.bodyPartExamined = bodyPartExamined
        self.pixelSpacing = pixelSpacing
        self.windows = windows
    }

    private enum CodingKeys: String, CodingKey {
        case studyInstanceUID, seriesInstanceUID, sopInstanceUID, modality, institutionName, manufacturer
        case bodyPartExamined, pixelSpacing, windows
    }
}
