/// DICOM through DCMTK: native and DCMTK-codec syntaxes, plus JPEG 2000 through OpenJPEG.
///
/// The header is read once; frames are decoded one at a time into a reusable raw buffer (for native
/// data only that frame's bytes are read from disk), then converted by `convertFrame`.
final class DICOMDecoder: ImageDecoder {
    private(set) var info: ImageInfo
    private let file: DCMTKFile
    private let syntax: TransferSyntax
    private let stored: StoredLayout
    private let pixels: DCMTKFile.PixelInfo
    private let palette: Palette?
    private let topModality: ModalityTransform
    private let perFrameGroups: Int
    private let sharedGroups: Int
    private let topWindows: [VOIWindow]
    private var scratch: [UInt8] = []

    init(file: DCMTKFile, syntax: TransferSyntax, options: DecodeOptions) throws(ImagingError) {
        self.file = file
        self.syntax = syntax
        let path = file.path

        let header = try file.header()
        if let tag = header.invalid.first {
            let text = ((try? file.string(DICOMPath(tag))) ?? nil) ?? "?"
            throw ImagingError(path: path, .invalidHeader("\(tag) is not a number: \(text)"))
        }
        // A structured report, an RT plan, a DICOMDIR: no image attributes and no pixels. Said so, with what
        // the file is, rather than "missing (0028,0010)".
        if header.rows == nil, header.columns == nil, !(try file.pixelInfo()).present {
            let sopClass = (try? file.string(DICOMPath(.sopClassUID))) ?? nil
            let what = [header.modality.map { "modality \($0)" }, sopClass.map { "SOP class \($0)" }].compactMap { $0 }
            throw ImagingError(
                path: path, .unsupported("not an image: no Rows, Columns or Pixel Data\(what.isEmpty ? "" : " (" + what.joined(separator: ", ") + ")")"))
        }
        func required(_ value: Int?, _ tag: DICOMTag) throws(ImagingError) -> Int {
            guard let value else { throw ImagingError(path: path, .invalidHeader("missing \(tag)")) }
            return value
        }
        let rows = try required(header.rows, .rows)
        let columns = try required(header.columns, .columns)
        let frames = header.frames ?? 1
        let samples = header.samplesPerPixel ?? 1
        let bitsAllocated = try required(header.bitsAllocated, .bitsAllocated)
        let bitsStored = header.bitsStored ?? bitsAllocated
        let representation = header.pixelRepresentation ?? 0
        let planar = header.planarConfiguration ?? 0
        let photometric = header.photometric ?? (samples == 1 ? "MONOCHROME2" : "RGB")

        guard [1, 8, 16, 32].contains(bitsAllocated) else {
            throw ImagingError(path: path, .unsupported("BitsAllocated \(bitsAllocated)"))
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw ImagingError(path: path, .invalidHeader("BitsStored \(bitsStored) with BitsAllocated \(bitsAllocated)"))
        }
        guard samples == 1 || samples == 3 else {
            throw ImagingError(path: path, .unsupported("\(samples) samples per pixel"))
        }
        guard frames >= 1, rows >= 1, columns >= 1 else {
            throw ImagingError(path: path, .invalidHeader("\(rows)×\(columns) with \(frames) frames"))
        }

        let decodedSamples: Int
        let decodedPhotometric: String
        switch photometric {
        case "MONOCHROME1", "MONOCHROME2":
            decodedSamples = 1
            decodedPhotometric = photometric
        case "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT":
            decodedSamples = 3
            decodedPhotometric = "RGB"
        default:
            throw ImagingError(path: path, .unsupported("photometric interpretation \(photometric)"))
        }
        if (photometric == "YBR_ICT" || photometric == "YBR_RCT") && syntax.decoding != .jpeg2000 {
            throw ImagingError(path: path, .invalidHeader("\(photometric) outside JPEG 2000"))
        }

        stored = StoredLayout(
            rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bitsAllocated,
            bitsStored: bitsStored, isSigned: representation == 1, planarConfiguration: planar,
            photometric: photometric)

        let metadata = DICOMMetadata(
            patientID: header.patientID, studyInstanceUID: header.studyInstanceUID,
            seriesInstanceUID: header.seriesInstanceUID, sopInstanceUID: header.sopInstanceUID,
            modality: header.modality, institutionName: header.institutionName, manufacturer: header.manufacturer,
            bodyPartExamined: header.bodyPartExamined, pixelSpacing: header.pixelSpacing)

        let info = ImageInfo(
            format: .dicom, rows: rows, columns: columns, frames: frames, samplesPerPixel: samples,
            bitsAllocated: bitsAllocated, bitsStored: bitsStored, isSigned: representation == 1,
            photometricInterpretation: photometric, planarConfiguration: planar,
            decodedSamplesPerPixel: decodedSamples, decodedPhotometricInterpretation: decodedPhotometric,
            transferSyntax: syntax, dicom: metadata)
        try options.check(info, path: path)

        pixels = try file.pixelInfo()
        guard pixels.present else { throw ImagingError(path: path, .invalidHeader("no pixel data (7FE0,0010)")) }
        if syntax.decoding == .native {
            guard !pixels.encapsulated else {
                throw ImagingError(path: path, .invalidHeader("encapsulated pixel data in \(syntax.name)"))
            }
            let needed = Self.nativeBytes(stored, frames: frames)
            guard pixels.length >= needed else {
                throw ImagingError(
                    path: path,
                    .corruptData("pixel data holds \(pixels.length) bytes, the header implies \(needed)"))
            }
        } else if !pixels.encapsulated {
            throw ImagingError(path: path, .invalidHeader("\(syntax.name) without encapsulated pixel data"))
        } else {
            // DCMTK sizes frames in 32 bits; larger frames are refused before anything is allocated.
            let frameBytes = rows * columns * samples * max(bitsAllocated / 8, 1)
            guard frameBytes < Int(Int32.max) else {
                throw ImagingError(path: path, .tooLarge("a \(frameBytes)-byte frame exceeds what the codecs address"))
            }
        }

        palette = photometric == "PALETTE COLOR" ? try Self.readPalette(file, signed: representation == 1) : nil
        perFrameGroups = header.perFrameGroups
        sharedGroups = header.sharedGroups
        topModality =
            decodedSamples == 1
            ? try Self.topLevelModality(file, header: header, signed: representation == 1) : .identity
        let function = header.voiFunction.flatMap(VOIWindow.Function.init(rawValue:)) ?? .linear
        topWindows = header.windows.map { VOIWindow(center: $0.center, width: $0.width, function: function) }
            .filter(\.isValid)
        self.info = info
        let windows = try windows(forFrame: 0)
        self.info.dicom?.windows = windows
    }

