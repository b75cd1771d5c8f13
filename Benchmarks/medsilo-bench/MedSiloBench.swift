import ArgumentParser
import DecodeBaselines
import Dispatch
import FoundationEssentials
import Imaging

/// `medsilo-bench`: throughput figures a script can compare across commits. Not part of the tests.
@main
struct MedSiloBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medsilo-bench",
        abstract: "Benchmarks printing figures (the last line is JSON with --json).",
        subcommands: [DecodeBenchmark.self, IngestBenchmark.self, PartitionBenchmark.self, EngineBenchmark.self, FederationBenchmark.self, BLASBenchmark.self]
    )
}

/// Images/s decoding 512×512 files from memory to Float32, MedSilo's Swift path next to bare C calls of
/// the same libraries on the same bytes, on one thread and on all cores.
struct DecodeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode")

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 1.0

    @Option(help: "Image side in pixels.")
    var size: Int = 512

    @Option(help: "Threads for the all-cores figures (default: all cores).")
    var threads: Int = systemCores()

    @Option(help: "Repetitions; the best rate of each is kept (noise on a shared machine only lowers rates).")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Case {
        var name: String
        var bytes: [UInt8]
        var baseline: (UnsafePointer<UInt8>, Int, UnsafeMutablePointer<Float>, Int) -> Int32
    }

    struct Result: Encodable {
        var name: String
        var bytes: Int
        var swiftOneThread: Double
        var cOneThread: Double
        var swiftAllCores: Double
        var cAllCores: Double
        /// C images/s ÷ Swift images/s on one thread (1.0 = parity; the target is ≤ 1.2).
        var slowdownOneThread: Double
        /// Swift all-cores images/s ÷ Swift one-thread images/s.
        var scaling: Double
    }

    func run() throws {
        let cases = try makeCases()
        var results: [Result] = []
        if !json {
            print("decode \(size)×\(size) from memory to Float32, best of \(repeats) × \(seconds) s, \(threads) threads")
            print(pad("case", 18) + pad("Swift 1t", 11) + pad("C 1t", 11) + pad("ratio", 8) + pad("Swift \(threads)t", 11)
                + pad("C \(threads)t", 11) + "scaling")
        }
        for item in cases {
            let count = try ImageReader(bytes: item.bytes).info.decodedFrameCount
            let swift: (UnsafeMutablePointer<Float>) -> Bool = { out in
                guard let reader = try? ImageReader(bytes: item.bytes) else { return false }
                return (try? reader.decodeFrame(0, into: UnsafeMutableBufferPointer(start: out, count: count))) != nil
            }
            let c: (UnsafeMutablePointer<Float>) -> Bool = { out in
                item.bytes.withUnsafeBufferPointer { item.baseline($0.baseAddress!, $0.count, out, count) == 0 }
            }
            try verifySameOutput(item.name, count: count, swift, c)
            let s1 = best { rate(threads: 1, count: count, swift) }
            let c1 = best { rate(threads: 1, count: count, c) }
            let sN = best { rate(threads: threads, count: count, swift) }
            let cN = best { rate(threads: threads, count: count, c) }
            let result = Result(
                name: item.name, bytes: item.bytes.count, swiftOneThread: s1, cOneThread: c1, swiftAllCores: sN,
                cAllCores: cN, slowdownOneThread: c1 / s1, scaling: sN / s1)
            results.append(result)
            if !json {
                print(pad(item.name, 18) + pad(fmt(s1), 11) + pad(fmt(c1), 11) + pad(fmt(c1 / s1, 2), 8)
                    + pad(fmt(sN), 11) + pad(fmt(cN), 11) + fmt(sN / s1, 2))
            }
        }
        if json {
            struct Report: Encodable {
                var benchmark = "decode"
                var unit = "images/s"
                var size: Int
                var threads: Int
                var secondsPerMeasurement: Double
                var results: [Result]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = Report(size: size, threads: threads, secondsPerMeasurement: seconds, results: results)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }

    private func makeCases() throws -> [Case] {
        let hu = SampleImages.ctPhantom(size: size)
        let stored = hu.map { UInt16($0 + 1024) }
        let ct = DICOMImage(
            rows: size, columns: size, bitsAllocated: 16, bitsStored: 12, pixelData: DICOMImage.bytes(stored),
            sopInstanceUID: DICOMUID.derived(from: "bench"), sopClassUID: DICOMUID.ctImage,
            attributes: [.rescaleIntercept: "-1024", .rescaleSlope: "1", .modality: "CT"])
        var cases: [Case] = []
        let scratch = "/tmp/medsilo-bench-\(getpid())"
        try FileIO.createDirectory(scratch)
        defer { for file in (try? FileIO.listFiles(in: scratch, recursive: false)) ?? [] { FileIO.discard(file) }; rmdir(scratch) }
        let encodings: [(String, DICOMEncoding)] = [
            ("ct-raw", .explicitLittleEndian), ("ct-jpeg-lossless", .jpegLosslessSV1), ("ct-jpeg-ls", .jpegLSLossless),
            ("ct-rle", .rle), ("ct-j2k", .jpeg2000Lossless),
        ]
        for (name, encoding) in encodings {
            let path = "\(scratch)/\(name).dcm"
            try DICOMWriter.write(ct, to: path, encoding: encoding)
            cases.append(Case(name: name, bytes: try FileIO.read(path), baseline: { baseline_dicom($0, $1, $2, $3) }))
        }
        let gray8 = hu.map { UInt8(clamping: (Int($0) + 1000) / 8) }
        let rgb = SampleImages.colorPhantom(size: size)
        cases.append(Case(name: "png-8bit", bytes: try PNGWriter.encode(gray8, width: size, height: size, channels: 1),
                          baseline: { baseline_png($0, $1, $2, $3) }))
        cases.append(Case(name: "png-16bit", bytes: try PNGWriter.encode(stored.map { $0 << 4 }, width: size, height: size, channels: 1),
                          baseline: { baseline_png($0, $1, $2, $3) }))
        cases.append(Case(name: "jpeg-rgb", bytes: try JPEGWriter.encode(rgb, width: size, height: size, channels: 3, quality: 90),
                          baseline: { baseline_jpeg($0, $1, $2, $3) }))
        return cases
    }

    /// Both paths must produce the same values, or the comparison means nothing.
    private func verifySameOutput(
        _ name: String, count: Int, _ a: (UnsafeMutablePointer<Float>) -> Bool, _ b: (UnsafeMutablePointer<Float>) -> Bool
    ) throws {
        var x = [Float](repeating: 0, count: count), y = [Float](repeating: 1, count: count)
        let okA = x.withUnsafeMutableBufferPointer { a($0.baseAddress!) }
        let okB = y.withUnsafeMutableBufferPointer { b($0.baseAddress!) }
        guard okA, okB, x == y else { throw ValidationError("\(name): Swift and C outputs differ") }
    }

    private func best(_ measure: () -> Double) -> Double {
        (0..<max(repeats, 1)).map { _ in measure() }.max() ?? 0
    }

    /// Images per second over `seconds`, with `threads` threads each decoding into its own buffer.
    private func rate(threads: Int, count: Int, _ decode: (UnsafeMutablePointer<Float>) -> Bool) -> Double {
        let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        totals.initialize(repeating: 0)
        defer { totals.deallocate() }
        nonisolated(unsafe) let slots = totals
        nonisolated(unsafe) let work = decode
        let duration = Duration.milliseconds(Int(seconds * 1000))
        let clock = ContinuousClock()
        let start = clock.now
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let out = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer { out.deallocate() }
            var done = 0
            while clock.now - start < duration {
                if work(out) { done += 1 }
            }
            slots[thread] = done
        }
        let elapsed = clock.now - start
        let seconds = elapsed.seconds
        return Double(totals.reduce(0, +)) / seconds
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func fmt(_ value: Double, _ decimals: Int = 0) -> String {
        let scale = Double([1, 10, 100, 1000][min(decimals, 3)])
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }
}

func systemCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

#if canImport(Glibc)
import Glibc
#endif
