import Testing
@testable import SyntheticSuite
