import Testing

@testable import Experiments

/// Unlearning configs: defaults, methods with their knobs, and one message naming the field per mistake.
@Suite struct UnlearningConfigTests {
    @Test func defaultsAndMethods() throws {
        let config = try UnlearningConfig.parse(
            """
            target: 2
            methods:
              - name: retrain
                variant: synchronous
              - {name: retrain, variant: asynchronous}
              - {name: afu-ic, eraser: bounded-loss, k: 2, preErase: 0.5}
            """)
        #expect(config.target == 2 && config.continuation == 20 && config.request == UnlearningConfig.Request())
        #expect(config.methods.map(\.defaultLabel) == ["retrain-sync", "retrain-async", "afu-ic"])
        #expect(config.methods[2].k == 2 && config.methods[2].preErase == 0.5 && config.methods[2].eraser == "bounded-loss")
    }

    @Test(arguments: [
        ("target: 0\nmethods: [{name: forget-it}]", "methods.0.name", "unknown method"),
        ("target: 0\nmethods: [{name: retrain, eraser: pga}]", "methods.0.eraser", "not a knob of retrain"),
        ("target: 0\nmethods: [{name: pga, radius: -1}]", "methods.0.radius", "positive"),
        ("target: 0\nmethods: [{name: afu-ic, calibration: sideways}]", "methods.0.calibration", "not one of"),
        ("target: 0\nmethods: [{name: afu-ic, preErase: 1.5}]", "methods.0.preErase", "[0, 1]"),
        ("target: 0\nmethods: [{name: afu-ic}, {name: afu-ic}]", "methods.1.label", "distinct label"),
        ("target: 0\nmethods: [{name: afu-ic, gama: one}]", "methods.0.gama", "unknown field"),
        ("target: 0\nmethods: []", "methods", "at least one"),
        ("target: 0\nrequest: {step: 0}\nmethods: [{name: pga}]", "request.step", "before any training"),
        ("target: 0\nrequest: {step: 3, time: 5}\nmethods: [{name: pga}]", "request", "not both"),
        ("methods: [{name: pga}]", "target", "required"),
        ("target: 0\nmethods: {name: pga}", "methods", "must be a list"),
        ("target: 0\nmethods: [{name: afu-ic, radiusScale: 0.1}]", "methods.0.radiusScale", "pga and ce-ascent erasers only"),
        ("target: 0\nmethods: [{name: afu-ic, eraser: pga, accuracyFloor: 0.5, stop: rule}]", "methods.0.stop", "kl-uniform and ce-ascent"),
        ("target: 0\nmethods: [{name: afu-ic, stop: budget, aucMargin: 0.1}]", "methods.0.aucMargin", "stopping-rule knob"),
        ("target: 0\nmethods: [{name: afu-ic, eraser: bounded-loss, recheckEvery: 5}]", "methods.0.recheckEvery", "stopping-rule knob"),
        ("target: 0\nmethods: [{name: afu-ic, eraser: forgetful}]", "methods.0.eraser", "not one of"),
        ("target: 0\nmethods: [{name: afu-ic, checkEvery: 0}]", "methods.0.checkEvery", "at least 1"),
        ("target: 0\nmethods: [{name: exclude, eraser: pga}]", "methods.0.eraser", "not a knob of exclude"),
        ("target: 0\nmethods: [{name: afu-ic, projectionSteps: 3}]", "methods.0.projectionSteps", "projection: retained only"),
        ("target: 0\nmethods: [{name: afu-ic, projection: sideways}]", "methods.0.projection", "not one of"),
        ("target: 0\nmethods: [{name: afu-ic, stop: budget, shrinkReference: true}]", "methods.0.shrinkReference", "stopping-rule knob"),
        ("target: 0\nmethods: [{name: afu-ic, stop: budget, referenceRepair: 2}]", "methods.0.referenceRepair", "stopping-rule knob"),
        ("target: 0\nmethods: [{name: afu-ic, referenceStart: scratch}]", "methods.0.referenceStart", "subtracted"),
        ("target: 0\nmethods: [{name: afu-ic, eraser: distill, reference: false}]", "methods.0.reference", "teacher"),
        ("target: 0\nmethods: [{name: afu-ic, eraser: distill, stop: budget}]", "methods.0.stop", "distill always runs"),
        ("target: 0\nmethods: [{name: afu-ic, referenceRepair: -1}]", "methods.0.referenceRepair", "negative"),
        ("target: 0\nmethods: [{name: afu-ic, gamma0: 2}]", "methods.0.gamma0", "gamma: staleness"),
        ("target: 0\nmethods: [{name: afu-ic, lineSearch: false, probeDrop: 0.1}]", "methods.0.probeDrop", "line search"),
        ("target: 0\nmethods: [{name: afu-ic, calibration: none, k: 2}]", "methods.0.k", "calibration is none"),
        ("target: 0\nmethods: [{name: retrain, label: ../elsewhere}]", "methods.0.label", "cannot name a folder"),
        ("target: 0\nmethods: [{name: knot, clusters: 0}]", "methods.0.clusters", "at least 1"),
    ])
    func mistakesNameTheField(_ text: String, _ field: String, _ reason: String) {
        #expect {
            _ = try UnlearningConfig.parse(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.field == field && error.reason.contains(reason)
        }
    }
}
