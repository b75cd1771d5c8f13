/// Images with known pixels, written in every format and encoding MedSilo decodes, so that a fresh
/// machine can check the whole decode path (`medsilo phantoms`, `make demo`, the decode benchmark).
///
/// The pixels are analytic: a CT head phantom in Hounsfield units (Shepp–Logan ellipses) and an RGB
/// lesion-like phantom, both functions of the size only.
public enum SampleImages {
    /// One written file and what it holds.
    public struct Entry: Sendable, Equatable {
        public var file: String
        public var description: String
        /// True when the decoded pixels must equal the source exactly.
        public var lossless: Bool
    }

    // MARK: Pixels

    /// A CT head phantom in HU: air −1000, skull 1000, brain 40, ventricles 10, lesions 60–80.
    /// Row-major, `size` × `size`.
    public static func ctPhantom(size: Int) -> [Int16] {
        // (centre x, centre y, semi-axis a, semi-axis b, angle in degrees, HU added) on [−1, 1]².
        let ellipses: [(Double, Double, Double, Double, Double, Double)] = [
            (0, 0, 0.69, 0.92, 0, 2000),
            (0, -0.0184, 0.6624, 0.874, 0, -960),
            (0.22, 0, 0.11, 0.31, -18, -30),
            (-0.22, 0, 0.16, 0.41, 18, -30),
            (0, 0.35, 0.21, 0.25, 0, 20),
            (0, 0.1, 0.046, 0.046, 0, 40),
            (-0.08, -0.605, 0.046, 0.023, 0, 30),
            (0.06, -0.605, 0.023, 0.046, 0, 30),
        ]
        var values = [Int16](repeating: -1000, count: size * size)
        for row in 0..<size {
            for column in 0..<size {
                let x = (Double(column) + 0.5) / Double(size) * 2 - 1
                let y = 1 - (Double(row) + 0.5) / Double(size) * 2
                var hu = -1000.0
                for (cx, cy, a, b, degrees, value) in ellipses {
                    let t = degrees * .pi / 180
                    let dx = x - cx, dy = y - cy
                    let u = (dx * cosine(t) + dy * sine(t)) / a
                    let v = (-dx * sine(t) + dy * cosine(t)) / b
                    if u * u + v * v <= 1 { hu += value }
                }
                // A gentle ramp so that neighbouring values differ and predictors have work to do.
                hu += Double((row * 7 + column * 3) % 16)
                values[row * size + column] = Int16(max(-1024, min(3071, hu)))
            }
        }
        return values
    }

    /// An RGB lesion-like phantom: skin tone, a darker irregular lesion, texture. Interleaved RGB.
    public static func colorPhantom(size: Int) -> [UInt8] {
        var values = [UInt8](repeating: 0, count: size * size * 3)
        for row in 0..<size {
            for column in 0..<size {
                let x = (Double(column) + 0.5) / Double(size) - 0.5
                let y = (Double(row) + 0.5) / Double(size) - 0.5
                let r = (x * x + y * y).squareRoot()
                let angle = arcTangent(y, x)
                let border = 0.28 + 0.04 * sine(5 * angle) + 0.02 * sine(11 * angle)
                let texture = Double((row * 13 + column * 7) % 23) - 11
                var rgb: (Double, Double, Double) = (224, 172, 150)
                if r < border {
                    let depth = 1 - r / border
                    rgb = (150 - 70 * depth, 90 - 50 * depth, 70 - 40 * depth)
                }
                let i = 3 * (row * size + column)
                values[i] = UInt8(clamping: Int(rgb.0 + texture))
                values[i + 1] = UInt8(clamping: Int(rgb.1 + texture * 0.7))
                values[i + 2] = UInt8(clamping: Int(rgb.2 + texture * 0.5))
            }
        }
        return values
    }

