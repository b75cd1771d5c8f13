/// A synthetic hospital: a fictitious name and scanner vendor, the same in every task.
public struct SynthHospital: Sendable, Equatable, Codable {
    /// 0-based position.
    public var index: Int
    /// Name written to labels.csv and to DICOM InstitutionName; never contains a comma.
    public var name: String
    /// Scanner/camera vendor, written to DICOM Manufacturer.
    public var vendor: String
    /// Folder name of the hospital's images, e.g. `h01-aldmoor`.
    public var folder: String

    static let names = [
        "Aldmoor General Hospital", "Brackenridge University Hospital", "Calder Valley Medical Centre",
        "Dunmore Royal Infirmary", "Eastwick Community Hospital", "Fairholme Clinic", "Glenharrow Hospital",
        "Hartwell Teaching Hospital", "Ivybridge Medical Centre", "Juniper Coast Hospital", "Kestrel Park Hospital",
        "Larkspur Regional Hospital",
    ]
    static let vendors = ["Astrion Medical", "Borealis Imaging", "Corvane Systems", "Deltaray", "Epsilux Healthcare"]

    /// Hospital `index`: names in a fixed order (then "Hospital 13", …); the vendor is drawn from the
    /// seed, so hospitals may share one.
    init(index: Int, seed: UInt64) {
        self.index = index
        let number = index + 1
        let digits = number < 10 ? "0\(number)" : "\(number)"
        if index < Self.names.count {
            name = Self.names[index]
            folder = "h\(digits)-\(name.split(separator: " ")[0].lowercased())"
        } else {
            name = "Hospital \(number)"
            folder = "h\(digits)"
        }
        var random = SynthRandom(stream: [seed, 0, StreamTag.hospital, UInt64(index)])
        vendor = Self.vendors[random.integer(in: 0...(Self.vendors.count - 1))]
    }
}

/// Tags that keep the random streams of different purposes apart (fixed forever).
enum StreamTag {
    static let plan: UInt64 = 10
    static let hospital: UInt64 = 11
    static let patient: UInt64 = 12
    static let image: UInt64 = 13
}
