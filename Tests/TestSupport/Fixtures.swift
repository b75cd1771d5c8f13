import Foundation
import Imaging

/// A temporary directory removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "medsilo-test") {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else { fatalError("mkdtemp failed for \(template)") }
        path = String(cString: made)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program and returns its exit status and output.
@discardableResult
public func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so that a full pipe cannot stall the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs a DCMTK command-line tool (from Debian's `dcmtk` package) and fails loudly when it does.
public func dcmtk(_ tool: String, _ arguments: [String]) throws {
    let result = try run(tool, arguments)
    guard result.status == 0 else {
        throw FixtureError("\(tool) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public func writeFile(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

public func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Reads a NumPy v1 `.npy` file holding `<f4` values in C order: its shape and values.
public func readNPY(_ path: String) throws -> (shape: [Int], values: [Float]) {
    let bytes = try readFile(path)
    guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8), bytes[6] == 1 else {
        throw FixtureError("not a version 1 .npy file")
    }
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    let header = String(decoding: bytes[10..<10 + headerLength], as: UTF8.self)
    guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
        let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
    else { throw FixtureError("unexpected .npy header: \(header)") }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
        Int($0.trimmingCharacters(in: .whitespaces))
    }
    let start = 10 + headerLength
    guard (start % 64) == 0 else { throw FixtureError(".npy data not aligned to 64 bytes") }
    let count = (bytes.count - start) / 4
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count {
        let b = start + 4 * i
        let bits = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
        values[i] = Float(bitPattern: bits)
    }
    return (shape, values)
}

/// The largest absolute difference between two equally long sequences.
public func maxAbsDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A small deterministic generator for test data (SplitMix64).
public struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}


/// Runs the `memory-probe` helper (a child process) and returns its exit status and the three numbers
/// it prints: bytes or values seen, non-zero pages or values, and its own peak resident memory in KiB —
/// a figure other tests running in this process cannot blur.
public func runMemoryProbe(_ arguments: [String]) throws -> (status: Int32, total: Int, nonZero: Int, peakKilobytes: Int) {
    let result = try run(memoryProbe, arguments)
    let numbers = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
    guard result.status == 0, numbers.count == 3 else {
        throw FixtureError("memory-probe \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
    }
    return (result.status, numbers[0], numbers[1], numbers[2])
}

/// The `memory-probe` test helper built next to the test bundle.
public let memoryProbe: String = {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return executable.deletingLastPathComponent().appendingPathComponent("memory-probe").path
}()

/// One lock for tests whose outcome depends on the process-wide matrix-multiply thread count (which
/// changes the summation order, hence the bits): those that set it and those that compare results bit
/// for bit hold it, so tests running in parallel cannot change the count under them.
private let engineThreadsLock = NSLock()

public func withEngineThreadsLocked<T>(_ body: () throws -> T) rethrows -> T {
    engineThreadsLock.lock()
    defer { engineThreadsLock.unlock() }
    return try body()
}
