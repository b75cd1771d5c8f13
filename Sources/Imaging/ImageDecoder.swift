/// Decodes the frames of one image file. One conformer per format; `ImageReader` picks it by content.
///
/// Decoders hold reusable scratch buffers and C handles, so an instance belongs to one thread at a time.
protocol ImageDecoder: AnyObject {
    var info: ImageInfo { get }

    /// Decodes frame `index` into `output`, which holds exactly `info.decodedFrameCount` values.
    func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError)

    /// VOI windows the file defines for frame `index`, first one first.
    func windows(forFrame index: Int) throws(ImagingError) -> [VOIWindow]

    /// Decodes frame `index` as 8-bit samples into `output` (exactly `info.decodedFrameCount` bytes)
    /// when the decoded values are 8-bit unsigned integers as stored (JPEG, 8-bit PNG), and returns true;
    /// returns false, writing nothing, for every other image.
    func decodeFrame(_ index: Int, intoBytes output: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) -> Bool
}

extension ImageDecoder {
    func decodeFrame(_ index: Int, intoBytes output: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) -> Bool {
        false
    }
}
