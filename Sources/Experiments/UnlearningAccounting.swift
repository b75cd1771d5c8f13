import Auditing
import Federation
import Foundation
import Imaging
import NeuralEngine

/// The global model's figures at one moment after an unlearning request.
public struct TimelinePoint: Sendable, Codable, Equatable {
    public var virtualTime: Double
    /// Rounds or versions since the method began.
    public var step: Int
    public var testAccuracy: Double
    /// Accuracy and mean loss on the target's training samples (as it trained on them).
    public var forgetAccuracy: Double
    public var forgetLoss: Double
    /// Share of triggered test images classified as the backdoor's class (nil without a backdoor).
    public var backdoorSuccess: Double?
    /// AUC of the loss-threshold membership attack separating the target's training samples from held-out
    /// test samples (the audit's non-member half), so the audit can be followed over the continuation.
    public var membershipAUC: Double?
    /// With a backdoor, forget accuracy split: on the target's clean samples, and on its stamped samples
    /// as labelled (the backdoor's class) — the blend hides which of the two was forgotten.
    public var forgetCleanAccuracy: Double?
    public var forgetStampedAccuracy: Double?

    public init(
        virtualTime: Double, step: Int, testAccuracy: Double, forgetAccuracy: Double, forgetLoss: Double, backdoorSuccess: Double?,
        membershipAUC: Double? = nil
    ) {
        self.virtualTime = virtualTime
        self.step = step
        self.testAccuracy = testAccuracy
        self.forgetAccuracy = forgetAccuracy
        self.forgetLoss = forgetLoss
        self.backdoorSuccess = backdoorSuccess
        self.membershipAUC = membershipAUC
    }
}

/// Virtual seconds from the request until forgetting holds: first-hit (the first evaluation where it
/// holds) and persistent (the start of the final stretch where it holds at every evaluation through the
/// end of the continuation). Nil when it never holds (or does not hold at the end).
public struct Latency: Sendable, Codable, Equatable {
    public var firstHit: Double?
    public var persistent: Double?

    public init(firstHit: Double?, persistent: Double?) {
        self.firstHit = firstHit
        self.persistent = persistent
    }
}

public enum UnlearningAccounting {
    /// What "as good as retraining" is measured against (docs/results.md): for forgetting, the stricter of
    /// the retrained models when they were served (the lowest backdoor success, or forget accuracy); for
    /// utility, the `exclude` control's test accuracy at the same virtual time (its latest evaluation at or
    /// before it) — what the federation reaches by itself without the target at that moment — or, with no
    /// control, the first retrained model's when served.
    public struct Reference: Sendable, Equatable {
        public var backdoorSuccess: Double?
        public var forgetAccuracy: Double
        /// The control's timeline in time order, or one point.
        public var utility: [TimelinePoint]

        public init(retrained: [TimelinePoint], control: [TimelinePoint]?) {
            precondition(!retrained.isEmpty, "the criterion needs a retrained model")
            backdoorSuccess = retrained.compactMap(\.backdoorSuccess).min()
            forgetAccuracy = retrained.map(\.forgetAccuracy).min()!
            utility = (control?.isEmpty ?? true) ? [retrained[0]] : control!.sorted { $0.virtualTime < $1.virtualTime }
        }

        /// The utility level at virtual time `t`.
        public func testAccuracy(at t: Double) -> Double {
            (utility.last { $0.virtualTime <= t } ?? utility[0]).testAccuracy
        }
    }

    /// Whether `point` meets the criterion against `reference`: test accuracy at least the utility level at
    /// its time − accuracyMargin, and backdoor success at most the reference's + backdoorMargin (without a
    /// backdoor: forget-set accuracy at most the reference's + forgetMargin).
    public static func holds(_ point: TimelinePoint, reference: Reference, criterion: UnlearningConfig.Criterion) -> Bool {
        guard point.testAccuracy >= reference.testAccuracy(at: point.virtualTime) - criterion.accuracyMargin else { return false }
        if let success = point.backdoorSuccess, let target = reference.backdoorSuccess {
            return success <= target + criterion.backdoorMargin
        }
        return point.forgetAccuracy <= reference.forgetAccuracy + criterion.forgetMargin
    }

