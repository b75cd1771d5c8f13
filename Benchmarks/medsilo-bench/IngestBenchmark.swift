import ArgumentParser
import Datasets
import Dispatch
import FoundationEssentials
import Imaging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Images/s ingesting a folder of 512×512 RGB JPEGs into a 64×64 store, next to the decode-only rate
/// (read + decode to Float32, nothing else) over the same files in the same run, both on all cores,
/// and the ingest's peak resident memory at two dataset sizes (a quarter and all of the files).
struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest")

    @Option(help: "Number of JPEG files.")
    var images: Int = 10_000

    @Option(help: "Side of the JPEG files in pixels.")
    var size: Int = 512

    @Option(help: "Side of the stored tensors.")
    var storeSize: Int = 64

    @Option(help: "Working folder (the JPEGs are generated once and reused).")
    var work: String = "/tmp/medsilo-bench-ingest"

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Report: Encodable {
        var images: Int
        var size: Int
        var storeSize: Int
        var cores: Int
        var decodeOnlyPerSecond: Double
        var ingestPerSecond: Double
        /// Ingest images/s ÷ decode-only images/s (the target is ≥ 0.8).
        var ratio: Double
        var ingestSeconds: Double
        var peakResidentMiBQuarter: Double
        var peakResidentMiBAll: Double
        var storeMiB: Double
    }

    func run() throws {
        let source = work + "/jpeg-\(size)"
        let files = try generate(into: source)
        if !json { print("ingest \(images) JPEG \(size)×\(size) → \(storeSize)×\(storeSize)×3 store, \(systemCores()) cores") }

        let decodeRate = decodeOnly(files)
        if !json { print("decode only   \(Int(decodeRate)) images/s") }

        // Peak memory: a quarter of the files, then all (the high-water mark is reset before each).
        let quarter = try ingest(source: source, limit: images / 4, store: work + "/store-quarter")
        let all = try ingest(source: source, limit: images, store: work + "/store-all")
        let storeBytes = fileSize(work + "/store-all/images.bin")
        let report = Report(
            images: images, size: size, storeSize: storeSize, cores: systemCores(), decodeOnlyPerSecond: decodeRate,
            ingestPerSecond: all.rate, ratio: all.rate / decodeRate, ingestSeconds: all.seconds,
            peakResidentMiBQuarter: quarter.peakMiB, peakResidentMiBAll: all.peakMiB,
            storeMiB: Double(storeBytes) / 1_048_576)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("ingest        \(Int(all.rate)) images/s (\(fmt(all.seconds, 1)) s from start to finished store)")
            print("ratio         \(fmt(report.ratio, 2)) (target ≥ 0.8)")
            print("peak RSS      \(fmt(quarter.peakMiB, 1)) MiB for \(images / 4) images, \(fmt(all.peakMiB, 1)) MiB for \(images)")
        }
    }

    /// Writes `images` distinct JPEGs (smooth structure + seeded texture) unless they are already there.
    private func generate(into folder: String) throws -> [String] {
        let files = (0..<images).map { "\(folder)/cls\($0 % 4)/img\($0).jpg" }
        if files.allSatisfy({ fileSize($0) > 0 }) { return files }
        for k in 0..<4 { try FileIO.createDirectory("\(folder)/cls\(k)") }
        let side = size
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 1)
        failures[0] = 0
        defer { failures.deallocate() }
        nonisolated(unsafe) let failed = failures
        DispatchQueue.concurrentPerform(iterations: images) { index in
            var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
            func noise() -> Int {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return Int(state % 24)
            }
            let cx = Double(index % 97) / 97 * Double(side), cy = Double(index % 89) / 89 * Double(side)
            var pixels = [UInt8](repeating: 0, count: side * side * 3)
            for y in 0..<side {
                for x in 0..<side {
                    let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                    let base = Int(128 + 100 * cos(d / Double(8 + index % 13)))
                    let p = (y * side + x) * 3
                    pixels[p] = UInt8(clamping: base + noise())
                    pixels[p + 1] = UInt8(clamping: (base * 3) / 4 + noise())
                    pixels[p + 2] = UInt8(clamping: 255 - base + noise())
                }
            }
            do {
                let jpeg = try JPEGWriter.encode(pixels, width: side, height: side, channels: 3, quality: 90)
                try FileIO.writeAtomically(jpeg, to: files[index])
            } catch {
                failed[0] += 1
            }
        }
        guard failures[0] == 0 else { throw ValidationError("could not write the benchmark JPEGs into \(folder)") }
        return files
    }

    /// Images/s reading and decoding every file to Float32 on all cores, each core taking the next file
    /// and decoding into its own reused buffer (the cheapest way to call the decoder).
    private func decodeOnly(_ files: [String]) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        nonisolated(unsafe) let paths = files
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: systemCores()) { _ in
            var buffer: [Float] = []
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= paths.count { break }
                guard let bytes = try? FileIO.read(paths[index]), let reader = try? ImageReader(bytes: bytes) else { continue }
                let count = reader.info.decodedFrameCount
                if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
                buffer.withUnsafeMutableBufferPointer { out in
                    _ = try? reader.decodeFrame(0, into: UnsafeMutableBufferPointer(rebasing: out[0..<count]))
                }
            }
        }
        return Double(files.count) / (clock.now - start).seconds
    }

    private func ingest(source: String, limit: Int, store: String) throws -> (rate: Double, seconds: Double, peakMiB: Double) {
        var manifest = try LayoutSelection.manifest(source: source, kind: .imagefolder, options: LayoutOptions())
        manifest.samples = Array(manifest.samples.prefix(limit))
        let options = IngestOptions(
            preprocessing: PreprocessSettings(size: storeSize, channels: 3), seed: 0, force: true)
        resetPeakResident()
        let report = try Ingest.run(manifest, to: store, options: options)
        // The whole ingest counts: fingerprint, decode, writing and flushing the store, finishing it.
        if !json {
            let phases = report.phaseSeconds.sorted { $0.key < $1.key }.map { "\($0.key) \(fmt($0.value, 2)) s" }
            print("  \(limit) images: \(fmt(report.seconds, 2)) s (\(phases.joined(separator: ", ")))")
        }
        return (Double(report.samples) / report.seconds, report.seconds, Double(peakResidentKilobytes()) / 1024)
    }

    private func fmt(_ value: Double, _ decimals: Int) -> String {
        let scale = decimals == 2 ? 100.0 : 10.0
        return String((value * scale).rounded() / scale)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Resets the kernel's peak-resident-memory mark of this process (Linux: write 5 to clear_refs).
func resetPeakResident() {
    let fd = open("/proc/self/clear_refs", O_WRONLY)
    guard fd >= 0 else { return }
    _ = write(fd, "5", 1)
    close(fd)
}

/// VmHWM (peak resident set) from /proc/self/status, in kilobytes.
func peakResidentKilobytes() -> Int {
    // /proc files report size 0, so read until end of file.
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

func fileSize(_ path: String) -> Int {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : 0
}
