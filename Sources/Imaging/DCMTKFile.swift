internal import CDCMTK

/// A DICOM file parsed by DCMTK. All calls into the CDCMTK shim live in this file, one call site each.
/// Not thread-safe: use one instance per thread.
final class DCMTKFile {
    private let handle: OpaquePointer
    let path: String

    /// Parses the file at `path`; pixel data stays on disk until a frame is read.
    init(path: String) throws(ImagingError) {
        var error = cdcm_error()
        var opened: OpaquePointer?
        guard cdcm_open_path(path, &opened, &error) == 0, let opened else {
            throw ImagingError(path: path, .invalidHeader(Self.message(error)))
        }
        self.handle = opened
        self.path = path
    }

    /// Parses a file held in memory (copied by DCMTK).
    init(bytes: [UInt8], name: String) throws(ImagingError) {
        var error = cdcm_error()
        var opened: OpaquePointer?
        let status = bytes.withUnsafeBufferPointer { cdcm_open_memory($0.baseAddress, $0.count, &opened, &error) }
        guard status == 0, let opened else {
            throw ImagingError(path: name, .invalidHeader(Self.message(error)))
        }
        self.handle = opened
        self.path = name
    }

    deinit { cdcm_close(handle) }

    var transferSyntaxUID: String {
        var error = cdcm_error()
        var buffer = [CChar](repeating: 0, count: 80)
        guard cdcm_transfer_syntax(handle, &buffer, buffer.count, &error) == 0 else { return "" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The top-level attributes every decode needs, read in one call.
    func header() throws(ImagingError) -> DICOMHeader {
        var error = cdcm_error()
        var raw = cdcm_header()
        guard cdcm_read_header(handle, &raw, &error) == 0 else {
            throw ImagingError(path: path, .invalidHeader(Self.message(error)))
        }
        func number(_ bit: Int, _ value: Int) -> Int? {
            raw.present & UInt32(bit) != 0 ? value : nil
        }
        var header = DICOMHeader()
        header.rows = number(CDCM_ROWS, Int(raw.rows))
        header.columns = number(CDCM_COLUMNS, Int(raw.columns))
        header.frames = number(CDCM_FRAMES, Int(raw.frames))
        header.samplesPerPixel = number(CDCM_SAMPLES, Int(raw.samples_per_pixel))
        header.bitsAllocated = number(CDCM_BITS_ALLOCATED, Int(raw.bits_allocated))
        header.bitsStored = number(CDCM_BITS_STORED, Int(raw.bits_stored))
        header.pixelRepresentation = number(CDCM_REPRESENTATION, Int(raw.pixel_representation))
        header.planarConfiguration = number(CDCM_PLANAR, Int(raw.planar_configuration))
        let bits: [(Int, DICOMTag)] = [
            (CDCM_ROWS, .rows), (CDCM_COLUMNS, .columns), (CDCM_FRAMES, .numberOfFrames),
            (CDCM_SAMPLES, .samplesPerPixel), (CDCM_BITS_ALLOCATED, .bitsAllocated), (CDCM_BITS_STORED, .bitsStored),
            (CDCM_REPRESENTATION, .pixelRepresentation), (CDCM_PLANAR, .planarConfiguration),
            (CDCM_SLOPE, .rescaleSlope), (CDCM_INTERCEPT, .rescaleIntercept), (CDCM_SPACING, .pixelSpacing),
            (CDCM_WINDOWS, .windowCenter),
        ]
        header.invalid = bits.filter { raw.invalid & UInt32($0.0) != 0 }.map(\.1)
        if raw.present & UInt32(CDCM_SLOPE) != 0 { header.rescaleSlope = raw.rescale_slope }
        if raw.present & UInt32(CDCM_INTERCEPT) != 0 { header.rescaleIntercept = raw.rescale_intercept }
        if raw.present & UInt32(CDCM_SPACING) != 0 {
            header.pixelSpacing = withUnsafeBytes(of: raw.pixel_spacing) { Array($0.bindMemory(to: Double.self)) }
        }
        let count = Int(raw.window_count)
        let centers = withUnsafeBytes(of: raw.window_center) { Array($0.bindMemory(to: Double.self).prefix(count)) }
        let widths = withUnsafeBytes(of: raw.window_width) { Array($0.bindMemory(to: Double.self).prefix(count)) }
        header.windows = Array(zip(centers, widths))
        func text<T>(_ value: T) -> String? {
            let string = withUnsafeBytes(of: value) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let trimmed = string.trimmingSpaces
            return trimmed.isEmpty ? nil : trimmed
        }
        header.photometric = text(raw.photometric)?.uppercased()
        header.voiFunction = text(raw.voi_function)?.uppercased()
        header.modality = text(raw.modality)
        header.manufacturer = text(raw.manufacturer)
        header.institutionName = text(raw.institution)
        header.bodyPartExamined = text(raw.body_part)
        header.patientID = text(raw.patient_id)
        header.studyInstanceUID = text(raw.study_uid)
        header.seriesInstanceUID = text(raw.series_uid)
        header.sopInstanceUID = text(raw.sop_uid)
        header.modalityLUTItems = Int(raw.modality_lut_items)
        header.sharedGroups = Int(raw.shared_groups)
        header.perFrameGroups = Int(raw.per_frame_groups)
        return header
    }

    /// The attribute's string value (multiple values joined by `\`), or nil when absent or empty.
    func string(_ path: DICOMPath) throws(ImagingError) -> String? {
        var error = cdcm_error()
        var length = 0
        var capacity = 128
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let status = withSteps(path) { steps, count in
                cdcm_get_string(handle, steps, count, &buffer, capacity, &length, &error)
            }
            if status < 0 { throw ImagingError(path: self.path, .invalidHeader(Self.message(error))) }
            if status == 0 { return nil }
            if length < capacity { return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
            capacity = length + 1
        }
    }

    /// 16-bit values of a US, SS or OW attribute as raw words, or nil when absent.
    func words(_ path: DICOMPath) throws(ImagingError) -> [UInt16]? {
        var error = cdcm_error()
        var count = 0
        var words: [UInt16] = []
        var capacity = 0
        while true {
            let status = words.withUnsafeMutableBufferPointer { buffer in
                withSteps(path) { steps, stepCount in
                    cdcm_get_words(handle, steps, stepCount, buffer.baseAddress, capacity, &count, &error)
                }
            }
            if status < 0 { throw ImagingError(path: self.path, .invalidHeader(Self.message(error))) }
            if status == 0 { return nil }
            if count <= capacity { return Array(words.prefix(count)) }
            capacity = count
            words = [UInt16](repeating: 0, count: capacity)
        }
    }

    struct PixelInfo {
        var present: Bool
        var encapsulated: Bool
        var bigEndian: Bool
        var wordVR: Bool
        var fragments: Int
        var length: UInt64
    }

    func pixelInfo() throws(ImagingError) -> PixelInfo {
        var error = cdcm_error()
        var info = cdcm_pixel_info()
        guard cdcm_pixel_info_get(handle, &info, &error) == 0 else {
            throw ImagingError(path: path, .invalidHeader(Self.message(error)))
        }
        return PixelInfo(
            present: info.present != 0, encapsulated: info.encapsulated != 0, bigEndian: info.big_endian != 0,
            wordVR: info.word_vr != 0, fragments: Int(info.fragments), length: info.length)
    }

    /// Copies native pixel bytes `[offset, offset + destination.count)`, 16-bit words little-endian.
    func readNative(offset: Int, into destination: UnsafeMutableRawBufferPointer) throws(ImagingError) {
        var error = cdcm_error()
        guard
            cdcm_read_native(handle, UInt64(offset), UInt64(destination.count), destination.baseAddress, &error) == 0
        else { throw ImagingError(path: path, .corruptData(Self.message(error))) }
    }

    /// Decompresses one frame with a DCMTK codec into `destination` (`size` bytes, rounded up to even);
    /// returns the colour model and planar configuration of the decompressed bytes.
    func decodeFrame(_ frame: Int, of frames: Int, size: Int, into destination: UnsafeMutableRawBufferPointer)
        throws(ImagingError) -> (colorModel: String, planarConfiguration: Int)
    {
        precondition(destination.count >= size + (size & 1), "destination must hold the frame rounded up to even")
        var error = cdcm_error()
        var model = [CChar](repeating: 0, count: 64)
        var planar: UInt16 = 0
        let status = cdcm_decode_frame(
            handle, UInt32(frame), UInt32(frames), destination.baseAddress, size, &model, model.count, &planar,
            &error)
        guard status == 0 else { throw ImagingError(path: path, .corruptData(Self.message(error))) }
        let colorModel = model.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (colorModel, Int(planar))
    }

    /// The compressed bitstream of one frame (its fragments concatenated).
    func encapsulatedFrame(_ frame: Int, of frames: Int) throws(ImagingError) -> [UInt8] {
        var error = cdcm_error()
        var size: UInt64 = 0
        guard cdcm_encapsulated_frame_size(handle, UInt32(frame), UInt32(frames), &size, &error) == 0 else {
            throw ImagingError(path: path, .corruptData(Self.message(error)))
        }
        guard size <= UInt64(Int32.max) else { throw ImagingError(path: path, .tooLarge("compressed frame of \(size) bytes")) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let status = bytes.withUnsafeMutableBytes { buffer in
            cdcm_copy_encapsulated_frame(handle, UInt32(frame), UInt32(frames), buffer.baseAddress, buffer.count, &error)
        }
        guard status == 0 else { throw ImagingError(path: path, .corruptData(Self.message(error))) }
        return bytes
    }

    private func withSteps<R>(_ path: DICOMPath, _ body: (UnsafePointer<cdcm_path_step>, Int) -> R) -> R {
        let steps = path.steps.map { cdcm_path_step(tag: $0.tag.rawValue, item: Int32($0.item ?? -1)) }
        return steps.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }

    static func message(_ error: cdcm_error) -> String {
        withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

/// Top-level attributes of a DICOM file; nil when absent.
struct DICOMHeader {
    var rows: Int?, columns: Int?, frames: Int?, samplesPerPixel: Int?
    var bitsAllocated: Int?, bitsStored: Int?, pixelRepresentation: Int?, planarConfiguration: Int?
    /// Present but not readable as numbers.
    var invalid: [DICOMTag] = []
    var rescaleSlope: Double?, rescaleIntercept: Double?
    var pixelSpacing: [Double]?
    var windows: [(center: Double, width: Double)] = []
    var voiFunction: String?
    var photometric: String?
    var modality: String?, manufacturer: String?, institutionName: String?, bodyPartExamined: String?
    var patientID: String?, studyInstanceUID: String?, seriesInstanceUID: String?, sopInstanceUID: String?
    var modalityLUTItems = 0, sharedGroups = 0, perFrameGroups = 0
}

// MARK: - Writing

/// Writes DICOM files through DCMTK (see `DICOMWriter`).
enum DCMTKWriter {
    struct Compression {
        var kind: Int32
        var parameter: Int32
    }

    static func write(
        path: String, attributes: [(DICOMTag, DICOMAttributeValue)], pixels: [UInt8], bitsAllocated: Int,
        transferSyntaxUID: String, compression: Compression
    ) throws(ImagingError) {
        var error = cdcm_error()
        let status = withAttributes(attributes) { list, count in
            pixels.withUnsafeBytes { raw in
                cdcm_write(
                    path, list, count, raw.baseAddress, raw.count, UInt16(bitsAllocated), transferSyntaxUID,
                    cdcm_compression(kind: compression.kind, parameter: compression.parameter), &error)
            }
        }
        guard status == 0 else { throw ImagingError(path: path, .io(DCMTKFile.message(error))) }
    }

    static func writeEncapsulated(
        path: String, attributes: [(DICOMTag, DICOMAttributeValue)], frames: [[UInt8]], transferSyntaxUID: String
    ) throws(ImagingError) {
        var error = cdcm_error()
        let sizes = frames.map(\.count)
        // Stable pointers to every frame for the duration of the call.
        let copies = frames.map { frame -> UnsafeMutableBufferPointer<UInt8> in
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(frame.count, 1))
            _ = buffer.initialize(from: frame)
            return buffer
        }
        defer { copies.forEach { $0.deallocate() } }
        let pointers: [UnsafePointer<UInt8>?] = copies.map { UnsafePointer($0.baseAddress) }
        let status = withAttributes(attributes) { list, count in
            pointers.withUnsafeBufferPointer { framePointers in
                cdcm_write_encapsulated(
                    path, list, count, framePointers.baseAddress, sizes, frames.count, transferSyntaxUID, &error)
            }
        }
        guard status == 0 else { throw ImagingError(path: path, .io(DCMTKFile.message(error))) }
    }

    private static func withAttributes<R>(
        _ attributes: [(DICOMTag, DICOMAttributeValue)], _ body: (UnsafePointer<cdcm_attribute>, Int) -> R
    ) -> R {
        // C copies of every value, freed after the call.
        var allocations: [UnsafeMutableRawPointer] = []
        defer { allocations.forEach { free($0) } }
        var list: [cdcm_attribute] = []
        for (tag, value) in attributes {
            switch value {
            case .text(let text):
                let copy = strdup(text)!
                allocations.append(UnsafeMutableRawPointer(copy))
                list.append(cdcm_attribute(tag: tag.rawValue, value: copy, words: nil, word_count: 0))
            case .words(let words):
                let copy = malloc(max(words.count, 1) * 2)!.bindMemory(to: UInt16.self, capacity: max(words.count, 1))
                for (i, word) in words.enumerated() { copy[i] = word }
                allocations.append(UnsafeMutableRawPointer(copy))
                list.append(cdcm_attribute(tag: tag.rawValue, value: nil, words: copy, word_count: words.count))
            }
        }
        precondition(!list.isEmpty, "a DICOM file needs attributes")
        return list.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