    /// First-hit and persistent latency of a timeline (in time order) after `requestTime`.
    public static func latency(_ timeline: [TimelinePoint], requestTime: Double, holds: (TimelinePoint) -> Bool) -> Latency {
        let flags = timeline.map(holds)
        let first = flags.firstIndex(of: true).map { timeline[$0].virtualTime - requestTime }
        guard flags.last == true else { return Latency(firstHit: first, persistent: nil) }
        var start = flags.count - 1
        while start > 0, flags[start - 1] { start -= 1 }
        return Latency(firstHit: first, persistent: timeline[start].virtualTime - requestTime)
    }
}

/// The client updates a run kept (`history.every` > 0): `history/index.jsonl` and one safetensors file
/// per update.
public struct HistoryStore {
    public struct Entry: Sendable, Codable, Equatable {
        public var file: String
        public var step: Int
        public var hospital: Int
        public var baseVersion: Int
        public var staleness: Int
        public var weight: Double
        public var samples: Int
        public var bytes: Int
    }

    public let folder: String
    public let entries: [Entry]

    /// Nil when the run kept no history.
    public init?(run folder: String) throws(RunError) {
        let path = folder + "/history/index.jsonl"
        guard access(path, F_OK) == 0 else { return nil }
        let text: String
        do { text = String(decoding: try FileIO.read(path), as: UTF8.self) } catch { throw RunError(error.description) }
        var entries: [Entry] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            do { entries.append(try FederatedRun.decoder().decode(Entry.self, from: Data(line.utf8))) } catch {
                throw RunError("\(path):\(number + 1): not a history entry (\(error))")
            }
        }
        self.folder = folder
        self.entries = entries
    }

    /// Bytes of all kept updates.
    public var bytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    /// The update Δ of `entry`.
    public func delta(_ entry: Entry) throws(RunError) -> [Float] {
        let path = folder + "/" + entry.file
        do {
            guard case .f32(let values)? = try Safetensors.decodeArrays(try FileIO.read(path)).arrays["delta"] else {
                throw RunError("\(path): no F32 array 'delta'")
            }
            return values
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError("\(path): \(error)")
        }
    }
}

/// Whether forgetting held after the model was served: the resurfacing rate
/// RR = max(0, a_H − a_0)/max(ε, a_O − a_0) and its peak over the continuation (a_0 at serving, a_H at
/// the end, a_O the original model's), on forget-set accuracy and, with a backdoor, on its success.
///
/// On the backdoor, RR divides by what the erasure removed, a_O − a_0: where that is small the ratio
/// explodes on a point of noise, and where nothing was removed it reads 0, "nothing came back", about an
/// erasure that did nothing. So RR and its peak are given only where the erasure removed at least
/// `minimumErased` (0.2) of backdoor success, and are nil ("n/a: too little erased") otherwise; the
/// absolute peak of backdoor success from serving to the end is given always.
public struct Persistence: Sendable, Codable, Equatable {
    public static let minimumErased = 0.2
    public var resurfacingForget: Double
    public var peakForget: Double?
    public var resurfacingBackdoor: Double?
    public var peakBackdoor: Double?
    /// a_O − a_0 on backdoor success: what the erasure removed by the time it was served.
    public var backdoorErased: Double?
    /// The highest backdoor success from serving to the end of the continuation.
    public var peakBackdoorSuccess: Double?

    init?(_ result: MethodResult, original: TimelinePoint) {
        let curve = result.timeline.filter { $0.virtualTime >= result.servedAt }
        guard let first = curve.first, let last = curve.last else { return nil }
        resurfacingForget = ForgettingMetrics.resurfacingRate(original: original.forgetAccuracy, start: first.forgetAccuracy, end: last.forgetAccuracy)
        peakForget = ForgettingMetrics.peakResurfacing(curve: curve.map(\.forgetAccuracy), original: original.forgetAccuracy)
        if let success = original.backdoorSuccess, let start = first.backdoorSuccess, let end = last.backdoorSuccess {
            let successes = curve.compactMap(\.backdoorSuccess)
            backdoorErased = success - start
            peakBackdoorSuccess = successes.max()
            if success - start >= Self.minimumErased {
                resurfacingBackdoor = ForgettingMetrics.resurfacingRate(original: success, start: start, end: end)
                peakBackdoor = ForgettingMetrics.peakResurfacing(curve: successes, original: success)
            }
        }
    }
}

/// How far a method's final model is from the retrained one: mean KL(p_retrain ‖ p_method) on the
/// forget and test sets, and ‖w − w_retrain‖ (a weak figure on its own: retraining is seed-dependent).
public struct DistanceToRetrain: Sendable, Codable, Equatable {
    public var klForget: Double?
    public var klTest: Double?
    public var weightDistance: Double
}
