import Datasets

/// Natural id: one hospital per site of the store (InstitutionName, a CSV site column, HAM10000's
/// `dataset`), in site-index order. Units without a site cannot be placed and make it fail.
public struct NaturalPartitioner: Partitioner {
    public var scheme: String { "natural" }
    public var parameters: [String: String] { [:] }

    public init() {}

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> [[Int]] {
        guard input.siteCount > 0 else { throw PartitionError("natural: the store has no sites (ingest with a site column or --site-from)") }
        guard hospitals == input.siteCount else {
            throw PartitionError("natural: the store has \(input.siteCount) sites, so --hospitals must be \(input.siteCount)")
        }
        var result = [[Int]](repeating: [], count: hospitals)
        for (u, unit) in input.units.enumerated() {
            guard let site = unit.site, site < hospitals else {
                throw PartitionError("natural: sample \(unit.samples.first ?? -1) has no site")
            }
            result[site].append(u)
        }
        return result
    }
}
