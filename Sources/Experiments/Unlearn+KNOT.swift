import Federation
import NeuralEngine
import Training

// MARK: knot

extension UnlearningSession {
    /// KNOT (Su & Li 2023), as MedSilo reads it: hospitals are grouped into clusters that are aggregated
    /// separately (FedBuff within each cluster) and the served model is the sample-weighted mean of the
    /// cluster models. An erasure retrains only the target's cluster from scratch, without the target,
    /// while the other clusters keep training; nobody waits.
    ///
    /// KNOT needs a clustered federation from the start, so it trains its own, on the run's hospitals,
    /// speeds and links, up to the request's virtual time; its "original" model is that federation's,
    /// not the run's. Clusters: hospitals sorted by the time of one local job and cut into `clusters`
    /// contiguous groups of near-equal size (KNOT also weighs model disparity and solves an assignment
    /// LP; MedSilo uses the training-time half of that rating). The target's cluster is retrained for as
    /// many versions as it had made before the request. The continuation runs the clusters on for
    /// `continuation` × the run's mean seconds per step of virtual time, evaluated at
    /// `continuation / evaluation.every` even intervals. The event log holds the retrained cluster's
    /// events; compute and communication count its retraining.
    func knot(_ method: UnlearningConfig.Method) -> (MethodResult, [Float], [UInt8]) {
        let n = hospitalCount
        let clusterCount = min(max(1, method.clusters ?? 3), n)
        let reference = makeSimulation()
        let jobSeconds = (0..<n).map { Double(experiment.training[$0].count * max(1, experiment.settings.local.epochs)) / reference.speeds[$0] }
        let order = (0..<n).sorted { (jobSeconds[$0], $0) < (jobSeconds[$1], $1) }
        let clusters = (0..<clusterCount).map { c in Array(order[(c * n / clusterCount)..<((c + 1) * n / clusterCount)]) }
        let bufferSize: Int
        if case .fedBuff(let size, _, _) = fallbackAsynchronous { bufferSize = size } else { bufferSize = 1 }
        let recorder = Recorder()
        func clusterSimulation(_ members: [Int], startTime: Double = 0) -> FederationSimulation {
            let size = min(bufferSize, members.count)
            let simulation = makeSimulation(
                .asynchronous(versions: .max, strategy: .fedBuff(bufferSize: size, serverLearningRate: 1, staleness: .inverseSquareRoot)), startTime: startTime)
            simulation.excluded = Set(0..<n).subtracting(members)
            return simulation
        }
        func aggregate(_ simulations: [FederationSimulation?]) -> [Float] {
            var sum = [Double](repeating: 0, count: anchor.count)
            var total = 0.0
            for (c, simulation) in simulations.enumerated() {
                guard let simulation else { continue }
                let weight = Double(clusters[c].filter { !simulation.excluded.contains($0) }.reduce(0) { $0 + experiment.training[$1].count })
                total += weight
                for i in sum.indices { sum[i] += weight * Double(simulation.global[i]) }
            }
            return sum.map { Float($0 / max(total, 1)) }
        }
        // The clustered pre-training, up to the request.
        var simulations: [FederationSimulation?] = clusters.map { clusterSimulation($0) }
        for simulation in simulations { _ = simulation!.advance(until: requestTime) }
        let target = clusters.firstIndex { $0.contains(config.target) }!
        let budget = simulations[target]!.step
        let original = point(aggregate(simulations), simulation: reference, time: requestTime, step: 0)
        var notes = [
            "clusters by training time: \(clusters.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: " ")); its own clustered pre-training reached test \(String(format: "%.3f", original.testAccuracy))\(original.backdoorSuccess.map { String(format: ", backdoor %.3f", $0) } ?? "") at the request"
        ]
        // The erasure: the target's cluster starts again without it (or disappears if it was alone).
        let remaining = clusters[target].filter { $0 != config.target }
        var served = requestTime
        var work = 0.0, transfers = 0
        if remaining.isEmpty {
            simulations[target] = nil
            notes.append("the target was alone in its cluster: the cluster's model is dropped")
        } else {
            let retrain = clusterSimulation(remaining, startTime: requestTime)
            recorder.attach(retrain, localEpochs: experiment.settings.local.epochs, remaining: hospitalCount - 1)
            retrain.stepLimit = budget
            while retrain.advance() != nil {}
            served = retrain.virtualTime
            (work, transfers) = (recorder.sampleEpochs, recorder.transfers)
            retrain.stepLimit = .max
            simulations[target] = retrain
            notes.append("cluster \(target) retrained without the target for \(budget) versions")
        }
        // The other clusters went on meanwhile.
        func advanceAll(to time: Double) {
            for simulation in simulations { simulation?.advance(until: time) }
        }
        advanceAll(to: served)
        var timeline = [point(aggregate(simulations), simulation: reference, time: served, step: 0)]
        let secondsPerStep = requestStep > 0 ? requestTime / Double(requestStep) : 1
        let points = max(1, config.continuation / config.evaluation.every)
        let span = Double(config.continuation) * secondsPerStep
        for k in 1...points {
            let time = served + span * Double(k) / Double(points)
            advanceAll(to: time)
            timeline.append(point(aggregate(simulations), simulation: reference, time: time, step: k * config.evaluation.every))
        }
        let result = MethodResult(
            label: "", method: "knot", servedAt: served, timeline: timeline, final: timeline.last!, latency: nil, stallClientSeconds: 0,
            clientSampleEpochs: work, communicationBytes: transfers * modelBytes,
            serverStorageBytes: clusterCount * modelBytes, erasure: nil, gamma: nil, calibratedSteps: nil, meanRemovedFraction: nil, notes: notes)
        return (result, aggregate(simulations), recorder.log)
    }
}
