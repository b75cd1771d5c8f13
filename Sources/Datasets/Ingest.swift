import Dispatch
import FoundationEssentials
import Imaging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Builds a dataset store from a source manifest: decode on all cores, preprocess, write, resume.
///
/// The store is built in `STORE.partial/` and renamed into place only when complete, so an
/// interrupted run never leaves a half-written store. The partial folder keeps a journal (one line per
/// source sample, written after that sample's rows), so the next run with the same inputs and settings
/// continues where the last one stopped; other inputs or settings start it afresh. A finished store
/// whose fingerprint matches is reused as it is. `STORE.lock` keeps a second process off the store while
/// one works on it.
public enum Ingest {
    /// Runs the ingest. `progress` is called after every chunk; `shouldStop` is polled between chunks
    /// (an interrupted run throws `.interrupted` and keeps its partial folder for the next run).
    public static func run(
        _ manifest: SourceManifest, to out: String, options: IngestOptions,
        progress: (IngestProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws(DatasetError) -> IngestReport {
        // `stores/derm/` and `stores/derm` are one store; the sibling names derive from the latter.
        var storePath = out
        while storePath.count > 1 && storePath.hasSuffix("/") { storePath.removeLast() }
        let clock = ContinuousClock()
        let started = clock.now
        try options.preprocessing.validate()
        try options.ratios.validate()
        guard !manifest.samples.isEmpty else {
            throw DatasetError(path: manifest.root, .empty("the \(manifest.layout) layout found no samples"))
        }
        if options.strict, let first = manifest.rejected.first {
            throw DatasetError(path: first.path, .strictFailure(first.reason + " (\(manifest.rejected.count) refused in all)"))
        }
        try checkReplaceable(storePath)
        var userKey: [UInt8]?
        if let keyFile = options.keyFile { userKey = try Pseudonymizer.loadKey(keyFile) }
        let fingerprint = try Fingerprint.compute(manifest: manifest, options: options, userKey: userKey)
        // The store's lock, held to the end (its file removed then); `--out` is checked again under it
        // (another process may have written there since).
        let held = try lock(storePath)
        defer { FileIO.unlock(held, removing: storePath + ".lock") }
        try checkReplaceable(storePath)
        // Reused only when the whole store opens (sizes and records checked), not on store.json alone.
        if !options.force, let existing = try? DatasetStore(path: storePath).metadata, existing.fingerprint == fingerprint {
            if options.strict && existing.failed > 0 {
                throw DatasetError(
                    path: storePath, .strictFailure("the existing store has \(existing.failed) failed files (see failures.csv)"))
            }
            return report(existing, store: storePath, reused: true, resumed: 0, failures: [], refused: [], manifest: manifest,
                          seconds: (clock.now - started).seconds, rate: 0)
        }

        let partial = storePath + ".partial"
        let stampPath = FileAccess.join(partial, "fingerprint")
        let stamp = (try? FileAccess.read(stampPath)).map { String(decoding: $0, as: UTF8.self) }
        let resuming = stamp == fingerprint
        if !resuming {
            // Only a partial folder of ours (it has a fingerprint stamp) is discarded.
            if FileAccess.exists(partial) && stamp == nil {
                throw DatasetError(
                    path: partial, .invalidOptions("exists and is not a MedSilo partial store; move it away or choose another --out"))
            }
            FileAccess.removeTree(partial)
            try FileAccess.createDirectory(partial)
            try FileAccess.writeAtomically(fingerprint, to: stampPath)
        }
        let key: [UInt8]
        if let userKey { key = userKey } else { key = try pseudonymKey(partial: partial, resuming: resuming) }
        let pseudonymizer = Pseudonymizer(key: key)

        let (splits, conflicts) = PatientSplitter(ratios: options.ratios, seed: options.seed)
            .assign(manifest.samples, classCount: manifest.classes.count)
        let provider = try makeProvider(manifest, options: options)
        let sampleBytes = options.preprocessing.channels * options.preprocessing.size * options.preprocessing.size
            * options.preprocessing.storage.byteCount

        // Resume: keep the journal's complete prefix and the rows it accounts for.
        let journalPath = FileAccess.join(partial, "journal.txt")
        var entries = resuming ? Journal.read(journalPath) : []
        let images = try WritableFile(path: FileAccess.join(partial, "images.bin"))
        var rowCount = entries.reduce(0) { $0 + $1.rows }
        if images.size < rowCount * sampleBytes {
            // Rows lost (a crash before the data reached the disk): drop journal entries until they fit.
            while let last = entries.last, rowCount * sampleBytes > images.size {
                rowCount -= last.rows
                entries.removeLast()
            }
        }
        try images.truncate(to: rowCount * sampleBytes)
        try Journal.rewrite(entries, to: journalPath)
        let journal = try WritableFile(path: journalPath)
        let resumedSamples = entries.count
        var failedCount = entries.filter { $0.failure != nil }.count
        if options.strict, let failed = entries.first(where: { $0.failure != nil }) {
            // A failure an earlier, non-strict run recorded still fails a strict one.
            throw DatasetError(path: manifest.displayPath(failed.index), .strictFailure(failed.failure ?? ""))
        }

        let total = manifest.samples.count
        let scratches = (0..<System.activeProcessorCount).map { _ in PreprocessScratch() }
        var next = entries.count
        var doneThisRun = 0
        let decodeStart = clock.now
        progress(IngestProgress(done: next, total: total, failed: failedCount, doneThisRun: 0))
        while next < total {
            if shouldStop() { throw DatasetError(path: storePath, .interrupted) }
            let chunk = next..<min(total, next + max(1, options.chunkSize))
            do throws(DatasetError) {
                try provider.prepare(chunk)
            } catch {
                // An archive found damaged (a CRC checked at the member's end) may have handed over bad
                // rows already: nothing of this run is kept for resuming.
                FileAccess.removeTree(partial)
                throw error
            }
            let results = decodeConcurrently(chunk, provider: provider, scratches: scratches)
            var lines: [Journal.Entry] = []
            var offset = rowCount * sampleBytes
            for (position, result) in results.enumerated() {
                let index = chunk.lowerBound + position
                switch result {
                case .success(let rows):
                    // Each sample's rows go straight to their place (no second copy of the chunk).
                    let written: Result<Void, DatasetError> = rows.bytes.withUnsafeBytes { buffer in
                        do throws(DatasetError) { try images.write(buffer, at: offset) } catch { return .failure(error) }
                        return .success(())
                    }
                    try written.get()
                    offset += rows.bytes.count
                    lines.append(Journal.Entry(index: index, rows: rows.rows, frames: rows.frames, hash: rows.contentHash, failure: nil))
                case .failure(let failure):
                    if options.strict { throw DatasetError(path: failure.path, .strictFailure(failure.reason)) }
                    failedCount += 1
                    lines.append(Journal.Entry(index: index, rows: 0, frames: [], hash: "", failure: failure.reason))
                }
            }
            rowCount += lines.reduce(0) { $0 + $1.rows }
            try journal.append(Array(lines.map(\.line).joined().utf8))
            entries += lines
            next = chunk.upperBound
            doneThisRun += chunk.count
            progress(IngestProgress(done: next, total: total, failed: failedCount, doneThisRun: doneThisRun))
        }
        let decodeSeconds = (clock.now - decodeStart).seconds
        let flushStart = clock.now
        try images.sync()
        let flushSeconds = (clock.now - flushStart).seconds
        let finishStart = clock.now

        let (finished, written) = try StoreFinisher(
            manifest: manifest, options: options, fingerprint: fingerprint, partial: partial, splits: splits,
            conflicts: conflicts, entries: entries, rowCount: rowCount, pseudonymizer: pseudonymizer
        ).finish()
        try commit(partial: partial, to: storePath)
        let finishSeconds = (clock.now - finishStart).seconds
        let failures = Array(written.prefix(written.count - manifest.rejected.count))
        let refused = Array(written.suffix(manifest.rejected.count))
        return report(
            finished, store: storePath, reused: false, resumed: resumedSamples, failures: failures, refused: refused,
            manifest: manifest,
            seconds: (clock.now - started).seconds,
            rate: decodeSeconds > 0 ? Double(doneThisRun) / decodeSeconds : 0,
            phases: ["decode": decodeSeconds, "flush": flushSeconds, "finish": finishSeconds])
    }

    /// Decodes one chunk on all cores: one worker per core takes the next sample from a shared counter
    /// and reuses its own scratch buffers. Results come back in chunk order whatever the thread timing.
    static func decodeConcurrently(
        _ chunk: Range<Int>, provider: some PixelProvider, scratches: [PreprocessScratch]
    ) -> [Result<DecodedRows, IngestFailure>] {
        let slots = ResultSlots(count: chunk.count)
        let next = Atomic<Int>(0)
        nonisolated(unsafe) let workers = scratches
        DispatchQueue.concurrentPerform(iterations: min(workers.count, chunk.count)) { worker in
            while true {
                let offset = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if offset >= chunk.count { break }
                slots.set(offset, provider.rows(for: chunk.lowerBound + offset, scratch: workers[worker]))
            }
        }
        return slots.values()
    }

    private static func makeProvider(_ manifest: SourceManifest, options: IngestOptions) throws(DatasetError) -> any PixelProvider {
        let preprocessor = Preprocessor(settings: options.preprocessing)
        if let archive = manifest.archive {
            return try ArrayPixelProvider(archive: archive, samples: manifest.samples, preprocessor: preprocessor)
        }
        var paths: [String] = []
        paths.reserveCapacity(manifest.samples.count)
        for sample in manifest.samples {
            guard case .file(let path) = sample.origin else {
                throw DatasetError(path: manifest.root, .layout("a file layout produced an array sample"))
            }
            paths.append(path)
        }
        return FilePixelProvider(root: manifest.root, paths: paths, preprocessor: preprocessor)
    }

    /// An existing `--out` is replaced only when it is a MedSilo store (any version) or an empty folder:
    /// pointing `--out` at another folder by mistake must not delete it.
    private static func checkReplaceable(_ storePath: String) throws(DatasetError) {
        guard FileAccess.exists(storePath) else { return }
        if FileAccess.isDirectory(storePath), (try? FolderListing.entries(storePath))?.isEmpty == true { return }
        let metadata = FileAccess.join(storePath, "store.json")
        if let bytes = try? FileAccess.read(metadata),
            String(decoding: bytes, as: UTF8.self).contains("\"\(StoreMetadata.formatName)\"")
        {
            return
        }
        throw DatasetError(
            path: storePath, .invalidOptions("exists and is not a MedSilo store; refusing to replace it (choose another --out)"))
    }

    /// Holds the store's lock, `STORE.lock` beside it (the store folder itself is replaced by a rename, and
    /// `STORE.partial` is discarded when the inputs change), creating the parent folder if missing; returns
    /// the descriptor. A second process ingesting into the same store is refused, naming the holder's PID.
    /// The file is removed when the ingest ends, so only a killed ingest leaves it (holding no lock).
    private static func lock(_ storePath: String) throws(DatasetError) -> Int32 {
        let parent = storePath.lastIndex(of: "/").map { String(storePath[..<$0]) }
        if let parent, !parent.isEmpty { try FileAccess.createDirectory(parent) }
        do { return try FileIO.lock(storePath + ".lock", for: storePath) } catch {
            throw DatasetError(path: storePath, .io(error.reason.description))
        }
    }

    /// The user's key, or a random one kept in the partial folder (owner-only) until the store is done.
    private static func pseudonymKey(partial: String, resuming: Bool) throws(DatasetError) -> [UInt8] {
        let keyPath = FileAccess.join(partial, "pseudonym.key")
        if resuming, let key = try? FileAccess.read(keyPath), key.count == 32 { return key }
        let key = Pseudonymizer.randomKey()
        // Owner-only from its creation: no moment in which others could read it.
        try FileAccess.writeAtomically(key, to: keyPath, mode: 0o600)
        return key
    }

    /// Swaps the finished partial folder in for the store (an older store is removed afterwards).
    /// The key and journal are removed only once the new store is in place, so a failure between the
    /// renames leaves a partial folder the next run can still finish. The old store moves to a name no
    /// other folder has before it is deleted.
    private static func commit(partial: String, to storePath: String) throws(DatasetError) {
        if FileAccess.exists(storePath) {
            var old = storePath + ".replaced-\(getpid())"
            var attempt = 0
            while FileAccess.exists(old) {
                attempt += 1
                old = storePath + ".replaced-\(getpid())-\(attempt)"
            }
            try FileAccess.rename(storePath, old)
            try FileAccess.rename(partial, storePath)
            FileAccess.removeTree(old)
        } else {
            try FileAccess.rename(partial, storePath)
        }
        for name in ["pseudonym.key", "journal.txt", "fingerprint"] { FileAccess.removeTree(FileAccess.join(storePath, name)) }
    }

    private static func report(
        _ metadata: StoreMetadata, store: String, reused: Bool, resumed: Int, failures: [IngestFailure],
        refused: [IngestFailure], manifest: SourceManifest, seconds: Double, rate: Double, phases: [String: Double] = [:]
    ) -> IngestReport {
        IngestReport(
            store: store, layout: metadata.layout, reused: reused, resumedSamples: resumed, samples: metadata.count,
            splits: metadata.splits, classes: metadata.classes, classCounts: metadata.classCounts, sites: metadata.sites,
            patients: metadata.patients, failures: failures, rejected: refused, notes: manifest.notes,
            seconds: seconds, samplesPerSecond: rate, phaseSeconds: phases)
    }
}

/// Per-slot results written from several threads (each slot by exactly one).
private final class ResultSlots: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Result<DecodedRows, IngestFailure>?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ index: Int, _ value: Result<DecodedRows, IngestFailure>) {
        storage[index] = value
    }

    func values() -> [Result<DecodedRows, IngestFailure>] {
        storage.map { $0 ?? .failure(IngestFailure(path: "?", reason: "not decoded")) }
    }
}

/// The machine's online cores.
enum System {
    static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

extension SourceManifest {
    /// The sample's file (relative path) or array row, for messages.
    func displayPath(_ index: Int) -> String {
        switch samples[index].origin {
        case .file(let path): return path
        case .arrayRow(let member, let row): return "\(archive ?? root):\(member)[\(row)]"
        }
    }
}
