/// A DICOM attribute tag, (group << 16) | element.
public struct DICOMTag: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ group: UInt16, _ element: UInt16) {
        rawValue = UInt32(group) << 16 | UInt32(element)
    }

    public var group: UInt16 { UInt16(rawValue >> 16) }
    public var element: UInt16 { UInt16(rawValue & 0xFFFF) }

    public var description: String {
        "(\(hex4(group)),\(hex4(element)))"
    }

    private func hex4(_ v: UInt16) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    public static let sopClassUID = DICOMTag(0x0008, 0x0016)
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let manufacturer = DICOMTag(0x0008, 0x0070)
    public static let institutionName = DICOMTag(0x0008, 0x0080)
    public static let patientID = DICOMTag(0x0010, 0x0020)
    public static let bodyPartExamined = DICOMTag(0x0018, 0x0015)
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let highBit = DICOMTag(0x0028, 0x0102)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    public static let voiLUTFunction = DICOMTag(0x0028, 0x1056)
    public static let redPaletteDescriptor = DICOMTag(0x0028, 0x1101)
    public static let greenPaletteDescriptor = DICOMTag(0x0028, 0x1102)
    public static let bluePaletteDescriptor = DICOMTag(0x0028, 0x1103)
    public static let redPaletteData = DICOMTag(0x0028, 0x1201)
    public static let greenPaletteData = DICOMTag(0x0028, 0x1202)
    public static let bluePaletteData = DICOMTag(0x0028, 0x1203)
    public static let segmentedRedPaletteData = DICOMTag(0x0028, 0x1221)
    public static let segmentedGreenPaletteData = DICOMTag(0x0028, 0x1222)
    public static let segmentedBluePaletteData = DICOMTag(0x0028, 0x1223)
    public static let lossyImageCompression = DICOMTag(0x0028, 0x2110)
    public static let modalityLUTSequence = DICOMTag(0x0028, 0x3000)
    public static let lutDescriptor = DICOMTag(0x0028, 0x3002)
    public static let lutData = DICOMTag(0x0028, 0x3006)
    public static let frameVOILUTSequence = DICOMTag(0x0028, 0x9132)
    public static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    public static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    public static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
}

/// A path to an attribute, possibly inside sequence items: `[(seq, item), …, (attribute, nil)]`.
struct DICOMPath {
    var steps: [(tag: DICOMTag, item: Int?)]

    init(_ tag: DICOMTag) { steps = [(tag, nil)] }

    init(_ steps: [(DICOMTag, Int?)]) { self.steps = steps.map { (tag: $0.0, item: $0.1) } }
}
