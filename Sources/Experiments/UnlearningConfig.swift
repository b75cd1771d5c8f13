/// An unlearning experiment on a pre-trained run (`medsilo unlearn CONFIG --from RUN`): which hospital
/// asks to be forgotten and when, how long training goes on afterwards (the resurfacing phase), the
/// forgetting criterion, and the methods to compare — each with its own knobs. See docs/unlearning.md.
public struct UnlearningConfig: Sendable, Equatable, Codable {
    /// The hospital (plan index) that withdraws.
    public var target: Int
    /// When the request arrives: after this many rounds/versions of the pre-trained run (default: its
    /// end), or at this virtual time.
    public var request: Request = Request()
    /// Rounds (synchronous) or versions (asynchronous) of training without the target after the request.
    public var continuation: Int = 20
    public var evaluation: Evaluation = Evaluation()
    public var criterion: Criterion = Criterion()
    /// Seed of the erasers' shuffling and of the random models behind the default PGA radius.
    public var seed: UInt64 = 0
    public var methods: [Method]

    public struct Request: Sendable, Equatable, Codable {
        public var step: Int?
        public var time: Double?
        public init() {}
    }

    public struct Evaluation: Sendable, Equatable, Codable {
        public var every: Int = 2
        public var batch: Int = 256
        public init() {}
    }

    /// Forgetting holds when the backdoor success rate is at most retrain's + `backdoorMargin` (or, with
    /// no backdoor, the target's training accuracy at most retrain's + `forgetMargin`) while test accuracy
    /// is at least retrain's − `accuracyMargin`.
    public struct Criterion: Sendable, Equatable, Codable {
        public var backdoorMargin: Double = 0.05
        public var forgetMargin: Double = 0.05
        public var accuracyMargin: Double = 0.03
        public init() {}
    }

    /// One method and its knobs; a knob another method takes is refused.
    public struct Method: Sendable, Equatable, Codable {
        public static let names = ["retrain", "federaser", "pga", "knot", "afu-ic", "exclude"]
        public var name: String
        /// A label for the method's folder and tables (default: the name, plus the variant).
        public var label: String?
        /// retrain: `synchronous` (FedAvg) or `asynchronous` (FedBuff); default: the pre-trained run's kind.
        public var variant: String?
        /// pga and afu-ic's PGA eraser: radius of the ball around the reference model (default: one third
        /// of the mean distance to 10 random models), learning rate, momentum, epochs, early stopping.
        public var radius: Double?
        public var radiusScale: Double?
        public var learningRate: Double?
        public var momentum: Double?
        public var epochs: Int?
        public var distanceThreshold: Double?
        public var accuracyFloor: Double?
        /// pga: synchronous post-training rounds without the target.
        public var postRounds: Int?
        /// federaser: calibration epochs as a share of the local epochs (E_cal = r·E_local), and Δt: rebuild
        /// over the stored steps that are multiples of it (default 2; the run must have kept them).
        public var calibrationRatio: Double?
        public var interval: Int?
        /// knot: clusters of hospitals (by training time) aggregated separately.
        public var clusters: Int?
        /// afu-ic: `kl-uniform` (the default), `ce-ascent`, `distill` (toward the reference model's outputs on
        /// the target's samples), `pga` or `bounded-loss`.
        public var eraser: String?
        /// afu-ic with `kl-uniform` or `ce-ascent`: `rule` (erase until the stopping rule holds; the
        /// default) or `budget` (the fixed epochs).
        public var stop: String?
        /// afu-ic's stopping rule: AUC margin over ½, margin over the reference level, steps between checks,
        /// the reference level on or off; the eraser's optimiser (default: the federation's local one).
        public var aucMargin: Double?
        public var referenceMargin: Double?
        public var checkEvery: Int?
        public var reference: Bool?
        /// afu-ic: halve β until w₀ − β·(the target's contributions) does not collapse, for the reference level.
        public var shrinkReference: Bool?
        /// afu-ic: rounds in which the retained hospitals train the reference (w₀ minus the target's
        /// contributions) before it serves as the yardstick, so subtraction's collapse is repaired by data
        /// that never included the target (0: none).
        public var referenceRepair: Int?
        /// afu-ic: where the reference starts — `subtracted` (w₀ minus the target's contributions; the
        /// default) or `initial` (the federation's initial model, trained by the retained hospitals for
        /// `referenceRepair` rounds, default 20: a short retraining used only as a yardstick).
        public var referenceStart: String?

