import Testing

@testable import Imaging

@Suite struct LookupTableTests {
    @Test func descriptorZeroEntriesMeans65536() throws {
        let data = [UInt16](repeating: 7, count: 65_536)
        let table = try LookupTable.fromDescriptor([0, 0, 16], data: data, signedFirstMapped: false).get()
        #expect(table.entries.count == 65_536)
    }

    @Test func signedFirstMappedValue() throws {
        // 0xFF9C is −100 when the image is signed, 65436 when not.
        let signed = try LookupTable.fromDescriptor([2, 0xFF9C, 16], data: [1, 2], signedFirstMapped: true).get()
        #expect(signed.firstMapped == -100)
        #expect(signed[-100] == 1 && signed[-99] == 2 && signed[-1000] == 1 && signed[5] == 2)
        let unsigned = try LookupTable.fromDescriptor([2, 0xFF9C, 16], data: [1, 2], signedFirstMapped: false).get()
        #expect(unsigned.firstMapped == 65_436)
    }

    @Test func eightBitEntriesPackedTwoPerWordLowByteFirst() throws {
        // Four 8-bit entries in two words: 0x0201 → [1, 2], 0x0403 → [3, 4].
        let table = try LookupTable.fromDescriptor([4, 0, 8], data: [0x0201, 0x0403], signedFirstMapped: false).get()
        #expect(table.entries == [1, 2, 3, 4])
    }

    @Test func shortDataIsRefused() {
        let result = LookupTable.fromDescriptor([10, 0, 16], data: [1, 2, 3], signedFirstMapped: false)
        #expect(throws: LookupTable.DescriptorProblem.self) { try result.get() }
    }

    @Test func segmentedDiscreteAndLinear() throws {
        // Discrete [0], then linear to 1 over 4 entries: linspace(0.25, 1, 4) = 0.25, 0.5, 0.75, 1 → around
        // (half to even) 0, 0, 1, 1. Then linear 1 → 6 over 2: linspace(3.5, 6, 2) → 4 (3.5 to even), 6.
        let expanded = try expandSegmentedLUT([0, 1, 0, 1, 4, 1, 1, 2, 6])
        #expect(expanded == [0, 0, 0, 1, 1, 4, 6])
    }

    @Test func segmentedIndirectReplaysEarlierSegments() throws {
        // Segment A (offset 0): discrete [5, 6]. Segment B: linear to 8 over 2 → 7, 8.
        // Segment C: indirect, copy 2 segments from word offset 0: discrete 5, 6, then linear from the last
        // value (6) to 8 over 2 → 7, 8.
        let data: [UInt16] = [0, 2, 5, 6, 1, 2, 8, 2, 2, 0, 0]
        #expect(try expandSegmentedLUT(data) == [5, 6, 7, 8, 5, 6, 7, 8])
    }

    @Test func segmentedIndirectOffsetCountsBytes() throws {
        // Discrete [5, 6]; linear to 8 over 2 → 7, 8; discrete [2]; indirect: 1 segment at byte offset 8 =
        // word 4, the linear segment, replayed from the last value 2 to 8 over 2 → linspace(5, 8) = 5, 8.
        let data: [UInt16] = [0, 2, 5, 6, 1, 2, 8, 0, 1, 2, 2, 1, 8, 0]
        #expect(try expandSegmentedLUT(data) == [5, 6, 7, 8, 2, 5, 8])
        // An odd byte offset cannot address a 16-bit entry.
        #expect(throws: LookupTable.DescriptorProblem.self) { try expandSegmentedLUT([0, 1, 5, 2, 1, 3, 0]) }
    }

    @Test func segmentedEightBitEntriesArePackedTwoPerWord() throws {
        // Bytes: discrete(2) 10 20, linear(2) to 40 → 30, 40, then a pad byte; packed low byte first.
        let bytes: [UInt16] = [0, 2, 10, 20, 1, 2, 40, 0]
        let words = stride(from: 0, to: bytes.count, by: 2).map { bytes[$0] | bytes[$0 + 1] << 8 }
        #expect(try expandSegmentedLUT(words, entryBits: 8) == [10, 20, 30, 40])
    }

    @Test func segmentedRejectsLeadingLinearAndRunaways() {
        #expect(throws: LookupTable.DescriptorProblem.self) { try expandSegmentedLUT([1, 4, 10]) }
        #expect(throws: LookupTable.DescriptorProblem.self) { try expandSegmentedLUT([0, 9, 1, 2]) }
        // An indirect segment pointing at itself (byte 6 = word 3) recurses until the depth limit, then fails.
        #expect(throws: LookupTable.DescriptorProblem.self) { try expandSegmentedLUT([0, 1, 5, 2, 1, 6, 0]) }
    }
}

@Suite struct VOIWindowTests {
    @Test func linearFollowsPS33() {
        // c = 40, w = 400: c − 0.5 = 39.5, w − 1 = 399; lower edge 39.5 − 199.5 = −160, upper 239.
        let window = VOIWindow(center: 40, width: 400)
        #expect(window.unitValue(-160) == 0)
        #expect(window.unitValue(239.5) == 1)
        #expect(window.unitValue(39.5) == 0.5)
        #expect(abs(window.unitValue(139.25) - 0.75) < 1e-12)
    }

    @Test func linearExactUsesCentreAndWidthAsGiven() {
        let window = VOIWindow(center: 100, width: 200, function: .linearExact)
        #expect(window.unitValue(0) == 0)
        #expect(window.unitValue(150) == 0.75)
        #expect(window.unitValue(200) == 1)
    }

    @Test func sigmoidIsOneHalfAtTheCentre() {
        let window = VOIWindow(center: 10, width: 8, function: .sigmoid)
        #expect(window.unitValue(10) == 0.5)
        // 1 / (1 + e^(−4·2/8)) = 1 / (1 + e^−1)
        #expect(abs(window.unitValue(12) - 1 / (1 + 0.36787944117144233)) < 1e-12)
    }

    @Test func invalidWidthsAreRejected() {
        #expect(!VOIWindow(center: 0, width: 0.5).isValid)
        #expect(VOIWindow(center: 0, width: 0.5, function: .linearExact).isValid)
        #expect(!VOIWindow(center: .nan, width: 10).isValid)
    }
}

@Suite struct FormatDetectionTests {
    @Test func signatures() {
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.detect([UInt8](repeating: 0, count: 128) + Array("DICM".utf8)) == .dicom)
        #expect(ImageFormat.detect(Array("hello, world".utf8)) == nil)
        #expect(ImageFormat.detect([]) == nil)
    }

    @Test func bareDatasetsWithoutPreamble() {
        // Explicit VR: (0008,0005) CS; implicit VR: (0008,0016) with a 26-byte length.
        #expect(ImageFormat.detect([0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0A, 0x00]) == .dicom)
        #expect(ImageFormat.detect([0x08, 0x00, 0x16, 0x00, 0x1A, 0x00, 0x00, 0x00]) == .dicom)
        // Group 0008 with a huge implicit length is not taken for DICOM.
        #expect(ImageFormat.detect([0x08, 0x00, 0x16, 0x00, 0x00, 0x00, 0x01, 0x7F]) == nil)
    }

    @Test func uidsDerivedFromNamesAreStableAndDistinct() {
        #expect(DICOMUID.derived(from: "a") == DICOMUID.derived(from: "a"))
        #expect(DICOMUID.derived(from: "a") != DICOMUID.derived(from: "b"))
        #expect(DICOMUID.derived(from: "a").hasPrefix("2.25."))
        #expect(DICOMUID.derived(from: "a").count <= 64)
    }
}
