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

extension SafetensorsTests {
    /// A file whose header is `json` followed by `data` bytes.
    static func file(_ json: String, data: Int) -> [UInt8] {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        out += header
        out += [UInt8](repeating: 0, count: data)
        return out
    }

    @Test func malformedOffsetsAndTypesAreRefusedNotTrapped() {
        let model = Sequential(name: "lin", inputShape: [1], layers: [("fc", Linear(1, 1))])
        let bias = "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"
        for weight in [
            "{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[-9223372036854775808,0]}",
            "{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[9223372036854775783,9223372036854775807]}",
            "{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[4,0]}",
            "{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0]}",
            "{\"dtype\":\"F16\",\"shape\":[1,1],\"data_offsets\":[0,4]}",
            "{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,4]}",
            "{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,400]}",
        ] {
            let bytes = Self.file("{\"fc.weight\":\(weight),\(bias)}", data: 8)
            #expect(throws: Safetensors.FormatError.self) { try Safetensors.load(bytes, into: model) }
        }
        // The same file with sane offsets loads.
        let good = Self.file("{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},\(bias)}", data: 8)
        #expect(throws: Never.self) { try Safetensors.load(good, into: model) }
        // A header length beyond the file.
        #expect(throws: Safetensors.FormatError.self) { try Safetensors.load([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B], into: model) }
    }
}
