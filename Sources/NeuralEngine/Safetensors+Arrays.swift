import FoundationEssentials

/// Named arrays of any length in the safetensors layout: checkpoints of a federated run (global model,
/// server optimiser moments in double precision, buffered updates) are such files, so a user can open
/// one with `safetensors.numpy.load_file`.
extension Safetensors {
    /// One array: Float32 or Float64 values with a shape.
    public enum ArrayValues: Sendable, Equatable {
        case f32([Float])
        case f64([Double])

        var dtype: String {
            switch self {
            case .f32: "F32"
            case .f64: "F64"
            }
        }

        var count: Int {
            switch self {
            case .f32(let values): values.count
            case .f64(let values): values.count
            }
        }
    }

    /// `arrays` (name → values; one-dimensional) and string metadata as a safetensors file's bytes.
    public static func encode(arrays: [String: ArrayValues], metadata: [String: String]) -> [UInt8] {
        assemble(
            metadata: metadata,
            entries: arrays.keys.sorted().map { name in
                let values = arrays[name]!
                return Entry(name: name, dtype: values.dtype, shape: [values.count], bytes: values.count * (values.dtype == "F32" ? 4 : 8)) { out in
                    switch values {
                    case .f32(let values): values.withUnsafeBytes { out += $0 }
                    case .f64(let values): values.withUnsafeBytes { out += $0 }
                    }
                }
            })
    }

    /// The arrays and metadata of a file `encode(arrays:metadata:)` wrote (any F32/F64 safetensors file
    /// whose tensors are read flat); every byte range is checked against the file before it is read.
    public static func decodeArrays(_ bytes: [UInt8]) throws(FormatError) -> (arrays: [String: ArrayValues], metadata: [String: String]) {
        let (header, data) = try parseHeader(bytes)
        var arrays: [String: ArrayValues] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            switch entry {
            case .metadata(let values):
                metadata = values
            case .tensor(let info):
                let width: Int
                switch info.dtype {
                case "F32": width = 4
                case "F64": width = 8
                default: throw FormatError(description: "\(name) is \(info.dtype), not F32 or F64")
                }
                guard info.data_offsets.count == 2 else { throw FormatError(description: "\(name): data_offsets must hold two numbers") }
                let (begin, end) = (info.data_offsets[0], info.data_offsets[1])
                guard begin >= 0, end >= begin, end <= bytes.count - data, (end - begin) % width == 0 else {
                    throw FormatError(description: "\(name): byte range \(info.data_offsets) does not fit the file")
                }
                let count = (end - begin) / width
                guard info.shape.allSatisfy({ $0 >= 0 }), info.shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == count else {
                    throw FormatError(description: "\(name): shape \(info.shape) does not match its \(count) values")
                }
                let slice = bytes[(data + begin)..<(data + end)]
                if width == 4 {
                    var values = [Float](repeating: 0, count: count)
                    values.withUnsafeMutableBytes { target in slice.withUnsafeBytes { target.copyMemory(from: $0) } }
                    arrays[name] = .f32(values)
                } else {
                    var values = [Double](repeating: 0, count: count)
                    values.withUnsafeMutableBytes { target in slice.withUnsafeBytes { target.copyMemory(from: $0) } }
                    arrays[name] = .f64(values)
                }
            }
        }
        return (arrays, metadata)
    }
}