    // MARK: Frames

    func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError) {
        guard index >= 0, index < info.frames else {
            throw ImagingError(path: file.path, .frameOutOfRange(index: index, frames: info.frames))
        }
        precondition(output.count == info.decodedFrameCount, "output must hold one decoded frame")
        var raw: [UInt8] = []
        swap(&raw, &scratch)
        defer { swap(&raw, &scratch) }

        var layout = stored
        var bitOffset = 0
        switch syntax.decoding {
        case .native:
            if stored.bitsAllocated == 1 {
                let firstBit = index * stored.pixels * stored.samplesPerPixel
                bitOffset = firstBit % 8
                let byteCount = (bitOffset + stored.pixels * stored.samplesPerPixel + 7) / 8
                try readNative(offset: firstBit / 8, count: byteCount, into: &raw)
            } else {
                let frameBytes = stored.nativeFrameBytes!
                try readNative(offset: index * frameBytes, count: frameBytes, into: &raw)
                if pixels.bigEndian && pixels.wordVR && stored.bitsAllocated == 32 {
                    swapWordHalves(&raw)
                }
            }
        case .dcmtkCodec:
            let decoded = try decodeWithDCMTK(frame: index, into: &raw)
            // Codecs output every sample of every pixel: a 4:2:2 label left on their output means full YBR.
            let model = decoded.colorModel.uppercased()
            if model == "YBR_FULL_422" {
                layout.photometric = "YBR_FULL"
            } else if !model.isEmpty {
                layout.photometric = model
            }
            layout.planarConfiguration = decoded.planarConfiguration
        case .jpeg2000:
            try decodeJPEG2000(frame: index, into: &raw)
            layout.planarConfiguration = 0
        case .unsupported:
            throw ImagingError(path: file.path, .unsupportedTransferSyntax(uid: syntax.uid, name: syntax.name))
        }

        if let needed = layout.nativeFrameBytes, raw.count < needed {
            throw ImagingError(
                path: file.path, .corruptData("frame \(index) decoded to \(raw.count) bytes, expected \(needed)"))
        }
        let modality = try modality(forFrame: index)
        let problem: PixelTransformProblem? = raw.withUnsafeBytes { bytes in
            do throws(PixelTransformProblem) {
                try convertFrame(
                    raw: bytes, bitOffset: bitOffset, layout: layout, modality: modality, palette: palette,
                    into: output)
                return nil
            } catch {
                return error
            }
        }
        switch problem {
        case nil: break
        case .unsupported(let message): throw ImagingError(path: file.path, .unsupported(message))
        case .invalid(let message): throw ImagingError(path: file.path, .corruptData(message))
        }
    }

    private func readNative(offset: Int, count: Int, into raw: inout [UInt8]) throws(ImagingError) {
        resize(&raw, to: count)
        let failure: ImagingError? = raw.withUnsafeMutableBytes { buffer in
            do throws(ImagingError) {
                try file.readNative(offset: offset, into: buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private func decodeWithDCMTK(frame: Int, into raw: inout [UInt8]) throws(ImagingError) -> (
        colorModel: String, planarConfiguration: Int
    ) {
        guard stored.bitsAllocated >= 8 else {
            throw ImagingError(path: file.path, .unsupported("compressed data with BitsAllocated \(stored.bitsAllocated)"))
        }
        // Codecs produce all samples of every pixel (YBR_FULL_422 comes out as full-resolution RGB).
        let size = stored.pixels * stored.samplesPerPixel * (stored.bitsAllocated / 8)
        resize(&raw, to: size + (size & 1))
        let frames = info.frames
        let result: Result<(colorModel: String, planarConfiguration: Int), ImagingError> = raw.withUnsafeMutableBytes {
            buffer in
            do throws(ImagingError) {
                return .success(try file.decodeFrame(frame, of: frames, size: size, into: buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func decodeJPEG2000(frame: Int, into raw: inout [UInt8]) throws(ImagingError) {
        let codestream = try file.encapsulatedFrame(frame, of: info.frames)
        let found: OpenJPEGCodec.Info
        switch OpenJPEGCodec.info(codestream) {
        case .success(let value): found = value
        case .failure(let failure): throw ImagingError(path: file.path, .corruptData("JPEG 2000: \(failure)"))
        }
        guard found.width == stored.columns, found.height == stored.rows,
            found.components == stored.samplesPerPixel
        else {
            throw ImagingError(
                path: file.path,
                .corruptData(
                    "JPEG 2000 codestream is \(found.width)×\(found.height)×\(found.components), "
                        + "header says \(stored.columns)×\(stored.rows)×\(stored.samplesPerPixel)"))
        }
        guard stored.bitsAllocated >= 8 else {
            throw ImagingError(path: file.path, .unsupported("JPEG 2000 with BitsAllocated \(stored.bitsAllocated)"))
        }
        let bytesPerSample = stored.bitsAllocated / 8
        resize(&raw, to: stored.pixels * stored.samplesPerPixel * bytesPerSample)
        let failure = raw.withUnsafeMutableBytes { buffer in
            OpenJPEGCodec.decode(
                codestream, width: stored.columns, height: stored.rows, components: stored.samplesPerPixel,
                bytesPerSample: bytesPerSample, into: buffer)
        }
        if let failure { throw ImagingError(path: file.path, .corruptData("JPEG 2000: \(failure)")) }
    }

    private func resize(_ raw: inout [UInt8], to count: Int) {
        if raw.count != count { raw = [UInt8](repeating: 0, count: count) }
    }

    private func swapWordHalves(_ raw: inout [UInt8]) {
        raw.withUnsafeMutableBytes { bytes in
            let words = bytes.bindMemory(to: UInt16.self)
            var i = 0
            while i + 1 < words.count {
                words.swapAt(i, i + 1)
                i += 2
            }
        }
    }

    /// Bytes of native pixel data `frames` frames need (1-bit data packed across frame boundaries).
    static func nativeBytes(_ layout: StoredLayout, frames: Int) -> Int {
        if let frameBytes = layout.nativeFrameBytes { return frameBytes * frames }
        return (layout.pixels * layout.samplesPerPixel * frames + 7) / 8
    }

    // MARK: Modality and VOI

    /// The modality transform for one frame: the frame's own functional group, else the shared
    /// functional group, else the top-level Modality LUT Sequence or Rescale Slope/Intercept.
    func modality(forFrame index: Int) throws(ImagingError) -> ModalityTransform {
        guard info.decodedSamplesPerPixel == 1 else { return .identity }
        if index < perFrameGroups,
            let transform = try rescale(in: .perFrameFunctionalGroupsSequence, item: index)
        {
            return transform
        }
        if sharedGroups > 0, let transform = try rescale(in: .sharedFunctionalGroupsSequence, item: 0) {
            return transform
        }
        return topModality
    }

    private func rescale(in groups: DICOMTag, item: Int) throws(ImagingError) -> ModalityTransform? {
        let transformation = DICOMTag.pixelValueTransformationSequence
        let slope = try Self.decimals(
            file, DICOMPath([(groups, item), (transformation, 0), (.rescaleSlope, nil)]))?.first
        let intercept = try Self.decimals(
            file, DICOMPath([(groups, item), (transformation, 0), (.rescaleIntercept, nil)]))?.first
        if slope == nil && intercept == nil { return nil }
        return .linear(slope: slope ?? 1, intercept: intercept ?? 0)
    }

    private static func topLevelModality(_ file: DCMTKFile, header: DICOMHeader, signed: Bool) throws(ImagingError)
        -> ModalityTransform
    {
        if header.modalityLUTItems > 0 {
            let descriptor = try file.words(DICOMPath([(.modalityLUTSequence, 0), (.lutDescriptor, nil)]))
            let data = try file.words(DICOMPath([(.modalityLUTSequence, 0), (.lutData, nil)]))
            guard let descriptor, let data else {
                throw ImagingError(path: file.path, .invalidHeader("Modality LUT Sequence without descriptor or data"))
            }
            switch LookupTable.fromDescriptor(descriptor, data: data, signedFirstMapped: signed) {
            case .success(let table): return .lookup(table)
            case .failure(let problem): throw ImagingError(path: file.path, .invalidHeader("Modality LUT: \(problem)"))
            }
        }
        if header.rescaleSlope == nil && header.rescaleIntercept == nil { return .identity }
        return .linear(slope: header.rescaleSlope ?? 1, intercept: header.rescaleIntercept ?? 0)
    }

    func windows(forFrame index: Int) throws(ImagingError) -> [VOIWindow] {
        guard info.decodedSamplesPerPixel == 1 else { return [] }
        let voi = DICOMTag.frameVOILUTSequence
        if index < perFrameGroups {
            let found = try Self.windows(file, prefix: [(.perFrameFunctionalGroupsSequence, index), (voi, 0)])
            if !found.isEmpty { return found }
        }
        if sharedGroups > 0 {
            let found = try Self.windows(file, prefix: [(.sharedFunctionalGroupsSequence, 0), (voi, 0)])
            if !found.isEmpty { return found }
        }
        return topWindows
    }

    private static func windows(_ file: DCMTKFile, prefix: [(DICOMTag, Int?)]) throws(ImagingError) -> [VOIWindow] {
        let centers = try decimals(file, DICOMPath(prefix + [(.windowCenter, nil)])) ?? []
        let widths = try decimals(file, DICOMPath(prefix + [(.windowWidth, nil)])) ?? []
        let name = try file.string(DICOMPath(prefix + [(.voiLUTFunction, nil)]))?.trimmingSpaces.uppercased()
        let function = name.flatMap(VOIWindow.Function.init(rawValue:)) ?? .linear
        return zip(centers, widths).map { VOIWindow(center: $0, width: $1, function: function) }.filter(\.isValid)
    }

    // MARK: Palette

    private static func readPalette(_ file: DCMTKFile, signed: Bool) throws(ImagingError) -> Palette {
        let channels: [(DICOMTag, DICOMTag, DICOMTag, String)] = [
            (.redPaletteDescriptor, .redPaletteData, .segmentedRedPaletteData, "red"),
            (.greenPaletteDescriptor, .greenPaletteData, .segmentedGreenPaletteData, "green"),
            (.bluePaletteDescriptor, .bluePaletteData, .segmentedBluePaletteData, "blue"),
        ]
        var tables: [LookupTable] = []
        for (descriptorTag, dataTag, segmentedTag, name) in channels {
            guard let descriptor = try file.words(DICOMPath(descriptorTag)), descriptor.count >= 3 else {
                throw ImagingError(path: file.path, .invalidHeader("PALETTE COLOR without a \(name) LUT descriptor"))
            }
            var data = try file.words(DICOMPath(dataTag))
            if data == nil, let segmented = try file.words(DICOMPath(segmentedTag)) {
                do {
                    data = try expandSegmentedLUT(segmented, entryBits: Int(descriptor[2]) == 8 ? 8 : 16)
                } catch {
                    throw ImagingError(path: file.path, .invalidHeader("\(name) palette: \(error)"))
                }
            }
            guard let data else {
                throw ImagingError(path: file.path, .invalidHeader("PALETTE COLOR without \(name) LUT data"))
            }
            switch LookupTable.fromDescriptor(descriptor, data: data, signedFirstMapped: signed) {
            case .success(let table): tables.append(table)
            case .failure(let problem): throw ImagingError(path: file.path, .invalidHeader("\(name) palette: \(problem)"))
            }
        }
        return Palette(red: tables[0], green: tables[1], blue: tables[2])
    }

    // MARK: Helpers

    /// Decimal string values (DS), or nil when absent.
    static func decimals(_ file: DCMTKFile, _ path: DICOMPath) throws(ImagingError) -> [Double]? {
        guard let text = try file.string(path) else { return nil }
        var values: [Double] = []
        for part in text.split(separator: "\\", omittingEmptySubsequences: false) {
            guard let value = Double(part.trimmingSpaces), value.isFinite else {
                throw ImagingError(path: file.path, .invalidHeader("\(path.steps.last!.tag) is not a number: \(text)"))
            }
            values.append(value)
        }
        return values
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and NULs (DICOM pads values with either).
    var trimmingSpaces: String {
        let isPad = { (c: Character) in c == " " || c == "\0" }
        guard let start = firstIndex(where: { !isPad($0) }) else { return "" }
        let end = lastIndex(where: { !isPad($0) })!
        return String(self[start...end])
    }
}
