/// The ROC curve of a membership score, over every distinct threshold, and the figures an audit reads
/// from it: AUC, attacker advantage, TPR at a fixed FPR and balanced accuracy at the best threshold.
///
/// Convention: a higher score means "member", and a sample is called a member when its score is at least
/// the threshold (score ≥ τ). Members are the positives. For each distinct score t, taken from the
/// highest down, the curve has the point
///
///     FPR(t) = #{non-members with s ≥ t} / N,   TPR(t) = #{members with s ≥ t} / P,
///
/// preceded by (0, 0) at a threshold above every score and ending at (1, 1) at the lowest score. Samples
/// with equal scores cross the threshold together, so a tie of members and non-members is one diagonal
/// step, not a staircase: that is what makes the trapezoidal area equal the Mann–Whitney statistic with
/// ties counted ½,
///
///     AUC = (1 / P·N) Σ_{m ∈ members} Σ_{n ∈ non-members} ( [s_m > s_n] + ½·[s_m = s_n] )
///
/// (Hanley & McNeil, Radiology 1982; Fawcett, Pattern Recognition Letters 2006, §8). The same curve as
/// scikit-learn's `roc_curve(drop_intermediate=False)`.
///
/// Degenerate inputs: without members or without non-members there is no curve (the initialiser returns
/// nil); if all scores are equal the curve is the diagonal (0, 0) → (1, 1) and the AUC is ½.
public struct ROC: Sendable, Codable, Equatable {
    /// One point of the curve: the threshold and the counts and rates of samples at or above it.
    public struct Point: Sendable, Codable, Equatable {
        /// Members are the samples with score ≥ threshold. The first point's threshold is just above
        /// the highest score (its next representable Double), so no sample passes it and the value stays
        /// finite for JSON (unless the highest score is itself +∞).
        public var threshold: Double
        public var truePositives: Int
        public var falsePositives: Int
        /// TPR = TP / P.
        public var truePositiveRate: Double
        /// FPR = FP / N.
        public var falsePositiveRate: Double
    }

    /// How `truePositiveRate(atFalsePositiveRate:)` reads the curve between its points.
    public enum Interpolation: String, Sendable, Codable, CaseIterable {
        /// The largest TPR among the points with FPR ≤ the target: an attacker who must pick one of the
        /// thresholds never exceeds the target FPR. The default. (Carlini et al.'s LiRA code takes the last
        /// point with FPR *strictly* below the target; the two differ only when a point lands exactly on it.)
        case conservative
        /// Linear interpolation along the curve at FPR = target, which is what an attacker who randomises
        /// between two adjacent thresholds achieves. Never below `conservative`.
        case linear
    }

    /// Number of members (positives), P > 0.
    public var members: Int
    /// Number of non-members (negatives), N > 0.
    public var nonMembers: Int
    /// From (0, 0) to (1, 1), thresholds strictly decreasing, both rates non-decreasing.
    public var points: [Point]

