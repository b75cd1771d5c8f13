import FoundationEssentials
import Imaging
import Testing
import TestSupport

/// Datasets built by hand (independently of DCMTK) to exercise photometric interpretations, lookup
/// tables, functional groups and bit depths, each checked against hand-computed values.
@Suite struct DICOMAttributeTests {
    private func decode(_ builder: DICOMBuilder) throws -> (ImageInfo, [Float]) {
        let reader = try ImageReader(bytes: builder.bytes(), name: "built.dcm")
        return (reader.info, try reader.decodeAll().pixels)
    }

    /// Same file through DCMTK's big-endian transcoder.
    private func decodeBigEndian(_ builder: DICOMBuilder) throws -> [Float] {
        let directory = TemporaryDirectory()
        try writeFile(builder.bytes(), to: directory.file("le.dcm"))
        try dcmtk("dcmconv", ["+tb", directory.file("le.dcm"), directory.file("be.dcm")])
        let reader = try ImageReader(path: directory.file("be.dcm"))
        #expect(reader.info.transferSyntax == .explicitVRBigEndian)
        return try reader.decodeAll().pixels
    }

    @Test func metadataIsReadAndPatientIDNeverEncoded() throws {
        var b = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 4])
        b.add(0x0008, 0x0060, "CS", .string("MR"))
        b.set(0x0008, 0x0060, "CS", .string("MR"))
        b.add(0x0008, 0x0070, "LO", .string("Acme Imaging"))
        b.add(0x0008, 0x0080, "LO", .string("St Elsewhere"))
        b.add(0x0010, 0x0010, "PN", .string("Doe^Jane"))
        b.add(0x0010, 0x0020, "LO", .string("PAT-0042"))
        b.add(0x0010, 0x0030, "DA", .string("19700101"))
        b.add(0x0018, 0x0015, "CS", .string("KNEE"))
        b.add(0x0020, 0x000D, "UI", .string("1.2.3.4"))
        b.add(0x0020, 0x000E, "UI", .string("1.2.3.4.5"))
        b.add(0x0028, 0x0030, "DS", .string("0.7\\0.8"))
        let (info, pixels) = try decode(b)
        #expect(pixels == [1, 2, 3, 4])
        let dicom = try #require(info.dicom)
        #expect(dicom.modality == "MR" && dicom.manufacturer == "Acme Imaging" && dicom.institutionName == "St Elsewhere")
        #expect(dicom.bodyPartExamined == "KNEE" && dicom.studyInstanceUID == "1.2.3.4" && dicom.seriesInstanceUID == "1.2.3.4.5")
        #expect(dicom.sopInstanceUID == "2.25.1234" && dicom.pixelSpacing == [0.7, 0.8])
        #expect(dicom.patientID == "PAT-0042")
        let encoded = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(!encoded.contains("PAT-0042") && !encoded.contains("Doe") && !encoded.contains("1970"))
        #expect(encoded.contains("St Elsewhere"))
    }

    @Test func datasetWithoutPreambleOrMetaHeader() throws {
        var b = DICOMBuilder.image(rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 16, pixelData: LE.bytes([7, 8, 9] as [UInt16]))
        b.preamble = false
        b.implicitVR = true
        let (info, pixels) = try decode(b)
        #expect(pixels == [7, 8, 9])
        #expect(info.transferSyntax == .implicitVRLittleEndian)
    }

    @Test func monochrome1IsReportedNotInverted() throws {
        let b = DICOMBuilder.image(rows: 1, columns: 2, bitsAllocated: 8, bitsStored: 8, photometric: "MONOCHROME1", pixelData: [0, 200])
        let (info, pixels) = try decode(b)
        #expect(info.decodedPhotometricInterpretation == "MONOCHROME1")
        #expect(pixels == [0, 200])
    }

    @Test func rescaleDefaultsWhenOnlyOneValueIsPresent() throws {
        var slopeOnly = DICOMBuilder.image(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelData: LE.bytes([10, 20] as [UInt16]))
        slopeOnly.add(0x0028, 0x1053, "DS", .string("2.5"))
        #expect(try decode(slopeOnly).1 == [25, 50])
        var interceptOnly = DICOMBuilder.image(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelData: LE.bytes([10, 20] as [UInt16]))
        interceptOnly.add(0x0028, 0x1052, "DS", .string("-100"))
        #expect(try decode(interceptOnly).1 == [-90, -80])
    }

    /// A structured report (no Rows, Columns or Pixel Data) is named as what it is, not as a broken image.
    @Test func aNonImageObjectIsSaidToBeOne() throws {
        var b = DICOMBuilder()
        b.add(0x0008, 0x0016, "UI", .string("1.2.840.10008.5.1.4.1.1.88.11"))
        b.add(0x0008, 0x0018, "UI", .string("2.25.99"))
        b.add(0x0008, 0x0060, "CS", .string("SR"))
        let error = #expect(throws: ImagingError.self) { try ImageReader(bytes: b.bytes(), name: "report.dcm").decodeAll() }
        #expect(
            error?.description.contains("not an image: no Rows, Columns or Pixel Data (modality SR, SOP class 1.2.840.10008.5.1.4.1.1.88.11)") == true,
            "\(String(describing: error))")
    }

    /// A known attribute stored as UN in explicit VR (as anonymisers write them) is read with its dictionary
    /// VR: Rescale Slope "2.5" as UN scales like the DS it is, as pydicom reads it.
    @Test func aKnownAttributeStoredAsUNIsReadWithItsDictionaryVR() throws {
        var b = DICOMBuilder.image(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelData: LE.bytes([10, 20] as [UInt16]))
        b.add(0x0028, 0x1053, "UN", .bytes(Array("2.5 ".utf8)))
        b.add(0x0028, 0x1052, "UN", .bytes(Array("-1".utf8)))
        #expect(try decode(b).1 == [24, 49])
    }

    @Test func modalityLUTSequenceWithSignedFirstMappedValue() throws {
        // Signed 16-bit pixels −101, −100, −99, 500 through a 3-entry LUT starting at −100:
        // below → entry 0 (10), −100 → 10, −99 → 20, above → last (30).
        var b = DICOMBuilder.image(
            rows: 1, columns: 4, bitsAllocated: 16, bitsStored: 16, signed: true,
            pixelData: LE.bytes([-101, -100, -99, 500] as [Int16]))
        b.add(0x0028, 0x3000, "SQ", .sequence([[
            .init(0x0028, 0x3002, "SS", .int16([3, -100, 16])),
            .init(0x0028, 0x3006, "OW", .uint16([10, 20, 30])),
        ]]))
        b.add(0x0028, 0x1052, "DS", .string("1000"))  // ignored: the LUT sequence takes precedence
        #expect(try decode(b).1 == [10, 10, 20, 30])
    }

    @Test func enhancedMultiFramePerFrameRescaleAndWindows() throws {
        // Three frames of [1, 2]: frame 0 rescales by its own group (×2 + 1), frame 1 by the shared group
        // (×10), frame 2's own group has no transformation and falls back to shared.
        var b = DICOMBuilder.image(rows: 1, columns: 2, frames: 3, bitsAllocated: 16, bitsStored: 16,
                                   pixelData: LE.bytes([1, 2, 1, 2, 1, 2] as [UInt16]))
        func transformation(_ slope: String, _ intercept: String) -> DICOMBuilder.Element {
            .init(0x0028, 0x9145, "SQ", .sequence([[
                .init(0x0028, 0x1052, "DS", .string(intercept)), .init(0x0028, 0x1053, "DS", .string(slope)),
            ]]))
        }
        func voi(_ center: String, _ width: String) -> DICOMBuilder.Element {
            .init(0x0028, 0x9132, "SQ", .sequence([[
                .init(0x0028, 0x1050, "DS", .string(center)), .init(0x0028, 0x1051, "DS", .string(width)),
            ]]))
        }
        b.add(0x5200, 0x9229, "SQ", .sequence([[transformation("10", "0"), voi("5", "50")]]))
        b.add(0x5200, 0x9230, "SQ", .sequence([[transformation("2", "1"), voi("1", "3")], [], []]))
        let reader = try ImageReader(bytes: b.bytes())
        #expect(try reader.decodeFrame(0) == [3, 5])
        #expect(try reader.decodeFrame(1) == [10, 20])
        #expect(try reader.decodeFrame(2) == [10, 20])
        #expect(try reader.windows(forFrame: 0) == [VOIWindow(center: 1, width: 3)])
        #expect(try reader.windows(forFrame: 2) == [VOIWindow(center: 5, width: 50)])
        #expect(reader.info.dicom?.windows == [VOIWindow(center: 1, width: 3)])
    }

    @Test func windowsPairCentresWithWidthsAndKeepTheFunction() throws {
        var b = DICOMBuilder.image(rows: 1, columns: 1, bitsAllocated: 8, bitsStored: 8, pixelData: [0])
        b.add(0x0028, 0x1050, "DS", .string("40\\400"))
        b.add(0x0028, 0x1051, "DS", .string("400\\2000"))
        b.add(0x0028, 0x1056, "CS", .string("SIGMOID"))
        let reader = try ImageReader(bytes: b.bytes())
        #expect(try reader.windows(forFrame: 0) == [
            VOIWindow(center: 40, width: 400, function: .sigmoid), VOIWindow(center: 400, width: 2000, function: .sigmoid),
        ])
    }

    @Test func paletteColourWithSixteenAndEightBitTables() throws {
        // Indices 0, 1, 2 with first mapped value 1: index 0 clips to entry 0.
        var sixteen = DICOMBuilder.image(rows: 1, columns: 3, bitsAllocated: 8, bitsStored: 8, photometric: "PALETTE COLOR", pixelData: [0, 1, 2])
        for (i, data) in [[100, 65535] as [UInt16], [200, 300], [0, 1]].enumerated() {
            sixteen.add(0x0028, 0x1101 + UInt16(i), "US", .uint16([2, 1, 16]))
            sixteen.add(0x0028, 0x1201 + UInt16(i), "OW", .uint16(data))
        }
        let (info, pixels) = try decode(sixteen)
        #expect(info.decodedSamplesPerPixel == 3 && info.samplesPerPixel == 1)
        #expect(pixels == [100, 200, 0, 100, 200, 0, 65535, 300, 1])

        // 8-bit entries packed two per word (4 entries in 2 words), first mapped 0.
        var eight = DICOMBuilder.image(rows: 1, columns: 4, bitsAllocated: 8, bitsStored: 8, photometric: "PALETTE COLOR", pixelData: [0, 1, 2, 3])
        for i in 0..<3 {
            eight.add(0x0028, 0x1101 + UInt16(i), "US", .uint16([4, 0, 8]))
            eight.add(0x0028, 0x1201 + UInt16(i), "OW", .uint16([0x0201, 0x0403]))
        }
        #expect(try decode(eight).1 == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    }

    @Test func segmentedPalette() throws {
        // Each channel: discrete [0] then linear to 300 over 3 entries → 0, 100, 200, 300.
        var b = DICOMBuilder.image(rows: 1, columns: 4, bitsAllocated: 8, bitsStored: 8, photometric: "PALETTE COLOR", pixelData: [0, 1, 2, 3])
        for i in 0..<3 {
            b.add(0x0028, 0x1101 + UInt16(i), "US", .uint16([4, 0, 16]))
            b.add(0x0028, 0x1221 + UInt16(i), "OW", .uint16([0, 1, 0, 1, 3, 300]))
        }
        #expect(try decode(b).1 == [0, 0, 0, 100, 100, 100, 200, 200, 200, 300, 300, 300])
    }

    @Test func oneBitMultiFrameAcrossByteBoundaries() throws {
        // Two 3×3 frames = 18 bits: frame 0 is a diagonal, frame 1 its complement.
        let frame0: [UInt8] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let bits = frame0 + frame0.map { 1 - $0 }
        var packed = [UInt8](repeating: 0, count: 3)
        for (i, bit) in bits.enumerated() where bit == 1 { packed[i / 8] |= 1 << UInt8(i % 8) }
        let b = DICOMBuilder.image(rows: 3, columns: 3, frames: 2, bitsAllocated: 1, bitsStored: 1, pixelData: packed + [0])
        let (_, pixels) = try decode(b)
        #expect(pixels == bits.map(Float.init))
    }

    @Test func thirtyTwoBitLittleAndBigEndian() throws {
        let values: [Int32] = [-2_000_000, 0, 16_777_216, 2_000_000]
        let b = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 32, bitsStored: 32, signed: true, pixelData: LE.bytes(values))
        #expect(try decode(b).1 == values.map(Float.init))
        // Explicit big endian stores each 32-bit pixel cell big-endian (as pydicom reads it), even in OW.
        var big = DICOMBuilder.image(rows: 2, columns: 2, bitsAllocated: 32, bitsStored: 32, signed: true,
                                     pixelData: values.flatMap { v in LE.bytes([v]).reversed() })
        big.bigEndian = true
        let (info, pixels) = try decode(big)
        #expect(info.transferSyntax == .explicitVRBigEndian)
        #expect(pixels == values.map(Float.init))
    }

    @Test func bigEndianEightAndSixteenBit() throws {
        let eight = DICOMBuilder.image(rows: 1, columns: 4, bitsAllocated: 8, bitsStored: 8, pixelData: [1, 2, 3, 250])
        #expect(try decodeBigEndian(eight) == [1, 2, 3, 250])
        let sixteen = DICOMBuilder.image(rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, signed: true,
                                         pixelData: LE.bytes([0x0FFF, 0x0001, 0x0800] as [UInt16]))
        #expect(try decodeBigEndian(sixteen) == [-1, 1, -2048])
        let rgb = DICOMBuilder.image(rows: 1, columns: 2, samples: 3, bitsAllocated: 8, bitsStored: 8, photometric: "RGB",
                                     pixelData: [1, 2, 3, 4, 5, 6])
        #expect(try decodeBigEndian(rgb) == [1, 2, 3, 4, 5, 6])
    }

    @Test func nativeYBRFull422AndYBRFull() throws {
        // Two pixels Y = 50, 150 with neutral chroma: grey 50 and grey 150.
        let ybr422 = DICOMBuilder.image(rows: 1, columns: 2, samples: 3, bitsAllocated: 8, bitsStored: 8,
                                        photometric: "YBR_FULL_422", pixelData: [50, 150, 128, 128])
        let (info, pixels) = try decode(ybr422)
        #expect(info.decodedPhotometricInterpretation == "RGB")
        #expect(pixels == [50, 50, 50, 150, 150, 150])
        // YBR_FULL by plane: Y 76, Cb 85, Cr 255 is red.
        let ybr = DICOMBuilder.image(rows: 1, columns: 1, samples: 3, bitsAllocated: 8, bitsStored: 8,
                                     photometric: "YBR_FULL", planar: 1, pixelData: [76, 85, 255])
        #expect(try decode(ybr).1 == [254, 0, 0])
    }

    @Test func jpeg2000FramesSplitByOffsetTableOrStartMarkers() throws {
        // Two frames, each JPEG 2000 codestream split over two fragments.
        let directory = TemporaryDirectory()
        let frames: [[UInt16]] = [[1, 2, 3, 4], [5, 6, 7, 4095]]
        try DICOMWriter.write(
            DICOMImage(rows: 2, columns: 2, frames: 2, bitsAllocated: 16, bitsStored: 12,
                       pixelData: DICOMImage.bytes(Array(frames.joined())), sopInstanceUID: "2.25.7"),
            to: directory.file("j.dcm"), encoding: .jpeg2000Lossless)
        // Recover the two codestreams through MedSilo's own reader of fragments: re-split them by hand.
        let bytes = try readFile(directory.file("j.dcm"))
        let codestreams = splitCodestreams(bytes)
        #expect(codestreams.count == 2)
        for withTable in [true, false] {
            var fragments: [[UInt8]] = []
            var table: [UInt32] = []
            var offset: UInt32 = 0
            for stream in codestreams {
                let half = (stream.count / 2) & ~1
                table.append(offset)
                fragments += [Array(stream[..<half]), Array(stream[half...])]
                offset += UInt32(8 + half + 8 + (stream.count - half + (stream.count - half) % 2))
            }
            var b = DICOMBuilder.image(rows: 2, columns: 2, frames: 2, bitsAllocated: 16, bitsStored: 12, pixelData: [])
            b.transferSyntaxUID = TransferSyntax.jpeg2000Lossless.uid
            b.set(0x7FE0, 0x0010, "OB", .fragments(offsetTable: withTable ? table : [], fragments))
            let reader = try ImageReader(bytes: b.bytes())
            #expect(try reader.decodeFrame(1) == frames[1].map(Float.init), "offset table: \(withTable)")
            #expect(try reader.decodeFrame(0) == frames[0].map(Float.init), "offset table: \(withTable)")
        }
    }

    /// The J2K codestreams (SOC … EOC) inside a file, found by their markers.
    private func splitCodestreams(_ bytes: [UInt8]) -> [[UInt8]] {
        var streams: [[UInt8]] = []
        var i = 0
        while i + 4 <= bytes.count {
            if bytes[i] == 0xFF, bytes[i + 1] == 0x4F, bytes[i + 2] == 0xFF, bytes[i + 3] == 0x51 {
                var j = i + 4
                while j + 1 < bytes.count, !(bytes[j] == 0xFF && bytes[j + 1] == 0xD9) { j += 1 }
                streams.append(Array(bytes[i...j + 1]))
                i = j + 2
            } else {
                i += 1
            }
        }
        return streams
    }
}
