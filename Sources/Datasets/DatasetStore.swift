import FoundationEssentials

/// A dataset store opened for reading: metadata in memory, tensors and records memory-mapped, so that
/// opening a store costs the same whatever its size and pages are read only when touched.
public final class DatasetStore: @unchecked Sendable {
    public let path: String
    public let metadata: StoreMetadata
    private let images: MappedFile
    private let labelBytes: MappedFile
    private let records: MappedFile
    public let patients: [String]

    public init(path: String) throws(DatasetError) {
        self.path = path
        let metadata = try DatasetStore.readMetadata(path)
        self.metadata = metadata
        images = try MappedFile(path: FileAccess.join(path, "images.bin"))
        labelBytes = try MappedFile(path: FileAccess.join(path, "labels.bin"))
        records = try MappedFile(path: FileAccess.join(path, "samples.bin"))
        let patientText = String(decoding: try FileAccess.read(FileAccess.join(path, "patients.txt")), as: UTF8.self)
        patients = patientText.split(separator: "\n").map(String.init)
        let n = metadata.count
        func check(_ file: MappedFile, _ expected: Int) throws(DatasetError) {
            guard file.bytes.count == expected else {
                throw DatasetError(
                    path: file.path, .invalidStore("\(file.bytes.count) bytes where \(n) samples need \(expected)"))
            }
        }
        try check(images, n * metadata.sampleByteCount)
        try check(labelBytes, n * metadata.classes.count)
        try check(records, n * SampleRecord.byteCount)
        guard patients.count == metadata.patients else {
            throw DatasetError(path: path, .invalidStore("patients.txt lists \(patients.count) of \(metadata.patients)"))
        }
        for index in 0..<n {
            guard let record = SampleRecord.decode(records.bytes, at: index * SampleRecord.byteCount),
                record.patient == SampleRecord.noPatient || Int(record.patient) < patients.count,
                record.site == SampleRecord.noSite || Int(record.site) < metadata.sites.count
            else { throw DatasetError(path: records.path, .invalidStore("record \(index) is damaged")) }
        }
    }

    public var count: Int { metadata.count }
    public var classes: [String] { metadata.classes }
    /// [channels, height, width].
    public var shape: [Int] { metadata.shape }
    public var valuesPerSample: Int { metadata.shape.reduce(1, *) }

    public func split(_ index: Int) -> Split {
        SampleRecord.decode(records.bytes, at: index * SampleRecord.byteCount)!.split
    }

    /// Patient index into `patients`, or nil when the source had none.
    public func patient(_ index: Int) -> Int? {
        let value = SampleRecord.decode(records.bytes, at: index * SampleRecord.byteCount)!.patient
        return value == SampleRecord.noPatient ? nil : Int(value)
    }

    /// Site index into `metadata.sites`, or nil.
    public func site(_ index: Int) -> Int? {
        let value = SampleRecord.decode(records.bytes, at: index * SampleRecord.byteCount)!.site
        return value == SampleRecord.noSite ? nil : Int(value)
    }

    /// Class indices the sample has.
    public func labels(_ index: Int) -> [Int] {
        let k = metadata.classes.count
        return (0..<k).filter { labelBytes.bytes[index * k + $0] != 0 }
    }

    /// The single class of a single-label sample.
    public func label(_ index: Int) -> Int {
        labels(index).first ?? -1
    }

    /// Indices of the samples in `split`, in store order.
    public func indices(of split: Split) -> [Int] {
        (0..<count).filter { self.split($0) == split }
    }

    /// Writes sample `index`'s C×H×W values into `output`: in [0, 1], or normalised with the store's
    /// per-channel mean and deviation when `normalized`.
    public func pixels(_ index: Int, into output: UnsafeMutableBufferPointer<Float>, normalized: Bool = false) {
        let n = valuesPerSample
        precondition(output.count >= n, "output holds \(output.count) values, a sample has \(n)")
        precondition(index >= 0 && index < count, "sample \(index) outside 0..<\(count)")
        let storage = metadata.preprocessing.storage
        let start = index * n
        for i in 0..<n { output[i] = StoredValues.value(images.bytes, index: start + i, storage: storage) }
        if normalized {
            let plane = metadata.shape[1] * metadata.shape[2]
            for c in 0..<metadata.shape[0] {
                let mean = Float(metadata.normalization.mean[c])
                let scale = Float(1 / metadata.normalization.std[c])
                for p in 0..<plane { output[c * plane + p] = (output[c * plane + p] - mean) * scale }
            }
        }
    }

    /// Sample `index`'s values as a new array.
    public func pixels(_ index: Int, normalized: Bool = false) -> [Float] {
        [Float](unsafeUninitializedCapacity: valuesPerSample) { buffer, count in
            pixels(index, into: buffer, normalized: normalized)
            count = valuesPerSample
        }
    }

    // MARK: Metadata file

    static func readMetadata(_ storePath: String) throws(DatasetError) -> StoreMetadata {
        let path = FileAccess.join(storePath, "store.json")
        let bytes = try FileAccess.read(path)
        let metadata: StoreMetadata
        do {
            metadata = try JSONDecoder().decode(StoreMetadata.self, from: Data(bytes))
        } catch {
            throw DatasetError(path: path, .invalidStore("store.json does not parse: \(error)"))
        }
        guard metadata.format == StoreMetadata.formatName else {
            throw DatasetError(path: path, .invalidStore("not a MedSilo store"))
        }
        guard metadata.version == StoreMetadata.currentVersion else {
            throw DatasetError(
                path: path,
                .invalidStore("format version \(metadata.version); this MedSilo reads \(StoreMetadata.currentVersion)"))
        }
        let total = [metadata.count, metadata.preprocessing.storage.byteCount, max(metadata.classes.count, 1)] + metadata.shape
        let fits = total.allSatisfy { $0 >= 0 }
            && total.reduce((1, false)) { acc, n in
                let (value, overflow) = acc.0.multipliedReportingOverflow(by: n)
                return (value, acc.1 || overflow)
            }.1 == false
        guard fits, metadata.shape.count == 3, metadata.shape.allSatisfy({ $0 > 0 }), metadata.count >= 0,
            metadata.normalization.mean.count == metadata.shape[0], metadata.normalization.std.count == metadata.shape[0]
        else { throw DatasetError(path: path, .invalidStore("store.json has an impossible shape or normalisation")) }
        return metadata
    }

    static func writeMetadata(_ metadata: StoreMetadata, to storePath: String) throws(DatasetError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(metadata) else {
            throw DatasetError(path: storePath, .io("cannot encode store.json"))
        }
        try FileAccess.writeAtomically(Array(data) + [10], to: FileAccess.join(storePath, "store.json"))
    }
}
