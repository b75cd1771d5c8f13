import Testing
@testable import NPZ
