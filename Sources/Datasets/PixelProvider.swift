import Imaging

/// The stored rows one source sample became (one per frame taken), or why it failed.
struct DecodedRows: Sendable {
    /// `rows` × sample bytes, in store layout and storage type.
    var bytes: [UInt8]
    var rows: Int
    /// Frame index of each row (0 for single-frame sources).
    var frames: [Int]
    /// SHA-256 of the source file (or of the array row's bytes).
    var contentHash: String
}

/// Where an ingest gets pixels: decodes source sample `index` into stored rows. `rows(for:)` is called
/// from several threads at once; `prepare(_:)` runs alone before each chunk (array sources read ahead).
protocol PixelProvider: Sendable {
    func prepare(_ chunk: Range<Int>) throws(DatasetError)
    func rows(for index: Int) -> Result<DecodedRows, IngestFailure>
}

/// Quantises C×H×W values in [0, 1] to the storage type.
func encodeStored(_ values: UnsafeBufferPointer<Float>, storage: PreprocessSettings.Storage, into bytes: inout [UInt8]) {
    switch storage {
    case .uint8:
        for v in values { bytes.append(UInt8(min(max(v * 255, 0), 255).rounded())) }
    case .float32:
        for v in values {
            let bits = v.bitPattern
            bytes.append(UInt8(bits & 0xFF))
            bytes.append(UInt8((bits >> 8) & 0xFF))
            bytes.append(UInt8((bits >> 16) & 0xFF))
            bytes.append(UInt8(bits >> 24))
        }
    }
}

/// Pixels from image files (DICOM, PNG, JPEG) under the dataset root.
struct FilePixelProvider: PixelProvider {
    let root: String
    let paths: [String]
    let preprocessor: Preprocessor

    func prepare(_ chunk: Range<Int>) throws(DatasetError) {}

    func rows(for index: Int) -> Result<DecodedRows, IngestFailure> {
        let relative = paths[index]
        let path = FileAccess.join(root, relative)
        do throws(ImagingError) {
            let bytes = try FileIO.read(path)
            let hash = ContentHash.hex(bytes)
            let reader = try ImageReader(bytes: bytes, name: relative)
            let info = reader.info
            let frames: [Int]
            switch preprocessor.settings.frames {
            case .first: frames = [0]
            case .middle: frames = [info.frames / 2]
            case .all: frames = Array(0..<info.frames)
            }
            var stored: [UInt8] = []
            stored.reserveCapacity(frames.count * preprocessor.valueCount * preprocessor.settings.storage.byteCount)
            var values = [Float](repeating: 0, count: preprocessor.valueCount)
            for frame in frames {
                let decoded = try reader.decodeFrame(frame)
                let windows = info.format == .dicom ? try reader.windows(forFrame: frame) : []
                let unit = preprocessor.unitImage(decoded, info: info, windows: windows)
                values.withUnsafeMutableBufferPointer {
                    preprocessor.finish(unit.pixels, height: info.rows, width: info.columns, channels: unit.channels, into: $0)
                }
                values.withUnsafeBufferPointer { encodeStored($0, storage: preprocessor.settings.storage, into: &stored) }
            }
            return .success(DecodedRows(bytes: stored, rows: frames.count, frames: frames, contentHash: hash))
        } catch {
            return .failure(IngestFailure(path: relative, reason: error.reason.description))
        }
    }
}
