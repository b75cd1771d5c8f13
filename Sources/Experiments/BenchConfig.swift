import Datasets
import Foundation
import SyntheticSuite
import Yams

/// A benchmark as a user writes it (YAML or JSON; `medsilo bench --preset quick|paper|FILE`): datasets ×
/// partitions × seeds, each cell pre-trained federatedly, unlearned by every method, audited, with an
/// optional straggler sweep. The `federation` block takes `medsilo federate`'s fields (but `store`, `plan`
/// and `seed`, which the bench fills in per cell), `unlearning` takes `medsilo unlearn`'s (but `target` and
/// `seed`), `evaluation` takes `medsilo evaluate`'s. See docs/results.md.
public struct BenchConfig: Sendable, Codable, Equatable {
    public var name: String
    public var seeds: [UInt64]
    public var datasets: [Dataset]
    public var synthetic: Synthetic
    public var partitions: [Partition]
    /// The hospital (plan index) that asks to be forgotten; a `federation.backdoor` is put on it.
    public var target: Int
    public var federation: ExperimentConfig
    public var unlearning: UnlearningConfig
    public var evaluation: EvaluationSettings
    public var stragglers: Stragglers?
    /// The criteria of the three claims the report opens with (nil: the defaults of `ClaimCriteria`).
    public var claims: ClaimCriteria?
    /// The main cells run once per factor, the target training that many times slower than the speed
    /// profile makes it (nil: [1]); each factor other than 1 is a group of its own in the tables and the
    /// claims (`dirichlet-a0.5-target-x4`), sharing the plans. A slow target is the case asynchronous
    /// erasure is for, and its stale updates teach the federation less: a shallower backdoor.
    public var targetSlowdowns: [Double]?
    /// The share of the target's samples (whole patients) set aside in every plan as its audit reserve:
    /// never trained on, never seen by an eraser's stopping rule, the audit's non-members with its local
    /// test split (nil: no reserve; the non-members are its local test split alone).
    public var auditReserve: Double?
    /// Epochs of the central reference model each plan's pre-training is compared with (nil: 30; 0: none).
    public var centralEpochs: Int?

    /// `centralEpochs` as it applies (default 30; 0: no central model).
    var centralEpochCount: Int { centralEpochs ?? 30 }

    public struct Dataset: Sendable, Codable, Equatable {
        public var name: String
        /// A task of the built-in synthetic suite (derm, ct, path), a MedMNIST .npz file, or a dataset store.
        public var synthetic: String?
        public var medmnist: String?
        public var store: String?
        /// Ingest size and channels (synthetic and MedMNIST; default 28 and 3, 1 for ct).
        public var size: Int?
        public var channels: Int?
    }

    /// How the synthetic suite is drawn (medsilo synth's options).
    public struct Synthetic: Sendable, Codable, Equatable {
        public var patients: Int = 240
        public var sites: Int = 5
        public var imagesPerPatient: String = "2-6"
        /// The side of the written images; stores are ingested at the dataset's `size`.
        public var imageSize: Int = 64
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Partition: Sendable, Codable, Equatable {
        /// dirichlet, iid or natural (one hospital per site).
        public var scheme: String = "dirichlet"
        public var alpha: Double?
        public var hospitals: Int?
        public init() {}

        public var label: String {
            switch scheme {
            case "dirichlet": "dirichlet-a\(alpha.map { String($0) } ?? "0.5")"
            default: scheme
            }
        }
    }

    /// The straggler sweep: on the first dataset and partition and the first seed, every other hospital
    /// trains at `samplesPerSecond` and the target `factor`× slower; the listed methods (labels; default
    /// all) unlearn it. Shows how latency and stall grow with the target's slowness.
    public struct Stragglers: Sendable, Codable, Equatable {
        public var factors: [Double] = [1, 3, 10, 30]
        public var samplesPerSecond: Double = 200
        public var methods: [String]?
        public init() {}
    }
}

// MARK: Reading

extension BenchConfig {
    /// The built-in presets.
    public static let presets = ["quick", "paper"]

