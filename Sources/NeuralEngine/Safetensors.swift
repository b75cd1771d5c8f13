import FoundationEssentials

/// Model weights in the safetensors format, so a PyTorch user can load them (`safetensors.torch.load_file`).
///
/// Layout: an 8-byte little-endian header length, a JSON header mapping each tensor name to its dtype
/// ("F32"), shape and byte range `data_offsets` [begin, end) within the data that follows, plus
/// `__metadata__` (string to string); the header is padded with spaces to a multiple of 8 bytes; then
/// the raw little-endian values. MedSilo writes the learned parameters and the state buffers under their
/// PyTorch state-dict names, and records the architecture, input shape and class count in the metadata,
/// which loading checks.
public enum Safetensors {
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    struct TensorInfo: Codable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// The metadata MedSilo writes.
    public static func metadata(of model: Sequential) -> [String: String] {
        [
            "format": "pt", "medsilo.architecture": model.name,
            "medsilo.input": model.inputShape.map(String.init).joined(separator: "x"),
            "medsilo.classes": String(model.outputShape.reduce(1, *)),
        ]
    }

    /// The model's parameters and buffers as a safetensors file's bytes.
    public static func encode(_ model: Sequential, metadata extra: [String: String] = [:]) -> [UInt8] {
        var entries: [(name: String, shape: [Int], values: ArraySlice<Float>)] = []
        for entry in model.parameters.layout.entries { entries.append((entry.name, entry.shape, model.parameters.values[entry.range])) }
        for entry in model.bufferLayout.entries { entries.append((entry.name, entry.shape, model.buffers[entry.range])) }
        return assemble(
            metadata: metadata(of: model).merging(extra) { a, _ in a },
            entries: entries.map { entry in
                Entry(name: entry.name, dtype: "F32", shape: entry.shape, bytes: entry.values.count * 4) { out in
                    entry.values.withUnsafeBytes { out += $0 }
                }
            })
    }

    /// One tensor of a file being written: its header fields and how to append its bytes (the host's order,
    /// which is little-endian on every platform MedSilo builds for, as the format requires).
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: Int
        var append: (inout [UInt8]) -> Void
    }

    /// The file: the 8-byte header length, the JSON header (metadata sorted by key, then the entries in
    /// order with their byte ranges), padded with spaces to a multiple of 8, then the entries' bytes.
    static func assemble(metadata: [String: String], entries: [Entry]) -> [UInt8] {
        var header = "{\"__metadata__\":{"
        header += metadata.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }.joined(separator: ",")
        header += "}"
        var offset = 0
        for entry in entries {
            header += ",\(quoted(entry.name)):{\"dtype\":\"\(entry.dtype)\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + entry.bytes)]}"
            offset += entry.bytes
        }
        header += "}"
        while (header.utf8.count % 8) != 0 { header += " " }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.utf8.count + offset)
        let length = UInt64(header.utf8.count)
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        out += Array(header.utf8)
        for entry in entries { entry.append(&out) }
        return out
    }

    /// Loads `bytes` into `model`, checking the architecture recorded in the metadata (when present)
    /// and that every parameter and buffer of the model is there with its shape, as F32.
    public static func load(_ bytes: [UInt8], into model: Sequential) throws(FormatError) {
        let (header, data) = try parseHeader(bytes)
        if case .metadata(let metadata)? = header["__metadata__"], let architecture = metadata["medsilo.architecture"] {
            let expected = Self.metadata(of: model)
            for key in ["medsilo.architecture", "medsilo.input", "medsilo.classes"] where metadata[key] != expected[key] {
                throw FormatError(
                    description: "made for \(architecture) with input \(metadata["medsilo.input"] ?? "?") and \(metadata["medsilo.classes"] ?? "?") classes, not \(model.name) with \(expected["medsilo.input"]!) and \(expected["medsilo.classes"]!)")
            }
        }
        func read(_ name: String, shape: [Int], into values: inout [Float], at range: Range<Int>) throws(FormatError) {
            guard case .tensor(let info)? = header[name] else { throw FormatError(description: "no tensor \(name)") }
            guard info.dtype == "F32" else { throw FormatError(description: "\(name) is \(info.dtype), not F32") }
            guard info.shape == shape else { throw FormatError(description: "\(name) has shape \(info.shape), the model needs \(shape)") }
            // Bounds first, then sizes, so no arithmetic on untrusted offsets can overflow.
            guard info.data_offsets.count == 2 else { throw FormatError(description: "\(name): data_offsets must hold two numbers") }
            let (begin, end) = (info.data_offsets[0], info.data_offsets[1])
            guard begin >= 0, end >= begin, end <= bytes.count - data, end - begin == range.count * 4 else {
                throw FormatError(description: "\(name): byte range \(info.data_offsets) does not fit the file or the shape")
            }
            var at = data + info.data_offsets[0]
            for i in range {
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                values[i] = Float(bitPattern: bits)
                at += 4
            }
        }
        var parameters = model.parameters.values
        for entry in model.parameters.layout.entries { try read(entry.name, shape: entry.shape, into: &parameters, at: entry.range) }
        var buffers = model.buffers
        for entry in model.bufferLayout.entries { try read(entry.name, shape: entry.shape, into: &buffers, at: entry.range) }
        model.parameters.values = parameters
        model.buffers = buffers
    }

    /// The JSON header's entries and where the data begins, after checking the length prefix fits.
    static func parseHeader(_ bytes: [UInt8]) throws(FormatError) -> (entries: [String: HeaderEntry], data: Int) {
        guard bytes.count >= 8 else { throw FormatError(description: "shorter than the 8-byte header length") }
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        guard length > 1, length <= bytes.count - 8 else { throw FormatError(description: "header length \(length) does not fit the \(bytes.count)-byte file") }
        do {
            return (try JSONDecoder().decode([String: HeaderEntry].self, from: Data(bytes[8..<8 + length])), 8 + length)
        } catch {
            throw FormatError(description: "the header is not safetensors JSON (\(error))")
        }
    }

    enum HeaderEntry: Decodable {
        case tensor(TensorInfo)
        case metadata([String: String])

        init(from decoder: any Decoder) throws {
            if let info = try? TensorInfo(from: decoder) {
                self = .tensor(info)
            } else {
                self = .metadata(try [String: String](from: decoder))
            }
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
