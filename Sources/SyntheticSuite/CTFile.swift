import Imaging

/// A CT slice as a DICOM CT Image: stored values, rescale to HU, windows and identifying attributes.
///
/// Contract: Modality CT, SOP class CT Image Storage; InstitutionName is the hospital, Manufacturer its
/// vendor, PatientID the synthetic id; Study, Series and SOP Instance UIDs are derived from the seed,
/// patient and image, so they are the same on every run. HU = stored·1 + intercept with the vendor's
/// storage: unsigned 12-bit (intercept −1024), signed 16-bit (intercept 0) or unsigned 16-bit (intercept
/// −1024). Windows: lung (−600/1500) and mediastinum (40/400).
enum CTFile {
    /// About a third of the files compressed: JPEG lossless SV1, JPEG-LS lossless and RLE one ninth each.
    static func encoding(_ random: inout SynthRandom) -> DICOMEncoding {
        switch random.integer(in: 0...8) {
        case 0: return .jpegLosslessSV1
        case 1: return .jpegLSLossless
        case 2: return .rle
        default: return .explicitLittleEndian
        }
    }

    static func name(of encoding: DICOMEncoding) -> String {
        switch encoding {
        case .jpegLosslessSV1: return "jpeg-lossless-sv1"
        case .jpegLSLossless: return "jpeg-ls-lossless"
        case .rle: return "rle"
        default: return "explicit-little-endian"
        }
    }

    static func image(
        hu: [Int16], size: Int, storage: Int, hospital: SynthHospital, patient: String, number: Int, seed: UInt64
    ) -> DICOMImage {
        let root = "medsilo-synth/\(seed)/\(size)/ct/\(patient)"
        let spacing = String(360.0 / Double(size))
        var attributes: [DICOMTag: String] = [
            .modality: "CT", .rescaleSlope: "1", .windowCenter: "-600\\40", .windowWidth: "1500\\400",
            .institutionName: hospital.name, .manufacturer: hospital.vendor, .patientID: patient,
            .bodyPartExamined: "CHEST", .pixelSpacing: "\(spacing)\\\(spacing)",
            .studyInstanceUID: DICOMUID.derived(from: root + "/study"),
            .seriesInstanceUID: DICOMUID.derived(from: root + "/series"),
            DICOMTag(0x0020, 0x0013): String(number + 1),  // InstanceNumber
            DICOMTag(0x0008, 0x0008): "ORIGINAL\\PRIMARY\\AXIAL",  // ImageType
            DICOMTag(0x0028, 0x1054): "HU",  // RescaleType
            DICOMTag(0x0008, 0x103E): "MedSilo synthetic chest CT",  // SeriesDescription
        ]
        let pixels: [UInt8]
        let bitsStored: Int
        let signed = storage == 1
        if signed {
            attributes[.rescaleIntercept] = "0"
            pixels = DICOMImage.bytes(hu)
            bitsStored = 16
        } else {
            attributes[.rescaleIntercept] = "-1024"
            pixels = DICOMImage.bytes(hu.map { UInt16(Int($0) + 1024) })
            bitsStored = storage == 0 ? 12 : 16
        }
        return DICOMImage(
            rows: size, columns: size, bitsAllocated: 16, bitsStored: bitsStored, isSigned: signed, pixelData: pixels,
            sopInstanceUID: DICOMUID.derived(from: root + "/\(number)"), sopClassUID: DICOMUID.ctImage,
            attributes: attributes)
    }
}