    /// The curve of `memberScores` against `nonMemberScores`; nil if either is empty. Scores must not be NaN.
    public init?(memberScores: [Double], nonMemberScores: [Double]) {
        guard !memberScores.isEmpty, !nonMemberScores.isEmpty else { return nil }
        precondition(!memberScores.contains(where: \.isNaN) && !nonMemberScores.contains(where: \.isNaN),
                     "membership scores must not be NaN")
        let labelled = (memberScores.map { ($0, true) } + nonMemberScores.map { ($0, false) }).sorted { $0.0 > $1.0 }
        let p = memberScores.count, n = nonMemberScores.count
        var points = [Point(threshold: labelled[0].0.nextUp, truePositives: 0, falsePositives: 0,
                            truePositiveRate: 0, falsePositiveRate: 0)]
        var tp = 0, fp = 0, i = 0
        while i < labelled.count {
            let threshold = labelled[i].0
            while i < labelled.count && labelled[i].0 == threshold {
                if labelled[i].1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(Point(threshold: threshold, truePositives: tp, falsePositives: fp,
                                truePositiveRate: Double(tp) / Double(p), falsePositiveRate: Double(fp) / Double(n)))
        }
        self.init(members: p, nonMembers: n, points: points)
    }

    /// The curve of `scores` where `isMember` says which samples are members; nil without both kinds.
    public init?(scores: [Double], isMember: [Bool]) {
        precondition(scores.count == isMember.count, "\(scores.count) scores for \(isMember.count) labels")
        self.init(memberScores: zip(scores, isMember).filter(\.1).map(\.0),
                  nonMemberScores: zip(scores, isMember).filter { !$0.1 }.map(\.0))
    }

    /// A curve from its parts, as decoded; `points` must run from (0, 0) to (1, 1).
    public init(members: Int, nonMembers: Int, points: [Point]) {
        precondition(members > 0 && nonMembers > 0, "a ROC curve needs members and non-members")
        precondition(points.first?.truePositives == 0 && points.first?.falsePositives == 0
                     && points.last?.truePositives == members && points.last?.falsePositives == nonMembers,
                     "a ROC curve runs from (0, 0) to (1, 1)")
        self.members = members
        self.nonMembers = nonMembers
        self.points = points
    }

    /// The area under the curve by the trapezoidal rule, which on this curve is the Mann–Whitney
    /// probability that a random member outscores a random non-member, ties counting ½. Summed on the
    /// integer counts, Σ ΔFP·(TPᵢ + TPᵢ₋₁) / (2·P·N), so the only rounding is the final division.
    public var auc: Double {
        var twiceArea = 0  // in units of one member × one non-member pair / 2
        for (previous, point) in zip(points, points.dropFirst()) {
            let width = point.falsePositives - previous.falsePositives
            twiceArea += width * (point.truePositives + previous.truePositives)
        }
        return Double(twiceArea) / (2 * Double(members) * Double(nonMembers))
    }

    /// The attacker's membership advantage at its best threshold, max_t (TPR(t) − FPR(t)) (Yeom et al.,
    /// CSF 2018, Definition 4, maximised over thresholds). At least 0, because (0, 0) is on the curve.
    public var advantage: Double {
        bestThreshold.truePositiveRate - bestThreshold.falsePositiveRate
    }

    /// The point with the highest balanced accuracy ½(TPR + 1 − FPR) = ½(1 + TPR − FPR), i.e. the
    /// threshold of the best advantage. Ties go to the highest threshold (the first maximum met from the
    /// top), which is also the one with the lowest FPR among them; when no threshold beats chance that is
    /// the point (0, 0), which calls no one a member.
    public var bestThreshold: Point {
        var best = points[0]
        for point in points.dropFirst()
        where point.truePositiveRate - point.falsePositiveRate > best.truePositiveRate - best.falsePositiveRate {
            best = point
        }
        return best
    }

    /// Balanced accuracy ½(TPR + TNR) at `bestThreshold`; equals ½(1 + advantage). Between ½ and 1.
    public var balancedAccuracy: Double {
        0.5 * (1 + advantage)
    }

    /// TPR at a false-positive rate of `target` ∈ [0, 1], read from the curve as `interpolation` says
    /// (conservative by default: the largest TPR among points with FPR ≤ target).
    public func truePositiveRate(atFalsePositiveRate target: Double, interpolation: Interpolation = .conservative)
        -> Double
    {
        precondition((0...1).contains(target), "a false-positive rate lies in [0, 1], got \(target)")
        // Rates are non-decreasing along the curve, so the last point with FPR ≤ target has the largest TPR.
        let last = points.lastIndex { $0.falsePositiveRate <= target }!  // (0, 0) always qualifies
        let below = points[last]
        guard interpolation == .linear, below.falsePositiveRate < target, last + 1 < points.count else {
            return below.truePositiveRate
        }
        let above = points[last + 1]
        let fraction = (target - below.falsePositiveRate) / (above.falsePositiveRate - below.falsePositiveRate)
        return below.truePositiveRate + fraction * (above.truePositiveRate - below.truePositiveRate)
    }
}
