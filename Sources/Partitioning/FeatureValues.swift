import Datasets

/// Numeric feature values per store sample, for the continuous feature-skew scheme. NaN marks a sample
/// without a value.
public enum FeatureValues {
    /// Statistics of a sample's stored pixel values (in [0, 1], all channels together).
    public enum ImageStatistic: String, Sendable, CaseIterable {
        /// The mean value: overall brightness (or density for CT).
        case intensity
        /// The standard deviation: contrast.
        case contrast
    }

    /// The statistic of every sample's pixels.
    public static func image(_ store: DatasetStore, _ statistic: ImageStatistic) -> [Double] {
        let n = store.valuesPerSample
        var buffer = [Float](repeating: 0, count: n)
        return (0..<store.count).map { index in
            buffer.withUnsafeMutableBufferPointer { store.pixels(index, into: $0) }
            var sum = 0.0, squares = 0.0
            for value in buffer {
                sum += Double(value)
                squares += Double(value) * Double(value)
            }
            let mean = sum / Double(max(n, 1))
            return statistic == .intensity ? mean : max(0, squares / Double(max(n, 1)) - mean * mean).squareRoot()
        }
    }

    /// The values of `column` in a CSV file whose rows name store samples by an `index` column (the
    /// store's sample index) or by a `sha256` column (the content hash listed in the store's
    /// samples.csv; every sample with that hash gets the value). Empty or non-numeric values are NaN;
    /// an index outside the store, an unknown hash or a sample given twice is an error naming the line.
    public static func csv(_ path: String, column: String, store: DatasetStore) throws(PartitionError) -> [Double] {
        let table: CSVTable
        do { table = try CSVTable(path: path) } catch { throw PartitionError(error.description) }
        let valueColumn: Int
        do { valueColumn = try table.requireColumn(column) } catch { throw PartitionError(error.description) }
        var samplesOfHash: [String: [Int]] = [:]
        let key: (column: Int, byIndex: Bool)
        if let index = table.column("index") {
            key = (index, true)
        } else if let hash = table.column("sha256") {
            key = (hash, false)
            let listing: CSVTable
            do { listing = try CSVTable(path: store.path + "/samples.csv") } catch { throw PartitionError(error.description) }
            guard let indexColumn = listing.column("index"), let hashColumn = listing.column("sha256") else {
                throw PartitionError("\(store.path)/samples.csv: no index and sha256 columns")
            }
            for row in listing.rows {
                if let index = Int(row.fields[indexColumn]) { samplesOfHash[row.fields[hashColumn].lowercased(), default: []].append(index) }
            }
        } else {
            throw PartitionError("\(path): needs an 'index' column (store sample index) or a 'sha256' column (as in the store's samples.csv)")
        }
        var values = [Double](repeating: .nan, count: store.count)
        var given = [Bool](repeating: false, count: store.count)
        for row in table.rows {
            let field = row.fields[key.column].trimmingSpaces
            let samples: [Int]
            if key.byIndex {
                guard let index = Int(field), index >= 0, index < store.count else {
                    throw PartitionError("\(path):\(row.line): index '\(field)' is not a sample of the store (0…\(store.count - 1))")
                }
                samples = [index]
            } else {
                guard let found = samplesOfHash[field.lowercased()] else {
                    throw PartitionError("\(path):\(row.line): sha256 '\(field.prefix(16))…' matches no sample of the store")
                }
                samples = found
            }
            let value = Double(row.fields[valueColumn].trimmingSpaces) ?? .nan
            for sample in samples {
                guard !given[sample] else { throw PartitionError("\(path):\(row.line): sample \(sample) is given a second time") }
                given[sample] = true
                values[sample] = value.isFinite ? value : .nan
            }
        }
        return values
    }
}
