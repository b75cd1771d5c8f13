extension BenchConfig {
    /// `--preset quick`: the derm task of the built-in suite at 28×28, five hospitals, FedBuff with a
    /// backdoored target, every method and two ablations, one seed, eight shadow models — under five minutes
    /// on two cores (the straggler sweep is the paper preset's: its extra federation would not fit). The
    /// pre-training converges: local SGD with momentum
    /// and a buffer of 5 plateau within 300 versions (Adam swung ±5–13 points; docs/results.md). The
    /// hospitals of the main cell train at one speed (a slow target's updates arrive so stale that FedBuff
    /// hardly learns them). A third of the target's patients are its audit reserve.
    static let quickPreset = """
        name: quick
        seeds: [1]
        datasets:
          - {name: derm, synthetic: derm, size: 28}
        synthetic: {patients: 240, sites: 5, imageSize: 32}
        partitions:
          - {scheme: dirichlet, alpha: 0.5, hospitals: 5}
        target: 0
        auditReserve: 0.3
        federation:
          versions: 300
          strategy: {name: fedbuff, bufferSize: 5}
          local: {epochs: 2, batch: 32, optimizer: sgd, lr: 0.05, momentum: 0.9}
          speeds: {kind: fixed, samplesPerSecond: 200}
          backdoor: {fraction: 0.2, targetClass: 0, value: 3}
          history: {every: 2}
          evaluation: {every: 30}
        unlearning:
          continuation: 30
          evaluation: {every: 2}
          methods:
            - {name: retrain, variant: synchronous}
            - {name: retrain, variant: asynchronous}
            - {name: federaser}
            - {name: pga, radiusScale: 0.3}
            - {name: knot}
            - {name: exclude}
            - {name: afu-ic}
            - {name: afu-ic, label: afu-no-ic, calibration: none}
            - {name: afu-ic, label: afu-pre-erase, preErase: 0.3}
        evaluation: {shadows: 8, shadowEpochs: 30, relearnSteps: 30, relearnEvery: 5}
        """

    /// `--preset paper`: the three synthetic tasks, ten hospitals split by Dirichlet α = 0.5 and by site,
    /// heterogeneous speeds (two retained hospitals 4× slower), each group twice — the target at the common
    /// speed (a deeply learned backdoor) and 4× slower (its stale updates teach a shallower one) — every method
    /// and ablation, five seeds, 600 versions of the converging federation (SGD with momentum, a buffer of
    /// 5), an audit reserve of a third of the target's patients, 16 shadow models, and the straggler sweep 1×, 3×, 10×, 30× for slow
    /// targets. Hours on two cores; MedMNIST files replace the synthetic tasks in a config of one's own
    /// (docs/results.md).
    static let paperPreset = """
        name: paper
        seeds: [1, 2, 3, 4, 5]
        datasets:
          - {name: derm, synthetic: derm, size: 28}
          - {name: ct, synthetic: ct, size: 28, channels: 1}
          - {name: path, synthetic: path, size: 28}
        synthetic: {patients: 600, sites: 10, imageSize: 32}
        partitions:
          - {scheme: dirichlet, alpha: 0.5, hospitals: 10}
          - {scheme: natural}
        target: 0
        targetSlowdowns: [1, 4]
        auditReserve: 0.3
        federation:
          versions: 600
          strategy: {name: fedbuff, bufferSize: 5}
          local: {epochs: 2, batch: 32, optimizer: sgd, lr: 0.05, momentum: 0.9}
          speeds: {kind: stragglers, samplesPerSecond: 200, hospitals: [3, 7], slowdown: 4}
          backdoor: {fraction: 0.2, targetClass: 0, value: 3}
          history: {every: 2}
          evaluation: {every: 60}
        unlearning:
          continuation: 60
          evaluation: {every: 2}
          methods:
            - {name: retrain, variant: synchronous}
            - {name: retrain, variant: asynchronous}
            - {name: federaser}
            - {name: pga, radiusScale: 0.3}
            - {name: knot}
            - {name: exclude}
            - {name: afu-ic}
            - {name: afu-ic, label: afu-no-ic, calibration: none}
            - {name: afu-ic, label: afu-two-sided, calibration: two-sided}
            - {name: afu-ic, label: afu-pre-erase, preErase: 0.3}
            - {name: afu-ic, label: afu-staleness-gamma, gamma: staleness}
        evaluation: {shadows: 16, shadowEpochs: 30, relearnSteps: 60, relearnEvery: 5}
        stragglers:
          factors: [1, 3, 10, 30]
          samplesPerSecond: 200
          methods: [retrain-sync, retrain-async, federaser, pga, knot, afu-ic]
        """
}
