import Datasets

/// A given label distribution: a hospitals × classes matrix of weights (for instance the class counts a
/// consortium published per site, or a distribution drawn elsewhere), and each class's units are dealt
/// to the hospitals in proportion to that class's column — first `preassigned` units to every hospital
/// with a nonzero weight, the rest by weight with the largest remainders last. A class whose column is
/// all zero, and units without a class, are dropped with the reason.
///
/// flwr-datasets' DistributionPartitioner is a special case: its array of label buckets, placed by its
/// deterministic pathological assignment of labels to partitions, is a matrix with k nonzero classes per
/// row, and its `preassigned_num_samples_per_label` is `preassigned`.
public struct DistributionPartitioner: Partitioner {
    /// weights[h][c] ≥ 0.
    public var weights: [[Double]]
    public var preassigned: Int
    /// Where the matrix came from, for the plan.
    public var source: String

    public var scheme: String { "distribution" }
    public var parameters: [String: String] { ["matrix": source, "preassigned": String(preassigned)] }

    public init(weights: [[Double]], preassigned: Int = 0, source: String = "given") {
        self.weights = weights
        self.preassigned = preassigned
        self.source = source
    }

    public func hospitalCount(for input: PartitionInput) throws(PartitionError) -> Int? { weights.count }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        guard weights.count == hospitals else {
            throw PartitionError("distribution: the matrix has \(weights.count) rows (hospitals), so --hospitals must be \(weights.count) (or left out)")
        }
        guard weights.allSatisfy({ $0.count == input.classCount }) else {
            throw PartitionError("distribution: every row of the matrix needs \(input.classCount) weights, one per class of the store")
        }
        guard weights.allSatisfy({ $0.allSatisfy { $0 >= 0 && $0.isFinite } }) else {
            throw PartitionError("distribution: matrix weights must be finite and not negative")
        }
        guard preassigned >= 0 else { throw PartitionError("distribution: --preassigned must not be negative") }
        var byClass = [[Int]](repeating: [], count: input.classCount)
        var dropped: [Assignment.Dropped] = []
        for (u, unit) in input.units.enumerated() {
            if unit.label >= 0 && unit.label < input.classCount {
                byClass[unit.label].append(u)
            } else {
                dropped.append(.init(unit: u, reason: "distribution: no class"))
            }
        }
        var result = [[Int]](repeating: [], count: hospitals)
        for c in 0..<input.classCount where !byClass[c].isEmpty {
            let column = (0..<hospitals).map { weights[$0][c] }
            let holders = column.indices.filter { column[$0] > 0 }
            var units = byClass[c]
            guard !holders.isEmpty else {
                dropped += units.map { .init(unit: $0, reason: "distribution: class \(c) has weight 0 at every hospital") }
                continue
            }
            guard preassigned * holders.count <= units.count else {
                throw PartitionError(
                    "distribution: class \(c) has \(units.count) units, too few to preassign \(preassigned) to each of its \(holders.count) hospitals (lower --preassigned)")
            }
            seededShuffle(&units, &generator)
            let counts = apportion(units.count, weights: column, minimum: column.map { $0 > 0 ? preassigned : 0 })
            var start = 0
            for h in 0..<hospitals where counts[h] > 0 {
                result[h] += units[start..<start + counts[h]]
                start += counts[h]
            }
        }
        return Assignment(result, dropped: dropped)
    }

    /// Reads a matrix CSV: a header of class names (the store's, in any order; classes not named get
    /// weight 0), optionally a first column named `hospital` with row labels, and one row of weights per
    /// hospital.
    public static func matrix(csv path: String, classes: [String]) throws(PartitionError) -> [[Double]] {
        let table: CSVTable
        do { table = try CSVTable(path: path) } catch { throw PartitionError(error.description) }
        if let bad = table.badRows.first { throw PartitionError("\(path):\(bad.line): \(bad.reason)") }
        var columnOfClass = [Int?](repeating: nil, count: classes.count)
        for (position, name) in table.header.enumerated() {
            if position == 0, name.lowercased() == "hospital" { continue }
            guard let c = classes.firstIndex(of: name) else {
                throw PartitionError("\(path): column '\(name)' is not a class of the store (classes: \(classes.joined(separator: ", ")))")
            }
            columnOfClass[c] = position
        }
        guard !table.rows.isEmpty else { throw PartitionError("\(path): no rows (one per hospital)") }
        var matrix: [[Double]] = []
        for row in table.rows {
            var weights = [Double](repeating: 0, count: classes.count)
            for c in classes.indices {
                guard let position = columnOfClass[c] else { continue }
                let field = row.fields[position].trimmingSpaces
                guard let value = Double(field.isEmpty ? "0" : field), value >= 0, value.isFinite else {
                    throw PartitionError("\(path):\(row.line): '\(field)' under \(classes[c]) is not a weight (a number ≥ 0)")
                }
                weights[c] = value
            }
            matrix.append(weights)
        }
        return matrix
    }
}
