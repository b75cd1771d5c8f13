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

/// Where an ingest gets pixels: decodes source sample `index` into stored rows. `rows(for:scratch:)`
/// is called from several threads at once, each with its own scratch; `prepare(_:)` runs alone before
/// each chunk (array sources read ahead).
protocol PixelProvider: Sendable {
    func prepare(_ chunk: Range<Int>) throws(DatasetError)
    func rows(for index: Int, scratch: PreprocessScratch) -> Result<DecodedRows, IngestFailure>
}

/// Quantises C×H×W values in [0, 1] to the storage type, appending to `bytes`: uint8 as
/// ⌊255·v + ½⌋ (round half up, v clamped to [0, 1]); float32 as little-endian bits.
func encodeStored(_ values: UnsafeBufferPointer<Float>, storage: PreprocessSettings.Storage, into bytes: inout [UInt8]) {
    let start = bytes.count
    let count = values.count * storage.byteCount
    bytes.append(contentsOf: repeatElement(0, count: count))
    bytes.withUnsafeMutableBufferPointer { buffer in
        let out = buffer.baseAddress! + start
        switch storage {
        case .uint8:
            // NaN (a file whose rescale or window is not finite) is stored as 0, never trapped on.
            for (i, v) in values.enumerated() { out[i] = v.isNaN ? 0 : UInt8(min(max(v, 0), 1) * 255 + 0.5) }
        case .float32:
            for (i, v) in values.enumerated() {
                let bits = v.bitPattern.littleEndian
                (UnsafeMutableRawPointer(out) + 4 * i).storeBytes(of: bits, as: UInt32.self)
            }
        }
    }
}

/// Pixels from image files (DICOM, PNG, JPEG) under the dataset root.
struct FilePixelProvider: PixelProvider {
    let root: String
    let paths: [String]
    let preprocessor: Preprocessor

    func prepare(_ chunk: Range<Int>) throws(DatasetError) {}

    func rows(for index: Int, scratch: PreprocessScratch) -> Result<DecodedRows, IngestFailure> {
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
            PreprocessScratch.grow(&scratch.values, to: preprocessor.valueCount)
            let count = info.decodedFrameCount
            for frame in frames {
                // 8-bit sources (JPEG, 8-bit PNG) skip the Float copy of the frame.
                if info.format != .dicom {
                    if scratch.bytes.count < count { scratch.bytes = [UInt8](repeating: 0, count: count) }
                    let asBytes: Result<Bool, ImagingError> = scratch.bytes.withUnsafeMutableBufferPointer { buffer in
                        do throws(ImagingError) {
                            return .success(try reader.decodeFrame(frame, intoBytes: UnsafeMutableBufferPointer(rebasing: buffer[0..<count])))
                        } catch { return .failure(error) }
                    }
                    if try asBytes.get() {
                        scratch.bytes.withUnsafeBufferPointer { buffer in
                            scratch.values.withUnsafeMutableBufferPointer { values in
                                let out = UnsafeMutableBufferPointer(rebasing: values[0..<preprocessor.valueCount])
                                preprocessor.process(
                                    bytes: UnsafeBufferPointer(rebasing: buffer[0..<count]), rows: info.rows,
                                    columns: info.columns, samples: info.decodedSamplesPerPixel, scratch: scratch, into: out)
                                encodeStored(UnsafeBufferPointer(out), storage: preprocessor.settings.storage, into: &stored)
                            }
                        }
                        continue
                    }
                }
                PreprocessScratch.grow(&scratch.frame, to: count)
                let decoded: Result<Void, ImagingError> = scratch.frame.withUnsafeMutableBufferPointer { buffer in
                    do throws(ImagingError) {
                        let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                        try reader.decodeFrame(frame, into: slice)
                    } catch { return .failure(error) }
                    return .success(())
                }
                try decoded.get()
                let windows = info.format == .dicom ? try reader.windows(forFrame: frame) : []
                scratch.frame.withUnsafeMutableBufferPointer { buffer in
                    scratch.values.withUnsafeMutableBufferPointer { values in
                        let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                        let out = UnsafeMutableBufferPointer(rebasing: values[0..<preprocessor.valueCount])
                        let intensity = preprocessor.intensity(for: info, windows: windows, frame: UnsafeBufferPointer(slice))
                        preprocessor.process(
                            slice, rows: info.rows, columns: info.columns, samples: info.decodedSamplesPerPixel,
                            intensity: intensity, scratch: scratch, into: out)
                        encodeStored(UnsafeBufferPointer(out), storage: preprocessor.settings.storage, into: &stored)
                    }
                }
            }
            return .success(DecodedRows(bytes: stored, rows: frames.count, frames: frames, contentHash: hash))
        } catch {
            return .failure(IngestFailure(path: relative, reason: error.reason.description))
        }
    }
}