        /// `referenceStart` as it applies: given, or `initial` for the distill eraser (its teacher) and
        /// `subtracted` otherwise.
        var resolvedReferenceStart: String { referenceStart ?? (eraser == "distill" ? "initial" : "subtracted") }
        public var optimizer: String?
        /// afu-ic: the target re-checks its rule on the global model every this many versions (0: never).
        public var recheckEvery: Int?
        /// afu-ic (ablation): `retained` projects every eraser step away from the span of the retained
        /// hospitals' last `projectionSteps` (5) stored aggregated steps (FedOSD's idea); `none` (default).
        public var projection: String?
        public var projectionSteps: Int?
        /// afu-ic: `one` (γ = 1, the default) or `staleness` (γ = γ₀·s(τ)).
        public var gamma: String?
        public var gamma0: Double?
        /// afu-ic: guard the merge with γ ∈ {1, ½, ¼} against a probe set (accuracy drop at most `probeDrop`).
        public var lineSearch: Bool?
        public var probeDrop: Double?
        /// afu-ic: β of the pre-erasure of stored contributions (0: off).
        public var preErase: Double?
        /// afu-ic: `one-sided` (default), `two-sided` or `none`.
        public var calibration: String?
        /// afu-ic: forget-basis columns per block, stored target updates used, per parameter tensor or whole.
        public var k: Int?
        public var storedUpdates: Int?
        public var perTensor: Bool?
        public var restoreNorm: Bool?
        public var clamp: Bool?
        /// afu-ic: calibrate this many versions after the merge (0: for the rest of training).
        public var horizon: Int?

        public init(name: String) { self.name = name }

        static let knobs: [String: Set<String>] = [
            "retrain": ["variant"],
            "federaser": ["calibrationRatio", "interval"],
            "knot": ["clusters"],
            "pga": ["radius", "radiusScale", "learningRate", "momentum", "epochs", "distanceThreshold", "accuracyFloor", "postRounds"],
            "exclude": [],
            "afu-ic": [
                "stop", "aucMargin", "referenceMargin", "checkEvery", "reference", "optimizer", "recheckEvery", "projection", "projectionSteps", "shrinkReference",
                "referenceRepair", "referenceStart", "eraser", "radius", "radiusScale", "learningRate", "momentum", "epochs", "distanceThreshold", "accuracyFloor", "gamma", "gamma0",
                "lineSearch", "probeDrop", "preErase", "calibration", "k", "storedUpdates", "perTensor", "restoreNorm", "clamp", "horizon",
            ],
        ]

        var given: [String] {
            let fields: [(String, Bool)] = [
                ("variant", variant != nil), ("radius", radius != nil), ("radiusScale", radiusScale != nil), ("learningRate", learningRate != nil),
                ("momentum", momentum != nil), ("epochs", epochs != nil), ("distanceThreshold", distanceThreshold != nil),
                ("accuracyFloor", accuracyFloor != nil), ("postRounds", postRounds != nil), ("calibrationRatio", calibrationRatio != nil), ("interval", interval != nil), ("clusters", clusters != nil), ("eraser", eraser != nil), ("gamma", gamma != nil),
                ("gamma0", gamma0 != nil), ("lineSearch", lineSearch != nil), ("probeDrop", probeDrop != nil), ("preErase", preErase != nil),
                ("calibration", calibration != nil), ("k", k != nil), ("storedUpdates", storedUpdates != nil), ("perTensor", perTensor != nil),
                ("restoreNorm", restoreNorm != nil), ("clamp", clamp != nil), ("horizon", horizon != nil),
                ("stop", stop != nil), ("aucMargin", aucMargin != nil), ("referenceMargin", referenceMargin != nil),
                ("checkEvery", checkEvery != nil), ("reference", reference != nil), ("optimizer", optimizer != nil),
                ("recheckEvery", recheckEvery != nil), ("projection", projection != nil), ("projectionSteps", projectionSteps != nil),
                ("shrinkReference", shrinkReference != nil), ("referenceRepair", referenceRepair != nil),
                ("referenceStart", referenceStart != nil),
            ]
            return fields.filter(\.1).map(\.0)
        }
    }

    static let methodSchema: ConfigSchema = .mapping(
        Dictionary((["name", "label"] + Method.knobs.values.flatMap { $0 }).map { ($0, ConfigSchema.value) }) { first, _ in first })

    static let schema: ConfigSchema = .mapping([
        "target": .value, "continuation": .value, "seed": .value,
        "request": .mapping(["step": .value, "time": .value]),
        "evaluation": .mapping(["every": .value, "batch": .value]),
        "criterion": .mapping(["backdoorMargin": .value, "forgetMargin": .value, "accuracyMargin": .value]),
        "methods": .list(methodSchema),
    ])

    public static func parse(_ text: String) throws(ConfigError) -> UnlearningConfig {
        let config = try ConfigReader.decode(UnlearningConfig.self, from: text, schema: schema, fields: "target, request, methods, …")
        try config.check()
        return config
    }