    /// RGB → YBR_FULL (PS3.3 C.7.6.3.1.2), rounded and clipped to 0–255.
    public static func rgbToYBRFull(_ rgb: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rgb.count)
        for p in stride(from: 0, to: rgb.count, by: 3) {
            let r = Double(rgb[p]), g = Double(rgb[p + 1]), b = Double(rgb[p + 2])
            let y = 0.299 * r + 0.587 * g + 0.114 * b
            let cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
            let cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
            out[p] = UInt8(clamping: Int(y.rounded()))
            out[p + 1] = UInt8(clamping: Int(cb.rounded()))
            out[p + 2] = UInt8(clamping: Int(cr.rounded()))
        }
        return out
    }

    // MARK: Files

    /// Writes the sample set into `directory` (created if needed) and returns what was written.
    public static func write(to directory: String, size: Int = 128) throws(ImagingError) -> [Entry] {
        try FileIO.createDirectory(directory)
        var entries: [Entry] = []
        let hu = ctPhantom(size: size)
        let stored12 = hu.map { UInt16($0 + 1024) }  // CT stored as unsigned 12-bit with intercept −1024
        let ctAttributes: [DICOMTag: String] = [
            .modality: "CT", .rescaleSlope: "1", .rescaleIntercept: "-1024", .windowCenter: "40",
            .windowWidth: "400", .institutionName: "MedSilo Phantom Hospital", .bodyPartExamined: "HEAD",
            .pixelSpacing: "0.5\\0.5",
        ]
        func ct(_ name: String, frames: Int = 1) -> DICOMImage {
            DICOMImage(
                rows: size, columns: size, frames: frames, bitsAllocated: 16, bitsStored: 12,
                pixelData: DICOMImage.bytes(Array([[UInt16]](repeating: stored12, count: frames).joined())),
                sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/\(name)/\(size)"), sopClassUID: DICOMUID.ctImage,
                attributes: ctAttributes)
        }
        let ctEncodings: [(String, DICOMEncoding)] = [
            ("ct_implicit_le", .implicitLittleEndian), ("ct_explicit_le", .explicitLittleEndian),
            ("ct_explicit_be", .explicitBigEndian), ("ct_deflated", .deflated),
            ("ct_jpeg_lossless_sv1", .jpegLosslessSV1), ("ct_jpeg_lossless_p14", .jpegLossless(predictor: 6)),
            ("ct_jpeg_extended_12bit", .jpegExtended(quality: 95)), ("ct_jpegls_lossless", .jpegLSLossless),
            ("ct_jpegls_near_lossless", .jpegLSNearLossless(deviation: 2)), ("ct_rle", .rle),
            ("ct_j2k_lossless", .jpeg2000Lossless), ("ct_j2k_lossy", .jpeg2000(ratio: 8)),
        ]
        for (name, encoding) in ctEncodings {
            try DICOMWriter.write(ct(name), to: "\(directory)/\(name).dcm", encoding: encoding)
            entries.append(
                Entry(
                    file: "\(name).dcm", description: "CT phantom, 12-bit, \(encoding.transferSyntax.name)",
                    lossless: encoding.isLossless))
        }
        try DICOMWriter.write(ct("ct_multiframe", frames: 3), to: "\(directory)/ct_multiframe.dcm", encoding: .explicitLittleEndian)
        entries.append(Entry(file: "ct_multiframe.dcm", description: "CT phantom, 3 frames", lossless: true))

        var signed = DICOMImage(
            rows: size, columns: size, bitsAllocated: 16, bitsStored: 16, isSigned: true,
            pixelData: DICOMImage.bytes(hu), sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/signed/\(size)"),
            sopClassUID: DICOMUID.ctImage, attributes: [.modality: "CT"])
        try DICOMWriter.write(signed, to: "\(directory)/ct_signed_hu.dcm", encoding: .explicitLittleEndian)
        entries.append(Entry(file: "ct_signed_hu.dcm", description: "CT phantom, signed 16-bit HU", lossless: true))
        signed.sopInstanceUID = DICOMUID.derived(from: "medsilo-phantom/signed-jls/\(size)")
        try DICOMWriter.write(signed, to: "\(directory)/ct_signed_jpegls.dcm", encoding: .jpegLSLossless)
        entries.append(Entry(file: "ct_signed_jpegls.dcm", description: "CT phantom, signed, JPEG-LS", lossless: true))

        // An 8-bit radiograph-like image, MONOCHROME1 (bright = low value) and JPEG baseline.
        let gray = hu.map { UInt8(clamping: (Int($0) + 1000) / 8) }
        let inverted = gray.map { 255 - $0 }
        try DICOMWriter.write(
            DICOMImage(
                rows: size, columns: size, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME1",
                pixelData: inverted, sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/mono1/\(size)"),
                attributes: [.modality: "DX", .windowCenter: "128", .windowWidth: "256"]),
            to: "\(directory)/dx_monochrome1.dcm", encoding: .explicitLittleEndian)
        entries.append(Entry(file: "dx_monochrome1.dcm", description: "radiograph, MONOCHROME1, 8-bit", lossless: true))
        try DICOMWriter.write(
            DICOMImage(
                rows: size, columns: size, bitsAllocated: 8, bitsStored: 8, pixelData: gray,
                sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/dx-jpeg/\(size)"), attributes: [.modality: "DX"]),
            to: "\(directory)/dx_jpeg_baseline.dcm", encoding: .jpegBaseline(quality: 90))
        entries.append(Entry(file: "dx_jpeg_baseline.dcm", description: "radiograph, JPEG baseline", lossless: false))

        // Colour: RGB interleaved and by plane, YBR_FULL, JPEG (written as YBR_FULL_422), RLE, JPEG 2000, palette.
        let rgb = colorPhantom(size: size)
        func color(_ name: String, photometric: String = "RGB", planar: Int = 0, data: [UInt8]) -> DICOMImage {
            DICOMImage(
                rows: size, columns: size, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
                photometricInterpretation: photometric, planarConfiguration: planar, pixelData: data,
                sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/\(name)/\(size)"),
                attributes: [.modality: "XC", .institutionName: "MedSilo Phantom Clinic"])
        }
        let n = size * size
        let planes = (0..<3).flatMap { c in (0..<n).map { rgb[3 * $0 + c] } }
        let colorFiles: [(String, DICOMImage, DICOMEncoding, String)] = [
            ("xc_rgb", color("xc_rgb", data: rgb), .explicitLittleEndian, "RGB, pixel-interleaved"),
            ("xc_rgb_planar", color("xc_rgb_planar", planar: 1, data: planes), .explicitLittleEndian, "RGB, by plane"),
            ("xc_ybr_full", color("xc_ybr_full", photometric: "YBR_FULL", data: rgbToYBRFull(rgb)), .explicitLittleEndian,
             "YBR_FULL"),
            ("xc_jpeg_baseline", color("xc_jpeg_baseline", data: rgb), .jpegBaseline(quality: 92), "JPEG baseline (YBR_FULL_422)"),
            ("xc_rle", color("xc_rle", data: rgb), .rle, "RGB, RLE"),
            ("xc_j2k_lossless", color("xc_j2k_lossless", data: rgb), .jpeg2000Lossless, "RGB, JPEG 2000 lossless"),
        ]
        for (name, image, encoding, description) in colorFiles {
            try DICOMWriter.write(image, to: "\(directory)/\(name).dcm", encoding: encoding)
            entries.append(Entry(file: "\(name).dcm", description: "lesion phantom, \(description)", lossless: encoding.isLossless && name != "xc_ybr_full"))
        }
        try writePalette(gray: gray, size: size, to: "\(directory)/pet_palette.dcm")
        entries.append(Entry(file: "pet_palette.dcm", description: "PALETTE COLOR, 16-bit LUT", lossless: true))

        // PNG and JPEG.
        let gray16 = stored12.map { $0 << 4 }
        var rgba = [UInt8](repeating: 0, count: n * 4)
        var grayAlpha = [UInt8](repeating: 255, count: n * 2)
        for p in 0..<n {
            rgba[4 * p] = rgb[3 * p]
            rgba[4 * p + 1] = rgb[3 * p + 1]
            rgba[4 * p + 2] = rgb[3 * p + 2]
            rgba[4 * p + 3] = UInt8((p % size) * 255 / max(size - 1, 1))
            grayAlpha[2 * p] = gray[p]
        }
        let hotIronMap: [UInt8] = (0..<256).flatMap { hotIron(UInt8($0)) }
        let pngs: [(String, [UInt8], String)] = [
            ("gray8.png", try PNGWriter.encode(gray, width: size, height: size, channels: 1), "gray 8-bit"),
            ("gray16.png", try PNGWriter.encode(gray16, width: size, height: size, channels: 1), "gray 16-bit"),
            ("gray_alpha8.png", try PNGWriter.encode(grayAlpha, width: size, height: size, channels: 2), "gray+alpha 8-bit"),
            ("rgb8.png", try PNGWriter.encode(rgb, width: size, height: size, channels: 3), "RGB 8-bit"),
            ("rgba8_interlaced.png", try PNGWriter.encode(rgba, width: size, height: size, channels: 4, interlaced: true),
             "RGBA 8-bit, Adam7 interlaced"),
            ("gray4.png", try PNGWriter.encodeLowBitGray(gray.map { $0 >> 4 }, width: size, height: size, bitDepth: 4),
             "gray 4-bit"),
            ("palette8.png", try PNGWriter.encodePalette(
                indices: gray, width: size, height: size, bitDepth: 8, palette: hotIronMap),
             "palette, 256 entries"),
        ]
        for (name, bytes, description) in pngs {
            try FileIO.writeAtomically(bytes, to: "\(directory)/\(name)")
            entries.append(Entry(file: name, description: "PNG \(description)", lossless: true))
        }
        let jpegs: [(String, [UInt8], String)] = [
            ("gray.jpg", try JPEGWriter.encode(gray, width: size, height: size, channels: 1), "gray baseline"),
            ("color.jpg", try JPEGWriter.encode(rgb, width: size, height: size, channels: 3), "colour 4:2:0 baseline"),
            ("color_progressive.jpg", try JPEGWriter.encode(
                rgb, width: size, height: size, channels: 3, subsampling: .s444, progressive: true), "colour progressive"),
        ]
        for (name, bytes, description) in jpegs {
            try FileIO.writeAtomically(bytes, to: "\(directory)/\(name)")
            entries.append(Entry(file: name, description: "JPEG \(description)", lossless: false))
        }
        return entries
    }

    /// A "hot iron"-like colour map entry for index `v`.
    public static func hotIron(_ v: UInt8) -> [UInt8] {
        let x = Int(v)
        return [UInt8(min(255, x * 2)), UInt8(max(0, min(255, (x - 128) * 2))), UInt8(max(0, min(255, (x - 192) * 4)))]
    }

    private static func writePalette(gray: [UInt8], size: Int, to path: String) throws(ImagingError) {
        // 16-bit entries: the 8-bit hot-iron map scaled by 257.
        func lut(_ channel: Int) -> [UInt16] {
            (0..<256).map { UInt16(hotIron(UInt8($0))[channel]) * 257 }
        }
        let image = DICOMImage(
            rows: size, columns: size, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "PALETTE COLOR",
            pixelData: gray, sopInstanceUID: DICOMUID.derived(from: "medsilo-phantom/palette/\(size)"),
            attributes: [.modality: "PT"],
            wordAttributes: [
                .redPaletteDescriptor: [256, 0, 16], .greenPaletteDescriptor: [256, 0, 16],
                .bluePaletteDescriptor: [256, 0, 16], .redPaletteData: lut(0), .greenPaletteData: lut(1),
                .bluePaletteData: lut(2),
            ])
        try DICOMWriter.write(image, to: path, encoding: .explicitLittleEndian)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func sine(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func cosine(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func arcTangent(_ y: Double, _ x: Double) -> Double { Glibc.atan2(y, x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func sine(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) func cosine(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func arcTangent(_ y: Double, _ x: Double) -> Double { Darwin.atan2(y, x) }
#endif
