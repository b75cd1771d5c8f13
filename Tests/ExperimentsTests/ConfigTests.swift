import Federation
import Testing

@testable import Experiments

/// Experiment configs: defaults, YAML and JSON, and one message naming the field for each mistake.
@Suite struct ConfigTests {
    @Test func defaultsFillWhatIsLeftOut() throws {
        let config = try ExperimentConfig.parse("store: s\nplan: p.json\nrounds: 4\n")
        var expected = ExperimentConfig(store: "s", plan: "p.json")
        expected.rounds = 4
        #expect(config == expected)
        #expect(config.local.batch == 32 && config.strategy.name == "fedavg" && config.network.uploadMbps == 100)
    }

    @Test func jsonReadsLikeYAML() throws {
        let yaml = try ExperimentConfig.parse(
            """
            store: s
            plan: p.json
            versions: 20
            strategy:
              name: fedbuff
              bufferSize: 3
              staleness: {kind: polynomial, a: 0.5}
            speeds: {kind: stragglers, samplesPerSecond: 100, hospitals: [2, 4], slowdown: 10}
            availability: {joins: {3: 120.5}, dropout: 0.1}
            """)
        let json = try ExperimentConfig.parse(
            """
            {"store": "s", "plan": "p.json", "versions": 20,
             "strategy": {"name": "fedbuff", "bufferSize": 3, "staleness": {"kind": "polynomial", "a": 0.5}},
             "speeds": {"kind": "stragglers", "samplesPerSecond": 100, "hospitals": [2, 4], "slowdown": 10},
             "availability": {"joins": {"3": 120.5}, "dropout": 0.1}}
            """)
        #expect(yaml == json)
        #expect(yaml.availability.joins == [3: 120.5] && yaml.speeds.hospitals == [2, 4] && yaml.strategy.staleness?.a == 0.5)
    }

    @Test(arguments: [
        ("store: s\nplan: p\nrounds: 2\nlocal: {lr: 0.1, epoch: 2}", "local.epoch"),
        ("store: s\nplan: p\nrounds: two", "rounds"),
        ("store: s\nplan: p\nrounds: 2\nlocal: {batch: 3.5}", "local.batch"),
        ("plan: p\nrounds: 2", "store"),
        ("store: s\nplan: p\nrounds: 2\nstrategy: fedavg", "strategy"),
        ("store: s\nplan: p\nrounds: 2\nspeeds: {kind: fixed, samplesPerSecond: [1]}", "speeds.samplesPerSecond"),
        ("store: s\nplan: p\nrounds: 2\nstrategy: {name: fedbuff, staleness: {kind: polynomial, c: 1}}", "strategy.staleness.c"),
        ("- a\n- b", ""),
        ("store: [unclosed", ""),
    ])
    func parsingMistakesNameTheField(_ text: String, _ field: String) {
        #expect {
            _ = try ExperimentConfig.parse(text)
        } throws: { error in
            (error as? ConfigError)?.field == field
        }
    }

    /// The checks that need no store: strategy, protocol, local training, speeds, network, availability.
    @Test(arguments: [
        ("strategy: {name: fedsgd}\nrounds: 2", "strategy.name", "unknown strategy"),
        ("strategy: {name: fedavg, alpha: 0.5}\nrounds: 2", "strategy.alpha", "not a parameter of fedavg"),
        ("strategy: {name: fedasync}\nrounds: 2", "rounds", "asynchronous"),
        ("strategy: {name: fedbuff}", "versions", "required"),
        ("strategy: {name: fedavg}\nversions: 3", "versions", "synchronous"),
        ("rounds: 0", "rounds", "at least 1"),
        ("strategy: {name: fedadam, beta1: 1.5}\nrounds: 2", "strategy.beta1", "[0, 1)"),
        ("strategy: {name: fedbuff, staleness: {kind: exponential}}\nversions: 2", "strategy.staleness.kind", "unknown staleness"),
        ("strategy: {name: fedasync, alpha: 0}\nversions: 2", "strategy.alpha", "(0, 1]"),
    ])
    func protocolMistakesNameTheField(_ body: String, _ field: String, _ reason: String) throws {
        var config = try ExperimentConfig.parse("store: s\nplan: p\n" + body)
        #expect {
            _ = try Experiment.resolveProtocol(&config)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.field == field && error.reason.contains(reason)
        }
    }

    @Test func resolvedProtocolsCarryTheirParameters() throws {
        var fedadam = try ExperimentConfig.parse("store: s\nplan: p\nrounds: 3\nclientFraction: 0.5\nstrategy: {name: fedadam, serverLearningRate: 0.1}")
        #expect(try Experiment.resolveProtocol(&fedadam) == .synchronous(rounds: 3, clientFraction: 0.5, strategy: .fedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3)))
        // Defaults are written back, so the run folder's config.json shows what ran.
        #expect(fedadam.strategy.beta2 == 0.99 && fedadam.strategy.tau == 1e-3)
        var fedbuff = try ExperimentConfig.parse("store: s\nplan: p\nversions: 7\nstrategy: {name: fedbuff, bufferSize: 4, staleness: {kind: hinge, a: 2, b: 1}}")
        #expect(try Experiment.resolveProtocol(&fedbuff) == .asynchronous(versions: 7, strategy: .fedBuff(bufferSize: 4, serverLearningRate: 1, staleness: .hinge(a: 2, b: 1))))
    }

    @Test func profilesAreCheckedFieldByField() throws {
        func speeds(_ yaml: String) throws -> ExperimentConfig.Speeds { try ExperimentConfig.parse("store: s\nplan: p\nrounds: 1\nspeeds: \(yaml)").speeds }
        #expect(try Experiment.resolveSpeeds(speeds("{kind: log-normal, median: 50, sigma: 1}"), hospitals: 3) == .logNormal(median: 50, sigma: 1))
        #expect(throws: ConfigError("speeds.hospitals", "hospital 5 is not in the plan (0–2)")) {
            try Experiment.resolveSpeeds(speeds("{kind: stragglers, hospitals: [5]}"), hospitals: 3)
        }
        #expect(throws: ConfigError("speeds.sigma", "not a parameter of fixed (it takes: samplesPerSecond)")) {
            try Experiment.resolveSpeeds(speeds("{kind: fixed, sigma: 1}"), hospitals: 3)
        }
        var network = ExperimentConfig.Network()
        network.uploadMbps = 8
        #expect(try Experiment.resolveNetwork(network).uploadBytesPerSecond == 1_000_000)
        network.latency = -1
        #expect(throws: ConfigError.self) { try Experiment.resolveNetwork(network) }
        var availability = ExperimentConfig.AvailabilityConfig()
        availability.joins = [1: 50]
        availability.leaves = [1: 20]
        #expect(throws: ConfigError("availability.leaves.1", "hospital 1 would leave before it joins")) {
            try Experiment.resolveAvailability(availability, hospitals: 3)
        }
        availability.leaves = [:]
        availability.dropout = 1
        #expect(throws: ConfigError("availability.dropout", "must lie in [0, 1)")) { try Experiment.resolveAvailability(availability, hospitals: 3) }
    }
}
