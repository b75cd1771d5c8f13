extension SyntheticSuite {
    /// The three tasks, one per modality. Each writes `DIR/<rawValue>/` image files and `labels.csv`.
    public enum Task: String, CaseIterable, Sendable, Codable, Comparable {
        /// Dermoscopy-like RGB lesions, JPEG (quality 92, 4:2:0).
        case derm
        /// CT-like chest slices in Hounsfield units, 16-bit DICOM (CT Image Storage), a third compressed.
        case ct
        /// Histology-like H&E tissue tiles, 8-bit RGB PNG.
        case path

        /// Class names in label order. Classes differ by morphology or texture, never by one intensity.
        public var classes: [String] {
            switch self {
            case .derm:
                return [
                    "round-uniform", "irregular-border", "multicolour", "streaks", "dots-globules", "fuzzy-border",
                    "annular",
                ]
            case .ct:
                return ["normal", "round-nodule", "spiculated-nodule", "ground-glass", "cavity", "effusion"]
            case .path:
                return ["adipose", "stroma", "muscle", "lymphocytes", "tumour", "glands", "necrosis", "mucus"]
            }
        }

        /// The image files' extension.
        public var fileExtension: String {
            switch self {
            case .derm: return "jpg"
            case .ct: return "dcm"
            case .path: return "png"
            }
        }

        /// Share of a patient's images that carry the patient's own main label; the others are drawn
        /// again from the hospital's class mix. A dermoscopy patient is one lesion seen several times.
        var patientLabelShare: Double {
            switch self {
            case .derm: return 1
            case .ct: return 0.6
            case .path: return 0.5
            }
        }

        /// The task's key in random streams (fixed forever: changing it changes every file).
        var streamKey: UInt64 {
            switch self {
            case .derm: return 1
            case .ct: return 2
            case .path: return 3
            }
        }

        public static func < (a: Task, b: Task) -> Bool { a.streamKey < b.streamKey }
    }
}
