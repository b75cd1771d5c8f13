/// RSNA Pneumonia Detection Challenge: `stage_2_train_labels.csv` (`patientId,x,y,width,height,Target`;
/// one row per box, a single box-less row for negatives) and `stage_2_train_images/<patientId>.dcm`
/// (8-bit JPEG baseline DICOM whose PatientID is the patientId). The `dicom` layout keyed by PatientID;
/// class = Target, shown as `normal-or-other` (0) and `lung-opacity` (1). Stage-1 names work too.
public struct RSNAPneumoniaPreset: DatasetLayout {
    public var name: String { "rsna-pneumonia" }
    public var options: LayoutOptions

    public init(options: LayoutOptions = LayoutOptions()) {
        self.options = options
    }

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let entries = try FolderListing.entries(root)
        let stage = entries.contains("stage_2_train_labels.csv") ? "stage_2" : "stage_1"
        guard entries.contains("\(stage)_train_labels.csv") else {
            throw DatasetError(path: root, .layout("rsna-pneumonia: stage_2_train_labels.csv not found at the root"))
        }
        var layoutOptions = options
        layoutOptions.manifest = "\(stage)_train_labels.csv"
        layoutOptions.dicomKey = .patientID
        layoutOptions.keyColumn = "patientId"
        layoutOptions.labelColumn = "Target"
        var layout = DICOMTreeLayout(options: layoutOptions)
        layout.layoutName = name
        layout.imageFolder = entries.contains("\(stage)_train_images") ? "\(stage)_train_images" : nil
        layout.classNames = ["0": "normal-or-other", "1": "lung-opacity"]
        var manifest = try layout.manifest(root: root)
        manifest.notes.append("rsna-pneumonia: Target 0 → normal-or-other, 1 → lung-opacity; boxes not used")
        return manifest
    }
}