    public static func preset(_ name: String) -> String? {
        switch name {
        case "quick": quickPreset
        case "paper": paperPreset
        default: nil
        }
    }

    /// Parses YAML (or JSON) text, the first problem reported with its field. Relative dataset paths
    /// (`store`, `medmnist`) are taken from `directory` (the config file's folder; empty: the working
    /// directory) and made absolute.
    public static func parse(_ text: String, directory: String = "") throws(ConfigError) -> BenchConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ConfigError("", "not YAML or JSON (\(error))") }
        guard let node, let mapping = node.mapping else { throw ConfigError("", "the bench config must be a mapping of fields (datasets, federation, unlearning, …)") }
        try ConfigReader.checkFields(node, schema: schema, path: "")
        func sub(_ key: String) -> Node? { mapping[key] }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws(ConfigError) -> T? {
            guard let value = sub(key) else { return nil }
            do { return try YAMLDecoder().decode(T.self, from: ConfigReader.textKeys(value)) } catch let error as DecodingError {
                let inner = ConfigError.from(error)
                throw ConfigError(inner.field.isEmpty ? key : "\(key).\(inner.field)", inner.reason)
            } catch { throw ConfigError(key, "\(error)") }
        }
        let target = try decode(Int.self, "target") ?? 0
        guard var datasets = try decode([Dataset].self, "datasets"), !datasets.isEmpty else { throw ConfigError("datasets", "required: at least one dataset") }
        for i in datasets.indices {
            datasets[i].store = datasets[i].store.map { absolutePath($0, directory: directory) }
            datasets[i].medmnist = datasets[i].medmnist.map { absolutePath($0, directory: directory) }
        }
        var config = BenchConfig(
            name: try decode(String.self, "name") ?? "bench", seeds: try decode([UInt64].self, "seeds") ?? [0], datasets: datasets,
            synthetic: try decode(Synthetic.self, "synthetic") ?? Synthetic(), partitions: try decode([Partition].self, "partitions") ?? [Partition()],
            target: target, federation: ExperimentConfig(store: "", plan: ""), unlearning: UnlearningConfig(target: target, methods: []),
            evaluation: try decode(EvaluationSettings.self, "evaluation") ?? EvaluationSettings(), stragglers: try decode(Stragglers.self, "stragglers"),
            claims: try decode(ClaimCriteria.self, "claims"), targetSlowdowns: try decode([Double].self, "targetSlowdowns"),
            auditReserve: try decode(Double.self, "auditReserve"), centralEpochs: try decode(Int.self, "centralEpochs"))
        // The federation and unlearning blocks, read by their own commands' readers with the bench's fields filled in.
        guard let federation = sub("federation")?.mapping else { throw ConfigError("federation", "required: medsilo federate's fields (versions or rounds, strategy, local, …)") }
        for key in ["store", "plan", "seed"] where federation[key] != nil {
            throw ConfigError("federation.\(key)", "set by the bench for each cell; leave it out")
        }
        var federationPairs = Array(federation.map { ($0.key, $0.value) })
        federationPairs += [(Node("store"), Node("-")), (Node("plan"), Node("-"))]
        if let backdoor = federation["backdoor"]?.mapping {
            guard backdoor["hospital"] == nil else { throw ConfigError("federation.backdoor.hospital", "the backdoor is put on the bench's target; leave it out") }
            let index = federationPairs.firstIndex { $0.0.string == "backdoor" }!
            federationPairs[index].1 = .mapping(Node.Mapping(Array(backdoor.map { ($0.key, $0.value) }) + [(Node("hospital"), Node(String(target), Tag(.int)))]))
        }
        config.federation = try prefixed("federation") { () throws(ConfigError) in
            let federation = try ExperimentConfig.parse(try serialized(.mapping(Node.Mapping(federationPairs))))
            try Experiment.checkWithoutData(federation)
            return federation
        }
        guard let unlearning = sub("unlearning")?.mapping else { throw ConfigError("unlearning", "required: medsilo unlearn's fields (methods, continuation, …)") }
        for key in ["target", "seed"] where unlearning[key] != nil {
            throw ConfigError("unlearning.\(key)", "set by the bench (target at the top level, the seed per cell); leave it out")
        }
        let unlearningPairs = Array(unlearning.map { ($0.key, $0.value) }) + [(Node("target"), Node(String(target), Tag(.int)))]
        config.unlearning = try prefixed("unlearning") { () throws(ConfigError) in
            try UnlearningConfig.parse(try serialized(.mapping(Node.Mapping(unlearningPairs))))
        }
        try config.check()
        return config
    }

    static func absolutePath(_ path: String, directory: String) -> String {
        if path.hasPrefix("/") { return path }
        let relative = directory.isEmpty ? path : directory + "/" + path
        if relative.hasPrefix("/") { return relative }
        return FileManager.default.currentDirectoryPath + "/" + relative
    }

    /// The synthetic suite's options for the tasks the datasets use (each task once).
    func synthOptions(threads: Int? = nil) throws(ConfigError) -> SynthOptions {
        var tasks: [SyntheticSuite.Task] = []
        for task in datasets.compactMap(\.synthetic).compactMap({ SyntheticSuite.Task(rawValue: $0) }) where !tasks.contains(task) { tasks.append(task) }
        let bounds = synthetic.imagesPerPatient.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, low <= high else {
            throw ConfigError("synthetic.imagesPerPatient", "'\(synthetic.imagesPerPatient)' is not MIN-MAX or one number (e.g. 2-6)")
        }
        let options = SynthOptions(
            tasks: tasks, hospitals: synthetic.sites, patients: synthetic.patients, imagesPerPatient: low...high, size: synthetic.imageSize,
            seed: synthetic.seed, threads: threads)
        if !tasks.isEmpty {
            do { try options.validate() } catch { throw ConfigError("synthetic", error.description) }
        }
        return options
    }

    static func serialized(_ node: Node) throws(ConfigError) -> String {
        do { return try Yams.serialize(node: node) } catch { throw ConfigError("", "\(error)") }
    }

    static func prefixed<T>(_ prefix: String, _ body: () throws(ConfigError) -> T) throws(ConfigError) -> T {
        do { return try body() } catch { throw ConfigError(error.field.isEmpty ? prefix : "\(prefix).\(error.field)", error.reason) }
    }

    func check() throws(ConfigError) {
        guard !seeds.isEmpty else { throw ConfigError("seeds", "at least one seed") }
        guard Set(seeds).count == seeds.count else { throw ConfigError("seeds", "a seed is listed twice") }
        var names: Set<String> = []
        for (i, dataset) in datasets.enumerated() {
            let field = "datasets.\(i)"
            guard !dataset.name.isEmpty, !dataset.name.contains("/"), dataset.name != ".", dataset.name != ".." else {
                throw ConfigError("\(field).name", "'\(dataset.name)' cannot name a folder")
            }
            guard names.insert(dataset.name).inserted else { throw ConfigError("\(field).name", "two datasets are named '\(dataset.name)'") }
            let sources = [dataset.synthetic, dataset.medmnist, dataset.store].compactMap { $0 }
            guard sources.count == 1 else { throw ConfigError(field, "give exactly one of synthetic (derm, ct, path), medmnist (an .npz file) or store (a dataset store)") }
            if let task = dataset.synthetic, !["derm", "ct", "path"].contains(task) {
                throw ConfigError("\(field).synthetic", "unknown task '\(task)' (the built-in suite has derm, ct, path)")
            }
            if let file = dataset.medmnist, access(file, R_OK) != 0 {
                throw ConfigError("\(field).medmnist", "\(file): no such readable file (download the MedMNIST .npz, e.g. pathmnist.npz, and point here)")
            }
            if let store = dataset.store {
                do { _ = try DatasetStore(path: store) } catch { throw ConfigError("\(field).store", "not a dataset store: \(error.description)") }
            }
            if let size = dataset.size, !(8...512).contains(size) { throw ConfigError("\(field).size", "must be 8–512") }
            if let channels = dataset.channels, ![1, 3].contains(channels) { throw ConfigError("\(field).channels", "must be 1 or 3") }
        }
        var partitionLabels: Set<String> = []
        for (i, partition) in partitions.enumerated() {
            let field = "partitions.\(i)"
            guard partitionLabels.insert(partition.label).inserted else {
                throw ConfigError(field, "a second partition labelled '\(partition.label)' would share the first's folders; make them differ in scheme or alpha")
            }
            guard ["dirichlet", "iid", "natural"].contains(partition.scheme) else {
                throw ConfigError("\(field).scheme", "unknown scheme '\(partition.scheme)' (the bench takes dirichlet, iid, natural)")
            }
            if partition.scheme == "natural", partition.hospitals != nil { throw ConfigError("\(field).hospitals", "natural has one hospital per site") }
            if partition.scheme != "natural", (partition.hospitals ?? 0) < 2 { throw ConfigError("\(field).hospitals", "required: at least 2") }
            if partition.scheme != "dirichlet", partition.alpha != nil { throw ConfigError("\(field).alpha", "only dirichlet takes alpha") }
            if let alpha = partition.alpha, !(alpha > 0) { throw ConfigError("\(field).alpha", "must be positive") }
            if let hospitals = partition.hospitals, target >= hospitals { throw ConfigError("target", "hospital \(target) is not among \(field)'s \(hospitals)") }
            // A natural partition of the synthetic suite has one hospital per site.
            if partition.scheme == "natural", datasets.contains(where: { $0.synthetic != nil }), target >= synthetic.sites {
                throw ConfigError("target", "hospital \(target) is not among the \(synthetic.sites) sites of \(field) (natural) on the synthetic suite")
            }
        }
        // Hospitals a speed profile names must exist in every partition whose size is known here.
        let known = partitions.compactMap { $0.hospitals ?? (datasets.allSatisfy { $0.synthetic != nil } ? synthetic.sites : nil) }
        if let fewest = known.min(), let slow = federation.speeds.hospitals, let bad = slow.first(where: { $0 < 0 || $0 >= fewest }) {
            throw ConfigError("federation.speeds.hospitals", "hospital \(bad) is not among the \(fewest) hospitals of the smallest partition")
        }
        if !datasets.compactMap(\.synthetic).isEmpty { _ = try synthOptions() }

        guard target >= 0 else { throw ConfigError("target", "must not be negative") }
        guard synthetic.patients >= 10 else { throw ConfigError("synthetic.patients", "at least 10") }
        do { try evaluation.check() } catch { throw ConfigError("evaluation.\(error.field)", error.reason) }
        if let stragglers {
            guard !stragglers.factors.isEmpty, stragglers.factors.allSatisfy({ $0 >= 1 && $0 <= 1e6 }) else {
                throw ConfigError("stragglers.factors", "one or more slowdowns, each from 1 to 10⁶")
            }
            guard Set(stragglers.factors).count == stragglers.factors.count else { throw ConfigError("stragglers.factors", "a slowdown is listed twice") }
            guard stragglers.samplesPerSecond > 0 else { throw ConfigError("stragglers.samplesPerSecond", "must be positive") }
            let labels = Set(unlearning.methods.map { $0.label ?? $0.defaultLabel })
            for (i, label) in (stragglers.methods ?? []).enumerated() where !labels.contains(label) {
                throw ConfigError("stragglers.methods.\(i)", "no method is labelled '\(label)' (labels: \(labels.sorted().joined(separator: ", ")))")
            }
        }
        if let share = auditReserve, !(share > 0 && share < 1) {
            throw ConfigError("auditReserve", "a share of the target's samples in (0, 1), e.g. 0.3")
        }
        if let epochs = centralEpochs, !(0...1000).contains(epochs) { throw ConfigError("centralEpochs", "from 0 (no central model) to 1000") }
        if let factors = targetSlowdowns {
            guard !factors.isEmpty, factors.allSatisfy({ $0 >= 1 && $0 <= 1e6 }), Set(factors).count == factors.count else {
                throw ConfigError("targetSlowdowns", "one or more distinct factors, each from 1 to 10⁶ (1: the common speed)")
            }
            let speeds = federation.speeds
            for factor in factors where factor != 1 {
                if speeds.hospitals?.contains(target) ?? false {
                    throw ConfigError("targetSlowdowns", "the target is already among federation.speeds.hospitals, slowed at every factor")
                }
                guard speeds.kind == "fixed" || (speeds.kind == "stragglers" && speeds.slowdown == factor) else {
                    throw ConfigError(
                        "targetSlowdowns", "a target ×\(BenchCell.factor(factor)) slower needs federation.speeds of kind fixed, or stragglers with the same slowdown (the target joins the slow hospitals)")
                }
            }
        }
        if let claims {
            for (name, value) in [("backdoorMargin", claims.backdoorMargin), ("forgetMargin", claims.forgetMargin), ("accuracyMargin", claims.accuracyMargin),
                                  ("aucMargin", claims.aucMargin), ("resurfaces", claims.resurfaces), ("holds", claims.holds)]
            where !(value >= 0 && value.isFinite) {
                throw ConfigError("claims.\(name)", "must be a finite number, 0 or more")
            }
        }
    }

    static let schema: ConfigSchema = .mapping([
        "name": .value, "seeds": .value, "target": .value, "targetSlowdowns": .value, "auditReserve": .value, "centralEpochs": .value,
        "datasets": .list(.mapping(["name": .value, "synthetic": .value, "medmnist": .value, "store": .value, "size": .value, "channels": .value])),
        "synthetic": .mapping(["patients": .value, "sites": .value, "imagesPerPatient": .value, "imageSize": .value, "seed": .value]),
        "partitions": .list(.mapping(["scheme": .value, "alpha": .value, "hospitals": .value])),
        "federation": .free, "unlearning": .free,
        "evaluation": .mapping([
            "shadows": .value, "shadowEpochs": .value, "shadowBase": .value, "relearnSteps": .value, "relearnEvery": .value, "seed": .value,
            "threads": .value,
        ]),
        "stragglers": .mapping(["factors": .value, "samplesPerSecond": .value, "methods": .value]),
        "claims": .mapping([
            "method": .value, "uncalibrated": .value, "backdoorMargin": .value, "forgetMargin": .value, "accuracyMargin": .value, "aucMargin": .value,
            "resurfaces": .value, "holds": .value,
        ]),
    ])
}

extension BenchConfig.Synthetic {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        patients = try c.decodeIfPresent(Int.self, forKey: .patients) ?? patients
        sites = try c.decodeIfPresent(Int.self, forKey: .sites) ?? sites
        imagesPerPatient = try c.decodeIfPresent(String.self, forKey: .imagesPerPatient) ?? imagesPerPatient
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? imageSize
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
    }
}

extension BenchConfig.Partition {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try c.decodeIfPresent(String.self, forKey: .scheme) ?? scheme
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        hospitals = try c.decodeIfPresent(Int.self, forKey: .hospitals)
    }
}

extension BenchConfig.Stragglers {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        factors = try c.decodeIfPresent([Double].self, forKey: .factors) ?? factors
        samplesPerSecond = try c.decodeIfPresent(Double.self, forKey: .samplesPerSecond) ?? samplesPerSecond
        methods = try c.decodeIfPresent([String].self, forKey: .methods)
    }
}
