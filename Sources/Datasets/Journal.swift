/// The partial store's journal: one line per processed source sample, appended after its rows are written.
///
/// Line format (tab-separated): `index`, `ok` or `fail`, then for `ok` the row count, the frame indices
/// (comma-separated) and the content hash; for `fail` the reason (tabs and line breaks replaced by spaces).
/// Reading keeps the longest prefix of complete lines with consecutive indices from 0, so a line cut
/// short by a kill is simply redone.
enum Journal {
    struct Entry: Equatable {
        var index: Int
        var rows: Int
        var frames: [Int]
        var hash: String
        var failure: String?

        var line: String {
            if let failure {
                let clean = String(failure.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
                return "\(index)\tfail\t\(clean)\n"
            }
            return "\(index)\tok\t\(rows)\t\(frames.map(String.init).joined(separator: ","))\t\(hash)\n"
        }
    }

    static func read(_ path: String) -> [Entry] {
        guard let bytes = try? FileAccess.read(path) else { return [] }
        var entries: [Entry] = []
        let text = String(decoding: bytes, as: UTF8.self)
        // Only newline-terminated lines are complete.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, let index = Int(fields[0]), index == entries.count else { break }
            if fields[1] == "fail" {
                entries.append(Entry(index: index, rows: 0, frames: [], hash: "", failure: String(fields[2])))
            } else if fields[1] == "ok", fields.count == 5, let rows = Int(fields[2]), rows >= 0 {
                let frames = fields[3].split(separator: ",").compactMap { Int($0) }
                guard frames.count == rows, fields[4].count == 64 else { break }
                entries.append(Entry(index: index, rows: rows, frames: frames, hash: String(fields[4]), failure: nil))
            } else {
                break
            }
        }
        return entries
    }

    static func rewrite(_ entries: [Entry], to path: String) throws(DatasetError) {
        try FileAccess.writeAtomically(entries.map(\.line).joined(), to: path)
    }
}
