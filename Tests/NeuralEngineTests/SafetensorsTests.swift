import Foundation
import Testing

@testable import NeuralEngine

/// Weights survive a safetensors round trip; the bytes follow the format; wrong files are refused.
@Suite struct SafetensorsTests {
    @Test func roundTripKeepsParametersAndBuffers() throws {
        let model = Sequential(name: "tiny", inputShape: [2, 4, 4], layers: [("conv", Conv2d(2, 3, kernel: 3)), ("bn", BatchNorm2d(3)), ("flatten", Flatten()), ("fc", Linear(12, 2))])
        model.initialize(seed: 4)
        model.buffers = (0..<model.buffers.count).map { Float($0) + 0.5 }
        let bytes = Safetensors.encode(model)
        let copy = Sequential(name: "tiny", inputShape: [2, 4, 4], layers: [("conv", Conv2d(2, 3, kernel: 3)), ("bn", BatchNorm2d(3)), ("flatten", Flatten()), ("fc", Linear(12, 2))])
        try Safetensors.load(bytes, into: copy)
        #expect(copy.parameters.values == model.parameters.values)
        #expect(copy.buffers == model.buffers)
    }

    @Test func bytesFollowTheFormat() throws {
        let model = Sequential(name: "lin", inputShape: [3], layers: [("fc", Linear(3, 2))])
        model.parameters.values = [1, 2, 3, 4, 5, 6, -1, 0.5]
        let bytes = Safetensors.encode(model)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0 && 8 + length + 8 * 4 == bytes.count)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as? [String: Any])
        let weight = try #require(header["fc.weight"] as? [String: Any])
        #expect(weight["dtype"] as? String == "F32" && weight["shape"] as? [Int] == [2, 3] && weight["data_offsets"] as? [Int] == [0, 24])
        #expect((header["fc.bias"] as? [String: Any])?["data_offsets"] as? [Int] == [24, 32])
        #expect((header["__metadata__"] as? [String: String])?["medsilo.architecture"] == "lin")
        // The bias -1, 0.5 as little-endian F32 at the end of the file.
        #expect(Array(bytes.suffix(8)) == [0x00, 0x00, 0x80, 0xBF, 0x00, 0x00, 0x00, 0x3F])
    }

    @Test func mismatchesAreRefusedWithTheReason() throws {
        let small = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 9)
        let bytes = Safetensors.encode(small)
        let otherClasses = try ModelZoo.make("cnn-small", channels: 1, size: 28, classes: 4)
        #expect { try Safetensors.load(bytes, into: otherClasses) } throws: { "\($0)".contains("classes") }
        #expect { try Safetensors.load(Array(bytes.prefix(100)), into: small) } throws: { "\($0)".contains("header length") || "\($0)".contains("fit") }
        #expect(throws: Safetensors.FormatError.self) { try Safetensors.load([1, 2, 3], into: small) }
    }
}
