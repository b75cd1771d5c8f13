import FoundationEssentials

/// The identity of an ingest's inputs and settings: SHA-256 over the layout, classes, every sample's
/// origin, labels, patient, site and given split, each image file's size and modification time, every
/// manifest or archive the layout read (size and modification time), the preprocessing settings,
/// split ratios and seed, and the store format version. Equal fingerprints mean the store would come
/// out the same, so it is reused; a touched or replaced file changes it.
enum Fingerprint {
    static func compute(manifest: SourceManifest, options: IngestOptions, userKey: [UInt8]?) throws(DatasetError) -> String {
        let hasher = SHA256Hasher()
        func add(_ text: String) {
            hasher.update(Array(text.utf8))
            hasher.update([0])
        }
        add("medsilo-store v\(StoreMetadata.currentVersion)")
        add(manifest.layout)
        add(manifest.root)
        add(manifest.classes.joined(separator: "\u{1}"))
        add(manifest.multiLabel ? "multi" : "single")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            hasher.update(Array(try encoder.encode(options.preprocessing)))
            hasher.update(Array(try encoder.encode(options.ratios)))
        } catch {
            throw DatasetError(path: "--normalize", .invalidOptions("settings cannot be recorded: \(error)"))
        }
        // A user key enters as a MAC (its bytes never do): another key gives other pseudonyms, another store.
        let keyTag = userKey.map { key in
            hexString(Digests.hmacSHA256(key: key, message: Array("medsilo fingerprint".utf8)))
        }
        add("seed \(options.seed) paths \(options.sourcePaths.rawValue) key \(keyTag ?? "random")")
        for input in manifest.inputs {
            let signature = FileAccess.signature(input)
            add("input \(input) \(signature?.size ?? -1) \(signature?.modified ?? -1)")
        }
        for sample in manifest.samples {
            switch sample.origin {
            case .file(let path):
                let signature = FileAccess.signature(FileAccess.join(manifest.root, path))
                add("f \(path) \(signature?.size ?? -1) \(signature?.modified ?? -1)")
            case .arrayRow(let member, let row):
                add("a \(member) \(row)")
            }
            add("\(sample.labels) \(sample.patient ?? "-") \(sample.site ?? "-") \(sample.split?.rawValue ?? "-")")
        }
        return hexString(hasher.finalize())
    }
}
