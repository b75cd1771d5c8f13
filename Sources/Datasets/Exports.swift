/// The seeded generator is part of this module's API (splits, partitions take one), so users of
/// Datasets get it without a second import.
@_exported import Seeding
