import Auditing

/// RMIA (`RMIAAttack`) with a pool's shadow models as its reference models.
///
/// The pool's IN masks say which shadows trained on each population example: the offline variant uses, for
/// every example and every population sample z, the M/2 shadows that had it OUT (so a pool of two shadows
/// gives one OUT reference per sample); the online variant uses all M.
///
/// The population samples z are ids of the pool's population (the pool holds its shadows' outputs on
/// nothing else), and should be samples the audited model did not train on. Best are held-out samples
/// added to the pool's population for the purpose and not audited themselves: if the audited non-members
/// serve as z, each of them meets itself in Z (a tie, which counts), so the highest-scoring non-member
/// scores 1, level with every member that beats all of Z, and TPR at FPR 0 is 0.
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

    /// Population example id → its position.
    var populationPositions: [Int: Int] {
        Dictionary(uniqueKeysWithValues: zip(population, population.indices))
    }

    /// RMIA against the target model whose outputs on the population samples z are `z` (its ids in the
    /// pool's population, any order), with every shadow as a reference model (online) or, per sample, the
    /// shadows that had it OUT (offline); a query of the same target is then scored on any population examples.
    public func rmia(_ variant: RMIAAttack.Variant, z target: AttackQuery, options: RMIA.Options = RMIA.Options()) -> RMIAAttack {
        precondition(target.classes == classes,
                     "RMIA: the target's outputs have \(target.classes) classes, the shadows \(classes)")
        let probabilities = trueLabelProbabilities()
        let references = population.indices.map { j in
            (0..<settings.models).filter { variant == .online || !inMask[$0][j] }.map { probabilities[$0][j] }
        }
        let positions = populationPositions
        let zReferences = zip(target.ids, target.labels).map { id, label in
            guard let j = positions[id] else {
                preconditionFailure(
                    "RMIA: population sample z \(id) is not in the shadows' population, so they have no outputs on it")
            }
            precondition(label == labels[j], "RMIA: sample \(id) has label \(label) in the query but \(labels[j]) in the shadows")
            return references[j]
        }
        return RMIAAttack(variant: variant, population: population, labels: labels, classes: classes, references: references,
                          zTarget: RMIAAttack.trueLabelProbabilities(target), zReferences: zReferences, options: options)
    }

    /// The offline a (`RMIA.calibrateOfflineA`, highest mean AUC over `candidates`) with each shadow in turn
    /// posing as the target: its IN mask is the known split of the population examples outside `z`, the
    /// other shadows that had an example OUT are that example's references, and the samples of `z` it did not
    /// train on are its population samples. Needs M ≥ 4, so that every example is OUT of some other shadow
    /// (with two, the other shadow has every non-member of the first IN); nil otherwise.
    public func calibrateOfflineA(z: [Int], gamma: Double = 1, candidates: [Double] = RMIA.calibrationCandidates)
        -> (a: Double, auc: Double)?
    {
        guard settings.models >= 4 else { return nil }
        let probabilities = trueLabelProbabilities()
        let positions = populationPositions
        let zPositions = z.map { id in
            guard let j = positions[id] else {
                preconditionFailure("RMIA: population sample z \(id) is not in the shadows' population")
            }
            return j
        }
        let zSet = Set(zPositions)
        let audited = population.indices.filter { !zSet.contains($0) }
        let splits = (0..<settings.models).map { m in
            let outOthers: (Int) -> [Double] = { j in
                (0..<self.settings.models).filter { $0 != m && !self.inMask[$0][j] }.map { probabilities[$0][j] }
            }
            let zOut = zPositions.filter { !inMask[m][$0] }
            return RMIA.CalibrationSplit(
                target: audited.map { probabilities[m][$0] }, isMember: audited.map { inMask[m][$0] },
                outReferences: audited.map(outOthers), populationTarget: zOut.map { probabilities[m][$0] },
                populationOutReferences: zOut.map(outOthers))
        }
        return RMIA.calibrateOfflineA(splits, gamma: gamma, candidates: candidates)
    }
}
