import Imaging
import Testing
import TestSupport

/// The 8-bit decode path gives exactly the values of the Float32 path, and only where it applies.
@Suite struct ByteDecodeTests {
    @Test func eightBitSourcesDecodeToTheSameValuesAsBytes() throws {
        let directory = TemporaryDirectory()
        _ = try SampleImages.write(to: directory.path, size: 24)
        let expectBytes: Set<String> = ["color.jpg", "color_progressive.jpg", "gray.jpg", "gray8.png", "gray_alpha8.png", "palette8.png", "rgb8.png", "rgba8_interlaced.png"]
        var seen = Set<String>()
        for name in try FileIO.listFiles(in: directory.path, recursive: false).map({ String($0.split(separator: "/").last!) }) {
            let reader = try ImageReader(path: directory.file(name))
            let count = reader.info.decodedFrameCount
            var bytes = [UInt8](repeating: 0, count: count)
            let supported = try bytes.withUnsafeMutableBufferPointer { buffer throws(ImagingError) in
                try reader.decodeFrame(0, intoBytes: buffer)
            }
            #expect(supported == expectBytes.contains(name), "\(name)")
            if supported {
                seen.insert(name)
                #expect(bytes.map(Float.init) == (try reader.decodeFrame(0)), "\(name)")
            } else {
                #expect(bytes.allSatisfy { $0 == 0 }, "\(name): nothing written when unsupported")
            }
        }
        #expect(seen == expectBytes)
    }
}
