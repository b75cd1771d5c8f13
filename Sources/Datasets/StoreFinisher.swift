import FoundationEssentials

/// Writes everything but the pixels into a partial store once all samples are decoded: labels,
/// per-sample records, provenance, patients (as pseudonyms), failures, normalisation and `store.json`.
struct StoreFinisher {
    let manifest: SourceManifest
    let options: IngestOptions
    let fingerprint: String
    let partial: String
    let splits: [Split]
    let conflicts: Int
    let entries: [Journal.Entry]
    let rowCount: Int
    let pseudonymizer: Pseudonymizer

    /// The last component of the source root: the store names where its samples came from without the
    /// machine's folder tree (which can hold a user's or a patient's name) leaving with it.
    static func folderName(_ root: String) -> String {
        let canonical = FileAccess.realPath(root) ?? root
        let trimmed = canonical.hasSuffix("/") && canonical.count > 1 ? String(canonical.dropLast()) : canonical
        let name = trimmed.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty || name == "." || name == ".." ? "dataset" : name
    }

    func finish() throws(DatasetError) -> (StoreMetadata, [IngestFailure]) {
        let redactor = PathRedactor(manifest: manifest, pseudonymizer: pseudonymizer)
        guard rowCount > 0 else {
            let reasons = entries.prefix(3).compactMap(\.failure).joined(separator: "; ")
            throw DatasetError(path: manifest.root, .empty("every sample failed to decode (\(reasons))"))
        }
        let classCount = manifest.classes.count
        var labels: [UInt8] = []
        labels.reserveCapacity(rowCount * classCount)
        var records: [UInt8] = []
        records.reserveCapacity(rowCount * SampleRecord.byteCount)
        // samples.csv is streamed to disk in batches, so its size never sits in memory.
        let csvPath = FileAccess.join(partial, "samples.csv")
        FileAccess.removeTree(csvPath)
        let csvFile = try WritableFile(path: csvPath)
        var csv = "index,split,labels,patient,site,source,frame,sha256\n"
        var patientIndex: [String: UInt32] = [:]
        var pseudonyms: [String] = []
        var siteIndex: [String: UInt16] = [:]
        var sites: [String] = []
        var splitCounts: [Split: Int] = [:]
        var classCounts: [Split: [Int]] = [:]
        var failuresCSV = "path,file,reason\n"
        var failures: [IngestFailure] = []
        var refused: [IngestFailure] = []
        var row = 0

        for rejected in manifest.rejected {
            let clean = sanitize(rejected, redactor)
            refused.append(clean)
            failuresCSV += CSVWriter.line([clean.path, clean.file ?? "", clean.reason])
        }
        for entry in entries {
            let sample = manifest.samples[entry.index]
            let pseudonym = sample.patient.map { pseudonymizer.pseudonym($0) }
            let path = redactor.redact(recordedPath(entry.index, sample: sample, pseudonym: pseudonym))
            if let reason = entry.failure {
                var failure = IngestFailure(path: path.isEmpty ? "#\(entry.index)" : path, reason: reason)
                failure.identifiers = ([sample.patient].compactMap { $0 } + sample.patientAliases)
                failure = sanitize(failure, redactor)
                failures.append(failure)
                failuresCSV += CSVWriter.line([failure.path, "", failure.reason])
                continue
            }
            var patient = SampleRecord.noPatient
            if let pseudonym {
                if let known = patientIndex[pseudonym] {
                    patient = known
                } else {
                    patient = UInt32(pseudonyms.count)
                    patientIndex[pseudonym] = patient
                    pseudonyms.append(pseudonym)
                }
            }
            var site = SampleRecord.noSite
            if let name = sample.site {
                if let known = siteIndex[name] {
                    site = known
                } else {
                    site = UInt16(sites.count)
                    siteIndex[name] = site
                    sites.append(name)
                }
            }
            let split = splits[entry.index]
            var hot = [UInt8](repeating: 0, count: classCount)
            for label in sample.labels where label >= 0 && label < classCount { hot[label] = 1 }
            for frame in entry.frames {
                labels += hot
                SampleRecord(split: split, site: site, patient: patient).encode(into: &records)
                splitCounts[split, default: 0] += 1
                var counts = classCounts[split] ?? [Int](repeating: 0, count: classCount)
                for label in sample.labels where label >= 0 && label < classCount { counts[label] += 1 }
                classCounts[split] = counts
                csv += CSVWriter.line([
                    String(row), split.rawValue, sample.labels.map { manifest.classes[$0] }.joined(separator: "|"),
                    pseudonym ?? "", sample.site ?? "", path, String(frame), entry.hash,
                ])
                row += 1
                if csv.utf8.count > 1 << 20 {
                    try csvFile.append(Array(csv.utf8))
                    csv = ""
                }
            }
        }
        guard sites.count < Int(SampleRecord.noSite) else {
            throw DatasetError(path: manifest.root, .invalidOptions("more than 65534 sites"))
        }
        try FileAccess.writeAtomically(labels, to: FileAccess.join(partial, "labels.bin"))
        try FileAccess.writeAtomically(records, to: FileAccess.join(partial, "samples.bin"))
        try csvFile.append(Array(csv.utf8))
        try csvFile.sync()
        try FileAccess.writeAtomically(pseudonyms.map { $0 + "\n" }.joined(), to: FileAccess.join(partial, "patients.txt"))
        try FileAccess.writeAtomically(failuresCSV, to: FileAccess.join(partial, "failures.csv"))

        let settings = options.preprocessing
        let normalization: Normalization
        if let given = settings.normalization { normalization = given } else {
            normalization = try trainNormalization(records: records)
        }
        let given = Set(manifest.samples.compactMap(\.split)).sorted().map(\.rawValue)
        let metadata = StoreMetadata(
            format: StoreMetadata.formatName, version: StoreMetadata.currentVersion, fingerprint: fingerprint,
            layout: manifest.layout, source: redactor.redact(Self.folderName(manifest.root)), classes: manifest.classes, multiLabel: manifest.multiLabel,
            count: rowCount, shape: [settings.channels, settings.size, settings.size], preprocessing: settings,
            normalization: normalization,
            splits: Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0.rawValue, splitCounts[$0] ?? 0) }),
            classCounts: Dictionary(
                uniqueKeysWithValues: Split.allCases.map {
                    ($0.rawValue, classCounts[$0] ?? [Int](repeating: 0, count: classCount))
                }),
            sites: sites, patients: pseudonyms.count, grouping: manifest.grouping,
            splitPolicy: .init(ratios: options.ratios, seed: options.seed, givenBySource: given, conflictingPatients: conflicts),
            pseudonymization: .init(method: "HMAC-SHA256, 80-bit hex prefix", userKey: options.keyFile != nil),
            sourcePaths: options.sourcePaths.rawValue, failed: failures.count, rejected: manifest.rejected.count,
            notes: manifest.notes, createdBy: "medsilo \(MedSiloVersion.string)")
        try DatasetStore.writeMetadata(metadata, to: partial)
        return (metadata, failures + refused)
    }

    /// The source path as recorded: relative, with the patient's identifier replaced, or empty.
    private func recordedPath(_ index: Int, sample: SourceSample, pseudonym: String?) -> String {
        guard options.sourcePaths == .relative else { return "" }
        var path = manifest.displayPath(index)
        guard let raw = sample.patient, let pseudonym else { return path }
        for form in [raw] + sample.patientAliases {
            path = pseudonymizer.redact(path, identifier: form, pseudonym: pseudonym)
        }
        return path
    }

    /// A failure as written: every raw form of its patient's identifier replaced by the pseudonym (in
    /// the location, the named file and the reason); file paths withheld under `--source-paths none`.
    private func sanitize(_ failure: IngestFailure, _ redactor: PathRedactor) -> IngestFailure {
        var clean = failure
        if let raw = failure.identifiers.first {
            let pseudonym = pseudonymizer.pseudonym(raw)
            for form in failure.identifiers {
                clean.path = pseudonymizer.redact(clean.path, identifier: form, pseudonym: pseudonym)
                clean.file = clean.file.map { pseudonymizer.redact($0, identifier: form, pseudonym: pseudonym) }
                clean.reason = pseudonymizer.redact(clean.reason, identifier: form, pseudonym: pseudonym)
            }
        }
        clean.path = redactor.redact(clean.path)
        clean.file = clean.file.map { redactor.redact($0) }
        clean.reason = redactor.redact(clean.reason)
        clean.identifiers = []
        if options.sourcePaths == .none {
            clean.file = nil
            if failure.pathIsFile && !failure.path.hasPrefix("#") { clean.path = "(path withheld)" }
        }
        return clean
    }

    /// Per-channel mean and (population) standard deviation of the training rows, in [0, 1] units.
    /// Reads images.bin in 4 MiB pieces (not through a mapping), so resident memory stays flat.
    private func trainNormalization(records: [UInt8]) throws(DatasetError) -> Normalization {
        let settings = options.preprocessing
        let channels = settings.channels
        let plane = settings.size * settings.size
        let sampleBytes = channels * plane * settings.storage.byteCount
        let reader = try WritableFile(path: FileAccess.join(partial, "images.bin"))
        var sum = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        var n = 0.0
        let rowsPerRead = max(1, (4 << 20) / sampleBytes)
        var buffer = [UInt8](repeating: 0, count: rowsPerRead * sampleBytes)
        var row = 0
        while row < rowCount {
            let rows = min(rowsPerRead, rowCount - row)
            try reader.read(into: &buffer, count: rows * sampleBytes, at: row * sampleBytes)
            records.withUnsafeBytes { recordBytes in
                buffer.withUnsafeBytes { bytes in
                    for r in 0..<rows {
                        guard let record = SampleRecord.decode(recordBytes, at: (row + r) * SampleRecord.byteCount),
                            record.split == .train
                        else { continue }
                        n += Double(plane)
                        for c in 0..<channels {
                            let start = (r * channels + c) * plane
                            switch settings.storage {
                            case .uint8:
                                // Exact integer sums of v and v², scaled once.
                                var s: UInt64 = 0
                                var q: UInt64 = 0
                                let values = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + start
                                for p in 0..<plane {
                                    let v = UInt64(values[p])
                                    s &+= v
                                    q &+= v &* v
                                }
                                sum[c] += Double(s) / 255
                                squares[c] += Double(q) / (255 * 255)
                            case .float32:
                                var s = 0.0
                                var q = 0.0
                                for p in 0..<plane {
                                    let v = Double(StoredValues.value(bytes, index: start + p, storage: .float32))
                                    s += v
                                    q += v * v
                                }
                                sum[c] += s
                                squares[c] += q
                            }
                        }
                    }
                }
            }
            row += rows
        }
        guard n > 0 else {
            return Normalization(
                mean: [Double](repeating: 0.5, count: channels), std: [Double](repeating: 0.5, count: channels),
                source: "default (no training samples)")
        }
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { q, m in max(max(q / n - m * m, 0).squareRoot(), 1e-6) }
        return Normalization(mean: mean, std: std, source: "train")
    }
}

/// Reads stored values back as Float.
enum StoredValues {
    @inline(__always)
    static func value(_ bytes: UnsafeRawBufferPointer, index: Int, storage: PreprocessSettings.Storage) -> Float {
        switch storage {
        case .uint8: return Float(bytes[index]) / 255
        case .float32: return Float(bitPattern: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self).littleEndian)
        }
    }
}

/// CSV output with RFC 4180 quoting where a field needs it.
enum CSVWriter {
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacing("\"", with: "\"\"") + "\""
    }
}

/// The version string written into stores.
public enum MedSiloVersion {
    public static let string = "0.1.0"
}
