import Datasets

/// Natural id: hospitals follow the store's sites (InstitutionName or Manufacturer, a CSV site column,
/// HAM10000's `dataset`). With one site per hospital, hospital h is site h. Grouped (the modes of
/// flwr-datasets' GroupedNaturalIdPartitioner): sites in index order are taken `sitesPerHospital` at a
/// time, and when the sites do not divide evenly the remainder is
/// - `allowSmaller`: a last, smaller hospital;
/// - `allowBigger`: added to the last hospital;
/// - `drop`: dropped (the plan lists its samples and why);
/// - `strict`: refused.
/// Samples without a site are dropped with that reason. The number of hospitals follows from the sites.
public struct NaturalPartitioner: Partitioner {
    public enum Remainder: String, Sendable, CaseIterable {
        case allowSmaller = "allow-smaller"
        case allowBigger = "allow-bigger"
        case drop, strict
    }

    public var sitesPerHospital: Int
    public var remainder: Remainder

    public var scheme: String { sitesPerHospital == 1 ? "natural" : "grouped-natural" }
    public var parameters: [String: String] {
        sitesPerHospital == 1 ? [:] : ["sitesPerHospital": String(sitesPerHospital), "remainder": remainder.rawValue]
    }

    public init(sitesPerHospital: Int = 1, remainder: Remainder = .allowSmaller) {
        self.sitesPerHospital = sitesPerHospital
        self.remainder = remainder
    }

    /// The sites of each hospital, in site-index order.
    func groups(siteCount: Int) throws(PartitionError) -> (hospitals: [[Int]], droppedSites: [Int]) {
        guard siteCount > 0 else { throw PartitionError("\(scheme): the store has no sites (ingest with a site column or --site-from)") }
        let g = sitesPerHospital
        guard g >= 1, g <= siteCount else {
            throw PartitionError("\(scheme): \(g) sites per hospital, but the store has \(siteCount) sites (choose 1…\(siteCount))")
        }
        let whole = siteCount / g, left = siteCount % g
        var hospitals = (0..<whole).map { Array($0 * g..<($0 + 1) * g) }
        let rest = Array(whole * g..<siteCount)
        var droppedSites: [Int] = []
        if !rest.isEmpty {
            switch remainder {
            case .allowSmaller: hospitals.append(rest)
            case .allowBigger: hospitals[hospitals.count - 1] += rest
            case .drop: droppedSites = rest
            case .strict:
                throw PartitionError(
                    "\(scheme): \(siteCount) sites do not divide into groups of \(g) (\(left) left over); choose a divisor of \(siteCount) or another --remainder")
            }
        }
        return (hospitals, droppedSites)
    }

    public func hospitalCount(for input: PartitionInput) throws(PartitionError) -> Int? {
        try groups(siteCount: input.siteCount).hospitals.count
    }

    public func assign(_ input: PartitionInput, hospitals: Int, generator: inout SeededGenerator) throws(PartitionError) -> Assignment {
        let (groups, droppedSites) = try groups(siteCount: input.siteCount)
        guard hospitals == groups.count else {
            throw PartitionError(
                "\(scheme): the store's \(input.siteCount) sites make \(groups.count) hospitals\(sitesPerHospital > 1 ? " of \(sitesPerHospital) sites" : ""), so --hospitals must be \(groups.count) (or left out)")
        }
        var hospitalOfSite = [Int?](repeating: nil, count: input.siteCount)
        for (h, sites) in groups.enumerated() { for site in sites { hospitalOfSite[site] = h } }
        var result = [[Int]](repeating: [], count: hospitals)
        var dropped: [Assignment.Dropped] = []
        for (u, unit) in input.units.enumerated() {
            guard let site = unit.site, site >= 0, site < input.siteCount else {
                dropped.append(.init(unit: u, reason: "\(scheme): no site recorded"))
                continue
            }
            guard let h = hospitalOfSite[site] else {
                precondition(droppedSites.contains(site))
                dropped.append(.init(unit: u, reason: "\(scheme): site \(site) is in the remainder of groups of \(sitesPerHospital) (remainder drop)"))
                continue
            }
            result[h].append(u)
        }
        return Assignment(result, dropped: dropped)
    }
}