    /// The checks that need no run: names, knobs, ranges.
    func check() throws(ConfigError) {
        guard target >= 0 else { throw ConfigError("target", "must be a hospital index (0 or more)") }
        if let step = request.step, step < 1 { throw ConfigError("request.step", "must be at least 1 (a request before any training has nothing to erase)") }
        if request.step != nil, request.time != nil { throw ConfigError("request", "give step or time, not both") }
        if let time = request.time, !(time > 0 && time.isFinite) { throw ConfigError("request.time", "must be a positive virtual time") }
        guard continuation >= 0 else { throw ConfigError("continuation", "must not be negative") }
        guard evaluation.every >= 1 else { throw ConfigError("evaluation.every", "must be at least 1") }
        guard evaluation.batch >= 1 else { throw ConfigError("evaluation.batch", "must be at least 1") }
        guard !methods.isEmpty else { throw ConfigError("methods", "name at least one method (\(Method.names.joined(separator: ", ")))") }
        var labels: Set<String> = []
        for (i, method) in methods.enumerated() {
            let field = "methods.\(i)"
            guard let knobs = Method.knobs[method.name] else {
                throw ConfigError("\(field).name", "unknown method '\(method.name)' (known: \(Method.names.joined(separator: ", ")))")
            }
            for knob in method.given where !knobs.contains(knob) {
                throw ConfigError("\(field).\(knob)", "not a knob of \(method.name) (it takes: \(knobs.sorted().joined(separator: ", ")))")
            }
            func choice(_ value: String?, _ name: String, _ allowed: [String]) throws(ConfigError) {
                if let value, !allowed.contains(value) { throw ConfigError("\(field).\(name)", "'\(value)' is not one of \(allowed.joined(separator: ", "))") }
            }
            try choice(method.variant, "variant", ["synchronous", "asynchronous"])
            try choice(method.eraser, "eraser", ["kl-uniform", "ce-ascent", "distill", "pga", "bounded-loss"])
            try choice(method.stop, "stop", ["rule", "budget"])
            try choice(method.projection, "projection", ["none", "retained"])
            try choice(method.referenceStart, "referenceStart", ["subtracted", "initial"])
            try choice(method.optimizer, "optimizer", ["sgd", "adam", "adamw"])
            try choice(method.gamma, "gamma", ["one", "staleness"])
            try choice(method.calibration, "calibration", ["one-sided", "two-sided", "none"])
            for (name, value) in [("radius", method.radius), ("radiusScale", method.radiusScale), ("learningRate", method.learningRate),
                                  ("calibrationRatio", method.calibrationRatio),
                                  ("distanceThreshold", method.distanceThreshold), ("gamma0", method.gamma0),
                                  ("aucMargin", method.aucMargin), ("referenceMargin", method.referenceMargin)] {
                if let value, !(value > 0 && value.isFinite) { throw ConfigError("\(field).\(name)", "must be positive") }
            }
            for (name, value) in [("momentum", method.momentum), ("accuracyFloor", method.accuracyFloor), ("probeDrop", method.probeDrop)] {
                if let value, !(0..<1).contains(value) { throw ConfigError("\(field).\(name)", "must lie in [0, 1)") }
            }
            if let beta = method.preErase, !(0...1).contains(beta) { throw ConfigError("\(field).preErase", "β must lie in [0, 1]") }
            if let rounds = method.referenceRepair, rounds > 1000 { throw ConfigError("\(field).referenceRepair", "at most 1000 rounds") }
            for (name, value) in [("epochs", method.epochs), ("k", method.k), ("clusters", method.clusters), ("interval", method.interval),
                                  ("checkEvery", method.checkEvery), ("projectionSteps", method.projectionSteps)] {
                if let value, value < 1 { throw ConfigError("\(field).\(name)", "must be at least 1") }
            }
            for (name, value) in [("postRounds", method.postRounds), ("storedUpdates", method.storedUpdates), ("horizon", method.horizon),
                                  ("recheckEvery", method.recheckEvery), ("referenceRepair", method.referenceRepair)] {
                if let value, value < 0 { throw ConfigError("\(field).\(name)", "must not be negative") }
            }
            // Knobs that only act with another knob's value are refused without it, not ignored.
            if method.name == "afu-ic" {
                let eraser = method.eraser ?? "kl-uniform"
                let pgaOnly: [(String, Bool)] = [
                    ("distanceThreshold", method.distanceThreshold != nil), ("accuracyFloor", method.accuracyFloor != nil),
                ]
                for (knob, given) in pgaOnly where given && eraser != "pga" {
                    throw ConfigError("\(field).\(knob)", "applies to the PGA eraser only (set eraser: pga)")
                }
                for (knob, given) in [("radius", method.radius != nil), ("radiusScale", method.radiusScale != nil)]
                where given && eraser != "pga" && eraser != "ce-ascent" {
                    throw ConfigError("\(field).\(knob)", "applies to the pga and ce-ascent erasers only")
                }
                let ruleDriven = ["kl-uniform", "ce-ascent", "distill"].contains(eraser) && (method.stop ?? "rule") == "rule"
                if method.stop != nil, eraser != "kl-uniform", eraser != "ce-ascent" {
                    throw ConfigError("\(field).stop", "applies to the kl-uniform and ce-ascent erasers only (distill always runs to its stopping rule)")
                }
                if eraser == "distill", method.reference == false {
                    throw ConfigError("\(field).reference", "the distill eraser's teacher is the reference model; it cannot be off")
                }
                let ruleOnly: [(String, Bool)] = [
                    ("aucMargin", method.aucMargin != nil), ("referenceMargin", method.referenceMargin != nil), ("checkEvery", method.checkEvery != nil),
                    ("reference", method.reference != nil), ("recheckEvery", method.recheckEvery != nil), ("projection", method.projection != nil),
                    ("projectionSteps", method.projectionSteps != nil), ("shrinkReference", method.shrinkReference != nil),
                    ("referenceRepair", method.referenceRepair != nil), ("referenceStart", method.referenceStart != nil),
                ]
                for (knob, given) in ruleOnly where given && !ruleDriven {
                    throw ConfigError("\(field).\(knob)", "a stopping-rule knob, and this eraser runs a fixed budget (kl-uniform or ce-ascent with stop: rule)")
                }
                if method.projectionSteps != nil, method.projection != "retained" {
                    throw ConfigError("\(field).projectionSteps", "applies with projection: retained only")
                }
                if method.gamma0 != nil, method.gamma != "staleness" { throw ConfigError("\(field).gamma0", "applies with gamma: staleness only") }
                if method.probeDrop != nil, method.lineSearch != true { throw ConfigError("\(field).probeDrop", "applies with the line search only (lineSearch: true)") }
                if method.calibration == "none" {
                    let calibrationOnly: [(String, Bool)] = [
                        ("k", method.k != nil), ("storedUpdates", method.storedUpdates != nil), ("perTensor", method.perTensor != nil),
                        ("restoreNorm", method.restoreNorm != nil), ("clamp", method.clamp != nil), ("horizon", method.horizon != nil),
                    ]
                    for (knob, given) in calibrationOnly where given {
                        throw ConfigError("\(field).\(knob)", "a calibration knob, and calibration is none")
                    }
                }
            }
            let label = method.label ?? method.defaultLabel
            guard !label.isEmpty, !label.contains("/"), label != ".", label != ".." else {
                throw ConfigError("\(field).label", "'\(label)' cannot name a folder (no '/', not empty, '.' or '..')")
            }
            guard label != "original", label != "evaluation" else {
                throw ConfigError("\(field).label", "'\(label)' names the output's own folder (the model at the request, or the evaluation); choose another label")
            }
            guard labels.insert(label).inserted else {
                throw ConfigError("\(field).label", "two methods are labelled '\(label)'; give each a distinct label")
            }
        }
    }
}

