import Foundation
import Testing

/// What `medsilo evaluate` writes about RMIA offline, checked on an evaluation folder: a `rmia_offline` row
/// with an AUC in [0, 1] for every model and a column in every per-sample scores file; evaluation.json's
/// `rmia` set-up (the default a with fewer than four shadows, a calibrated one on the grid with four or
/// more); and population samples z — the shadow file's `unseen` samples — that are neither audited members
/// nor audited non-members (the scores files' rows, which are the shadows' population).
enum EvaluateRMIAChecks {
    /// The string metadata of a safetensors file: its header is 8 bytes of little-endian length, then JSON.
    static func safetensorsMetadata(_ path: String) throws -> [String: String] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(bytes.count >= 8)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try #require(bytes.count >= 8 + length)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as? [String: Any]
        return try #require(header?["__metadata__"] as? [String: String])
    }

    static func ids(_ text: String?) -> [Int] {
        (text ?? "").split(separator: ",").compactMap { Int($0) }
    }

    /// Checks the evaluation folder `folder`, made with `shadows` shadow models; returns its `rmia` set-up.
    @discardableResult
    static func check(_ folder: String, shadows: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let evaluation = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/evaluation.json"))) as? [String: Any] ?? [:]
        let models = evaluation["models"] as? [[String: Any]] ?? []
        #expect(!models.isEmpty, sourceLocation: sourceLocation)
        for model in models {
            let rmia = (model["attacks"] as? [[String: Any]] ?? []).first { $0["attack"] as? String == "rmia_offline" }
            let auc = rmia?["auc"] as? Double ?? .nan
            #expect((0...1).contains(auc), "\(model["label"]!): rmia_offline AUC \(auc)", sourceLocation: sourceLocation)
        }
        let setup = try #require(evaluation["rmia"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(setup["populationSource"] as? String == "global-test" && setup["referenceModels"] as? Int == shadows, sourceLocation: sourceLocation)
        let a = setup["offlineA"] as? Double ?? .nan
        if shadows >= 4 {
            #expect(setup["offlineACalibrated"] as? Bool == true, sourceLocation: sourceLocation)
            #expect((0...10).map { Double($0) / 10 }.contains(a), "a = \(a) is on the calibration grid", sourceLocation: sourceLocation)
            #expect((0...1).contains(setup["calibrationAUC"] as? Double ?? .nan), sourceLocation: sourceLocation)
        } else {
            #expect(setup["offlineACalibrated"] as? Bool == false && a == 0.3 && setup["calibrationAUC"] == nil, sourceLocation: sourceLocation)
        }

        // z: the shadows' unseen samples, as many as evaluation.json says, outside the audited samples.
        let metadata = try safetensorsMetadata(folder + "/shadows.safetensors")
        let z = ids(metadata["unseen"]), population = ids(metadata["population"])
        #expect(!z.isEmpty && z.count == setup["populationSamples"] as? Int && Set(z).count == z.count, sourceLocation: sourceLocation)
        for model in models {
            let label = model["label"] as? String ?? ""
            let rows = try String(contentsOfFile: folder + "/scores/\(label).csv", encoding: .utf8).split(separator: "\n")
            let columns = rows.first?.split(separator: ",").map(String.init) ?? []
            let member = columns.firstIndex(of: "member") ?? 0
            #expect(columns.contains("rmia_offline"), "\(label): \(columns)", sourceLocation: sourceLocation)
            let audited = rows.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let members = audited.filter { ["1", "true"].contains($0[member]) }.compactMap { Int($0[0]) }
            let nonMembers = audited.filter { ["0", "false"].contains($0[member]) }.compactMap { Int($0[0]) }
            #expect(!members.isEmpty && !nonMembers.isEmpty && members.count + nonMembers.count == audited.count, sourceLocation: sourceLocation)
            #expect(Set(members + nonMembers) == Set(population), "the audited samples are the shadows' population", sourceLocation: sourceLocation)
            #expect(Set(z).isDisjoint(with: members) && Set(z).isDisjoint(with: nonMembers), "z is not audited", sourceLocation: sourceLocation)
        }
        return setup
    }
}
