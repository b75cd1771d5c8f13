import Auditing

/// RMIA (`RMIAAttack`) with a pool's shadow models as its reference models.
///
/// The pool's IN masks say which shadows trained on each population example: the offline variant uses, for
/// every example and every population sample z, the shadows that had it OUT — M/2 for a population example
/// (so a pool of two shadows gives one OUT reference per example), all M for an unseen sample; the online
/// variant uses all M.
///
/// The population samples z are ids of the pool's population or of its unseen samples (the pool holds its
/// shadows' outputs on nothing else), and should be samples the audited model did not train on. Best are
/// held-out samples that are not audited themselves: if the audited non-members serve as z, each of them
/// meets itself in Z (a tie, which counts), so the highest-scoring non-member scores 1, level with every
/// member that beats all of Z, and TPR at FPR 0 is 0. The pool's unseen samples suit the offline variant:
/// every shadow has them OUT, so all M are OUT references for each (online needs IN shadows too, so it
/// takes z from the population only). `medsilo evaluate` uses them (`UnlearningEvaluation.rmiaPopulation`).
extension ShadowPool {
    /// [model][example]: each shadow's probability of the true label, p_y = σ(φ) from its logits
    /// (`RMIA.trueLabelProbability(logits:label:)`).
    func trueLabelProbabilities() -> [[Double]] {
        precondition(isTrained, "train or load the shadows before building an attack on them")
        return logits.map { row in
            population.indices.map { j in
                RMIA.trueLabelProbability(logits: row[j * classes..<(j + 1) * classes], label: labels[j])
            }
        }
    }

    /// [model][unseen sample]: each shadow's probability of the true label on the unseen samples.
    func unseenTrueLabelProbabilities() -> [[Double]] {
        precondition(isTrained, "train or load the shadows before building an attack on them")
        return unseenLogits.map { row in
            unseen.indices.map { u in
                RMIA.trueLabelProbability(logits: row[u * classes..<(u + 1) * classes], label: unseenLabels[u])
            }
        }
    }

    /// Where the shadows' outputs on a sample are kept.
    enum Location: Equatable {
        /// Position in the population (IN for half of the shadows).
        case population(Int)
        /// Position among the unseen samples (OUT of every shadow).
        case unseen(Int)
    }

    /// Sample id → where its shadow outputs are, for every population example and unseen sample.
    var locations: [Int: Location] {
        var locations = Dictionary(uniqueKeysWithValues: zip(population, population.indices.map(Location.population)))
        for (u, id) in unseen.enumerated() { locations[id] = .unseen(u) }
        return locations
    }

    /// RMIA against the target model whose outputs on the population samples z are `z` (its ids in the
    /// pool's population or, offline only, among its unseen samples; any order), with every shadow as a
    /// reference model (online) or, per sample, the shadows that had it OUT (offline: M/2 for a population
    /// example, all M for an unseen sample); a query of the same target is then scored on any population
    /// examples.
    public func rmia(_ variant: RMIAAttack.Variant, z target: AttackQuery, options: RMIA.Options = RMIA.Options()) -> RMIAAttack {
        precondition(target.classes == classes,
                     "RMIA: the target's outputs have \(target.classes) classes, the shadows \(classes)")
        let probabilities = trueLabelProbabilities()
        let references = population.indices.map { j in
            (0..<settings.models).filter { variant == .online || !inMask[$0][j] }.map { probabilities[$0][j] }
        }
        let unseenProbabilities = unseenTrueLabelProbabilities()
        let locations = locations
        let zReferences = zip(target.ids, target.labels).map { id, label in
            switch locations[id] {
            case .population(let j):
                precondition(label == labels[j], "RMIA: sample \(id) has label \(label) in the query but \(labels[j]) in the shadows")
                return references[j]
            case .unseen(let u):
                precondition(variant == .offline,
                             "RMIA online: population sample z \(id) is OUT of every shadow, and online needs IN shadows too")
                precondition(label == unseenLabels[u],
                             "RMIA: sample \(id) has label \(label) in the query but \(unseenLabels[u]) in the shadows")
                return unseenProbabilities.map { $0[u] }
            case nil:
                preconditionFailure(
                    "RMIA: population sample z \(id) is not in the shadows' population, so they have no outputs on it")
            }
        }
        return RMIAAttack(variant: variant, population: population, labels: labels, classes: classes, references: references,
                          zTarget: RMIAAttack.trueLabelProbabilities(target), zReferences: zReferences, options: options)
    }

    /// The offline a (`RMIA.calibrateOfflineA`, highest mean AUC over `candidates`) with each shadow in turn
    /// posing as the target: its IN mask is the known split of the population examples outside `z`, the
    /// other shadows that had an example OUT are that example's references, and the samples of `z` it did not
    /// train on are its population samples (every unseen sample of `z`, with the M − 1 others as references).
    /// Needs M ≥ 4, so that every example is OUT of some other shadow (with two, the other shadow has every
    /// non-member of the first IN); nil otherwise.
    public func calibrateOfflineA(z: [Int], gamma: Double = 1, candidates: [Double] = RMIA.calibrationCandidates)
        -> (a: Double, auc: Double)?
    {
        guard settings.models >= 4 else { return nil }
        let probabilities = trueLabelProbabilities()
        let unseenProbabilities = unseenTrueLabelProbabilities()
        let locations = locations
        let zLocations = z.map { id in
            guard let location = locations[id] else {
                preconditionFailure("RMIA: population sample z \(id) is not in the shadows' population")
            }
            return location
        }
        let zSet = Set(zLocations.compactMap { if case .population(let j) = $0 { j } else { nil } })
        let audited = population.indices.filter { !zSet.contains($0) }
        let splits = (0..<settings.models).map { m in
            let outOthers: (Int) -> [Double] = { j in
                (0..<self.settings.models).filter { $0 != m && !self.inMask[$0][j] }.map { probabilities[$0][j] }
            }
            // Per z that m did not train on: m's probability and the other shadows' that had it OUT.
            let zOut: [(target: Double, references: [Double])] = zLocations.compactMap { location in
                switch location {
                case .population(let j):
                    inMask[m][j] ? nil : (probabilities[m][j], outOthers(j))
                case .unseen(let u):
                    (unseenProbabilities[m][u], (0..<settings.models).filter { $0 != m }.map { unseenProbabilities[$0][u] })
                }
            }
            return RMIA.CalibrationSplit(
                target: audited.map { probabilities[m][$0] }, isMember: audited.map { inMask[m][$0] },
                outReferences: audited.map(outOthers), populationTarget: zOut.map(\.target),
                populationOutReferences: zOut.map(\.references))
        }
        return RMIA.calibrateOfflineA(splits, gamma: gamma, candidates: candidates)
    }
}
