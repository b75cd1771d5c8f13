import Testing

@testable import Imaging

/// Stored-sample interpretation against hand-computed values.
@Suite struct PixelTransformsTests {
    private func layout(
        bits: Int, stored: Int, signed: Bool, samples: Int = 1, photometric: String = "MONOCHROME2", planar: Int = 0,
        rows: Int = 1, columns: Int
    ) -> StoredLayout {
        StoredLayout(
            rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits, bitsStored: stored,
            isSigned: signed, planarConfiguration: planar, photometric: photometric)
    }

    private func convert(
        _ raw: [UInt8], _ layout: StoredLayout, modality: ModalityTransform = .identity, palette: Palette? = nil,
        bitOffset: Int = 0
    ) throws -> [Float] {
        let outputSamples = layout.photometric.hasPrefix("MONOCHROME") ? 1 : 3
        var out = [Float](repeating: .nan, count: layout.pixels * outputSamples)
        try raw.withUnsafeBytes { bytes in
            try out.withUnsafeMutableBufferPointer { buffer in
                try convertFrame(
                    raw: bytes, bitOffset: bitOffset, layout: layout, modality: modality, palette: palette, into: buffer)
            }
        }
        return out
    }

    @Test func unusedHighBitsAreMaskedForUnsignedSamples() throws {
        // 0xF123 with BitsStored 12 keeps 0x123 = 291; 0x0FFF stays 4095.
        let out = try convert([0x23, 0xF1, 0xFF, 0x0F], layout(bits: 16, stored: 12, signed: false, columns: 2))
        #expect(out == [291, 4095])
    }

    @Test func signedSamplesAreSignExtendedFromBitsStored() throws {
        // BitsStored 12: 0x0FFF → −1, 0x0800 → −2048, 0x07FF → 2047, 0xF001 (garbage high nibble) → 1.
        let raw: [UInt8] = [0xFF, 0x0F, 0x00, 0x08, 0xFF, 0x07, 0x01, 0xF0]
        let out = try convert(raw, layout(bits: 16, stored: 12, signed: true, columns: 4))
        #expect(out == [-1, -2048, 2047, 1])
    }

    @Test func eightBitSignedSixBitsStored() throws {
        // Six bits stored, signed: 0x20 → −32, 0x1F → 31, 0xE1 → 0x21 → −31.
        let out = try convert([0x20, 0x1F, 0xE1], layout(bits: 8, stored: 6, signed: true, columns: 3))
        #expect(out == [-32, 31, -31])
    }

    @Test func rescaleAppliesSlopeThenIntercept() throws {
        // 1000 × 1 − 1024 = −24; fractional slope computed in Float64 then rounded once.
        let raw = LEBytes.of([1000, 0, 4095])
        let integer = try convert(raw, layout(bits: 16, stored: 12, signed: false, columns: 3),
                                  modality: .linear(slope: 1, intercept: -1024))
        #expect(integer == [-24, -1024, 3071])
        let fractional = try convert(raw, layout(bits: 16, stored: 12, signed: false, columns: 3),
                                     modality: .linear(slope: 0.1, intercept: 0.5))
        #expect(fractional == [Float(1000 * 0.1 + 0.5), Float(0.5), Float(4095 * 0.1 + 0.5)])
    }

    @Test func thirtyTwoBitSamples() throws {
        let raw = LEBytes.of32([0xFFFF_FFFF, 70_000])
        let unsigned = try convert(raw, layout(bits: 32, stored: 32, signed: false, columns: 2))
        #expect(unsigned == [Float(4_294_967_295.0), 70_000])
        let signed = try convert(raw, layout(bits: 32, stored: 32, signed: true, columns: 2))
        #expect(signed == [-1, 70_000])
    }

    @Test func oneBitSamplesAreLeastSignificantBitFirstAndFramesNeedNotAlign() throws {
        // 0b1010_0101: bits from LSB: 1,0,1,0,0,1,0,1. A 3-pixel frame starting at bit 5 reads 1,0,1.
        let raw: [UInt8] = [0b1010_0101, 0b0000_0001]
        let first = try convert(raw, layout(bits: 1, stored: 1, signed: false, columns: 3))
        #expect(first == [1, 0, 1])
        let shifted = try convert(raw, layout(bits: 1, stored: 1, signed: false, columns: 4), bitOffset: 5)
        #expect(shifted == [1, 0, 1, 1])
    }

    @Test func modalityLookupTableClipsBelowAndAbove() throws {
        // First mapped value 10, entries [100, 200, 300]: 5 → 100 (below), 11 → 200, 99 → 300 (above).
        let table = LookupTable(firstMapped: 10, entries: [100, 200, 300])
        let out = try convert(LEBytes.of([5, 11, 99]), layout(bits: 16, stored: 16, signed: false, columns: 3),
                              modality: .lookup(table))
        #expect(out == [100, 200, 300])
    }

    @Test func planarRGBIsInterleaved() throws {
        // Two pixels by plane: R R G G B B.
        let out = try convert([1, 2, 3, 4, 5, 6], layout(bits: 8, stored: 8, signed: false, samples: 3,
                                                           photometric: "RGB", planar: 1, columns: 2))
        #expect(out == [1, 3, 5, 2, 4, 6])
    }

    @Test func ybrFullToRGBMatchesPydicomValues() {
        // pydicom's convert_color_space: (128, 128, 128) is mid grey; (0, 178, 78) gives G = 19 with
        // NumPy's fused float32 arithmetic (plain float32 would give 18).
        #expect(ybrFullToRGB(y: 128, cb: 128, cr: 128, bits: 8) == (128, 128, 128))
        let rgb = ybrFullToRGB(y: 0, cb: 178, cr: 78, bits: 8)
        #expect(rgb.1 == 19)
        // Pure red through the BT.601 full-range forward transform: Y 76, Cb 85, Cr 255 → ≈ (254, 0, 0).
        let red = ybrFullToRGB(y: 76, cb: 85, cr: 255, bits: 8)
        #expect(red.0 == 254 && red.1 == 0 && red.2 == 0)
    }

    @Test func ybrFull422SharesChromaBetweenPixelPairs() throws {
        // Y1 Y2 Cb Cr for one pair: both pixels get the same chroma; neutral chroma gives grey.
        let out = try convert([10, 200, 128, 128], layout(bits: 8, stored: 8, signed: false, samples: 3,
                                                           photometric: "YBR_FULL_422", columns: 2))
        #expect(out == [10, 10, 10, 200, 200, 200])
    }

    @Test func paletteColourExpandsIndicesThroughThreeTables() throws {
        let palette = Palette(
            red: LookupTable(firstMapped: 0, entries: [0, 65535]),
            green: LookupTable(firstMapped: 0, entries: [10, 20]),
            blue: LookupTable(firstMapped: 0, entries: [7, 8]))
        let out = try convert([1, 0, 5], layout(bits: 8, stored: 8, signed: false, photometric: "PALETTE COLOR", columns: 3),
                              palette: palette)
        #expect(out == [65535, 20, 8, 0, 10, 7, 65535, 20, 8])
    }

    @Test func unsupportedPhotometricIsReported() {
        #expect(throws: PixelTransformProblem.unsupported("photometric interpretation CMYK")) {
            _ = try convert([0, 0, 0, 0], layout(bits: 8, stored: 8, signed: false, samples: 4, photometric: "CMYK", columns: 1))
        }
    }
}

/// Little-endian bytes for pixel buffers in these tests.
enum LEBytes {
    static func of(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    static func of32(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } } }
}
