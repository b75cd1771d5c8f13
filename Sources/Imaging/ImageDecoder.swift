/// Decodes the frames of one image file. One conformer per format; `ImageReader` picks it by content.
///
/// Decoders hold reusable scratch buffers and C handles, so an instance belongs to one thread at a time.
protocol ImageDecoder: AnyObject {
    var info: ImageInfo { get }

    /// Decodes frame `index` into `output`, which holds exactly `info.decodedFrameCount` values.
    func decodeFrame(_ index: Int, into output: UnsafeMutableBufferPointer<Float>) throws(ImagingError)

    /// VOI windows the file defines for frame `index`, first one first.
    func windows(forFrame index: Int) throws(ImagingError) -> [VOIWindow]
}
