/// How every sample is brought to the store's fixed tensor shape and value range.
///
/// Order of operations (each is stated in `docs/datasets.md`): intensity policy → values in [0, 1];
/// resize to `size`×`size`; channel policy; quantisation to the storage type. Normalisation is not
/// applied to the stored values: its per-channel mean and standard deviation are kept with the store
/// and applied when tensors are read for training.
public struct PreprocessSettings: Sendable, Equatable, Codable {
    public enum Resize: String, Sendable, Codable, CaseIterable {
        /// Area averaging when shrinking, bilinear when enlarging.
        case auto
        /// Box filter with fractional pixel coverage (exact area average).
        case area
        /// Bilinear interpolation on pixel centres (half-pixel offsets, edges clamped).
        case bilinear
    }

    /// How grayscale DICOM values (after the modality transform) map to [0, 1].
    public enum DICOMIntensity: Sendable, Equatable, Codable {
        /// The file's first VOI window; percentile scaling (0.5–99.5) when the file has none.
        case fileWindow
        /// A fixed window (centre, width), linear as in DICOM PS3.3 C.11.2.1.2.
        case window(center: Double, width: Double)
        /// The frame's own lower and upper percentiles map to 0 and 1.
        case percentile(low: Double, high: Double)
    }

    public enum Storage: String, Sendable, Codable, CaseIterable {
        /// One byte per value: round(v·255). Four times smaller; the precision of 8-bit images.
        case uint8
        /// Four bytes per value, unquantised.
        case float32

        public var byteCount: Int { self == .uint8 ? 1 : 4 }
    }

    /// Output height and width.
    public var size: Int
    /// 1 (gray) or 3 (RGB). Gray sources are replicated to RGB; RGB sources become gray by BT.601 luma.
    public var channels: Int
    public var resize: Resize
    public var dicomIntensity: DICOMIntensity
    public var storage: Storage
    /// Explicit per-channel normalisation; nil computes mean and standard deviation on the training split.
    public var normalization: Normalization?
    /// Which frames of a multi-frame DICOM become samples.
    public var frames: FramePolicy

    public enum FramePolicy: String, Sendable, Codable, CaseIterable {
        case first, middle, all
    }

    public init(
        size: Int = 64, channels: Int = 1, resize: Resize = .auto, dicomIntensity: DICOMIntensity = .fileWindow,
        storage: Storage = .uint8, normalization: Normalization? = nil, frames: FramePolicy = .middle
    ) {
        self.size = size
        self.channels = channels
        self.resize = resize
        self.dicomIntensity = dicomIntensity
        self.storage = storage
        self.normalization = normalization
        self.frames = frames
    }

    /// Checks the values; the message names the option.
    public func validate() throws(DatasetError) {
        guard (1...4096).contains(size) else { throw DatasetError(path: "--size", .invalidOptions("size must be 1…4096, got \(size)")) }
        guard channels == 1 || channels == 3 else {
            throw DatasetError(path: "--channels", .invalidOptions("channels must be 1 or 3, got \(channels)"))
        }
        switch dicomIntensity {
        case .window(let center, let width) where !(width >= 1 && width.isFinite && center.isFinite):
            throw DatasetError(path: "--dicom-window", .invalidOptions("window centre must be finite and width at least 1"))
        case .percentile(let low, let high) where !(0 <= low && low < high && high <= 100):
            throw DatasetError(path: "--dicom-window", .invalidOptions("percentiles need 0 ≤ low < high ≤ 100"))
        default: break
        }
        if let normalization {
            guard normalization.mean.count == channels, normalization.std.count == channels,
                normalization.mean.allSatisfy(\.isFinite), normalization.std.allSatisfy({ $0 > 0 && $0.isFinite })
            else {
                throw DatasetError(
                    path: "--normalize", .invalidOptions("need \(channels) finite means and \(channels) positive finite deviations"))
            }
        }
    }
}

/// Per-channel normalisation x' = (x − mean) / std, applied when reading tensors.
public struct Normalization: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var std: [Double]
    /// "given" when set by the user, "train" when computed on the training split.
    public var source: String

    public init(mean: [Double], std: [Double], source: String = "given") {
        self.mean = mean
        self.std = std
        self.source = source
    }
}
