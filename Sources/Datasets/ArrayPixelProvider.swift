/// Pixels from the image arrays of a NumPy archive (MedMNIST).
struct ArrayPixelProvider: PixelProvider {
    init(archive: String, samples: [SourceSample], preprocessor: Preprocessor) throws(DatasetError) {
        throw DatasetError(path: archive, .layout("array archives are not readable yet"))
    }

    func prepare(_ chunk: Range<Int>) throws(DatasetError) {}

    func rows(for index: Int, scratch: PreprocessScratch) -> Result<DecodedRows, IngestFailure> {
        .failure(IngestFailure(path: "", reason: "array archives are not readable yet"))
    }
}