extension UnlearningConfig.Method {
    var defaultLabel: String {
        switch name {
        case "retrain": variant.map { "retrain-\($0 == "synchronous" ? "sync" : "async")" } ?? "retrain"
        default: name
        }
    }
}

extension UnlearningConfig {
    enum Keys: String, CodingKey { case target, request, continuation, evaluation, criterion, seed, methods }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        target = try c.decode(Int.self, forKey: .target)
        request = try c.decodeIfPresent(Request.self, forKey: .request) ?? request
        continuation = try c.decodeIfPresent(Int.self, forKey: .continuation) ?? continuation
        evaluation = try c.decodeIfPresent(Evaluation.self, forKey: .evaluation) ?? evaluation
        criterion = try c.decodeIfPresent(Criterion.self, forKey: .criterion) ?? criterion
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        methods = try c.decode([Method].self, forKey: .methods)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(target, forKey: .target)
        try c.encode(request, forKey: .request)
        try c.encode(continuation, forKey: .continuation)
        try c.encode(evaluation, forKey: .evaluation)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(seed, forKey: .seed)
        try c.encode(methods, forKey: .methods)
    }
}

extension UnlearningConfig.Evaluation {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? every
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
    }
}

extension UnlearningConfig.Criterion {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        backdoorMargin = try c.decodeIfPresent(Double.self, forKey: .backdoorMargin) ?? backdoorMargin
        forgetMargin = try c.decodeIfPresent(Double.self, forKey: .forgetMargin) ?? forgetMargin
        accuracyMargin = try c.decodeIfPresent(Double.self, forKey: .accuracyMargin) ?? accuracyMargin
    }
}
