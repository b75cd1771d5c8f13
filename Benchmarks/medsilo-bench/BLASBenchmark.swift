import ArgumentParser
import FoundationEssentials
import NeuralEngine

/// GFLOP/s of `GEMM.sgemm` at every GEMM shape a training step of cnn-small and cnn-large runs (batch 64,
/// K = 9 classes), on 1 and 2 threads, with the backend and kernel in use; the built-in fallback kernel
/// beside it on a few shapes; and the time all of a model's GEMMs take per step at those rates.
///
/// Where the shapes come from. Conv2d (Sources/NeuralEngine/Conv2d.swift) unfolds the whole batch with
/// im2col into X̂ [C·3·3, N·P·Q] (rows: input channel × kernel offset; columns: sample × output pixel;
/// padding 1 keeps P×Q = H×W) and runs, with O output channels:
///   forward      Ŷ [O, N·P·Q]    = W [O, C·9] · X̂               m = O,     n = N·P·Q, k = C·9
///   weight grad  ∂W [O, C·9]    += ∂Ŷ · X̂ᵀ                      m = O,     n = C·9,   k = N·P·Q  (B transposed)
///   input grad   ∂X̂ [C·9, N·P·Q] = Wᵀ · ∂Ŷ                      m = C·9,   n = N·P·Q, k = O    (A transposed)
/// and the first convolution skips the input gradient (nothing upstream needs it). Linear(in → out) on a
/// batch X [N, in], weights W [out, in]:
///   forward      Y [N, out]  = X · Wᵀ      m = N,   n = out, k = in   (B transposed)
///   weight grad  ∂W [out, in] += ∂Yᵀ · X   m = out, n = in,  k = N    (A transposed)
///   input grad   ∂X [N, in]  = ∂Y · W      m = N,   n = in,  k = out
/// With N = 64:
///   cnn-small (1×28×28): conv1 1→16 at 28×28 (N·P·Q = 50176, C·9 = 9); maxpool → conv2 16→32 at 14×14
///     (12544, 144); maxpool → fc1 32·7·7 = 1568 → 128; fc2 128 → 9.
///   cnn-large (3×64×64): conv1 3→16 at 64×64 (262144, 27); conv2 16→32 at 32×32 (65536, 144); conv3
///     32→64 at 16×16 (16384, 288); fc1 64·8·8 = 4096 → 128; fc2 128 → 9.
/// A per-sample im2col would run the same convolution GEMMs with N·P·Q replaced by P·Q, 64 times each.
struct BLASBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas", abstract: "GFLOP/s of sgemm at the GEMM shapes of cnn-small and cnn-large (batch 64).")

    @Option(help: "Thread counts, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 0.6

    @Option(help: "Windows per measurement; the best is kept (noise on a shared machine only lowers rates).")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object on the last line.")
    var json = false

    struct Shape: Encodable {
        var name: String
        /// "cnn-small", "cnn-large", or "both".
        var model: String
        var transA: Bool
        var transB: Bool
        var m: Int
        var n: Int
        var k: Int
        var forward: Bool
    }

    static let shapes: [Shape] = {
        func conv(_ model: String, _ layer: String, channels c: Int, out o: Int, pixels: Int, first: Bool) -> [Shape] {
            let columns = 64 * pixels, rows = c * 9
            var list = [
                Shape(name: "\(layer) forward", model: model, transA: false, transB: false, m: o, n: columns, k: rows, forward: true),
                Shape(name: "\(layer) ∂W", model: model, transA: false, transB: true, m: o, n: rows, k: columns, forward: false),
            ]
            if !first {
                list.append(Shape(name: "\(layer) ∂X", model: model, transA: true, transB: false, m: rows, n: columns, k: o, forward: false))
            }
            return list
        }
        func linear(_ model: String, _ layer: String, _ input: Int, _ output: Int) -> [Shape] {
            [
                Shape(name: "\(layer) forward", model: model, transA: false, transB: true, m: 64, n: output, k: input, forward: true),
                Shape(name: "\(layer) ∂W", model: model, transA: true, transB: false, m: output, n: input, k: 64, forward: false),
                Shape(name: "\(layer) ∂X", model: model, transA: false, transB: false, m: 64, n: input, k: output, forward: false),
            ]
        }
        return conv("cnn-small", "conv1", channels: 1, out: 16, pixels: 28 * 28, first: true)
            + conv("cnn-small", "conv2", channels: 16, out: 32, pixels: 14 * 14, first: false)
            + linear("cnn-small", "fc1", 32 * 7 * 7, 128)
            + conv("cnn-large", "conv1", channels: 3, out: 16, pixels: 64 * 64, first: true)
            + conv("cnn-large", "conv2", channels: 16, out: 32, pixels: 32 * 32, first: false)
            + conv("cnn-large", "conv3", channels: 32, out: 64, pixels: 16 * 16, first: false)
            + linear("cnn-large", "fc1", 64 * 8 * 8, 128)
            + linear("both", "fc2", 128, 9)
    }()

    /// Shapes also run on the fallback kernel, so the ratio is visible: a small and a large convolution,
    /// and a dense layer.
    static let fallbackShapes: Set<String> = ["cnn-small conv2 forward", "cnn-large conv3 forward", "cnn-large fc1 forward"]

    struct Result: Encodable {
        var shape: Shape
        var threads: Int
        var gflops: Double
        /// The built-in kernel at the same shape and threads, on the `fallbackShapes` only.
        var fallbackGflops: Double?
    }

    struct ModelTime: Encodable {
        var model: String
        var threads: Int
        /// Σ 2·m·n·k / rate over the model's shapes: the time its GEMMs take per training step of 64 samples.
        var trainMilliseconds: Double
        /// The same over the forward shapes: one inference step.
        var inferMilliseconds: Double
    }

    struct Report: Encodable {
        var benchmark = "blas"
        var unit = "GFLOP/s"
        var backend: GEMM.Backend
        var results: [Result]
        var models: [ModelTime]
    }

    func validate() throws {
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--threads: positive integers, comma-separated")
        }
        guard seconds > 0, repeats >= 1 else { throw ValidationError("--seconds must be positive and --repeats at least 1") }
    }

    private var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0) } }

    func run() throws {
        let report = measureAll(printing: !json)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("GEMM time per step of 64 samples at these rates:")
            for time in report.models {
                print(
                    "  \(pad(time.model, 10)) \(time.threads) thread\(time.threads == 1 ? " " : "s"): training "
                        + "\(formatted(time.trainMilliseconds, 2)) ms, inference \(formatted(time.inferMilliseconds, 2)) ms")
            }
        }
    }

    /// Every shape at every thread count (printing a table row per shape when asked).
    func measureAll(printing: Bool) -> Report {
        let previous = GEMM.threads
        defer { GEMM.setThreads(previous) }
        var results: [Result] = []
        var models: [ModelTime] = []
        let backend = GEMM.backend
        if printing {
            print("backend \(backend.name) \(backend.version), kernel \(backend.kernel) (\(backend.selection))")
            print("GFLOP/s, best of \(repeats) × \(seconds / Double(repeats)) s; batch 64")
            print(pad("shape", 26) + pad("m×n×k", 20) + pad("op", 6) + pad("threads", 9) + pad("GFLOP/s", 10) + "fallback")
        }
        for count in threadCounts {
            GEMM.setThreads(count)
            var rows: [Result] = []
            for shape in Self.shapes {
                let label = "\(shape.model) \(shape.name)"
                let rate = measure(shape) { ta, tb, m, n, k, a, lda, b, ldb, c, ldc in
                    GEMM.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
                }
                var fallback: Double?
                if Self.fallbackShapes.contains(label) {
                    fallback = measure(shape) { ta, tb, m, n, k, a, lda, b, ldb, c, ldc in
                        GEMM.fallback(
                            transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c,
                            ldc: ldc, threads: count)
                    }
                }
                rows.append(Result(shape: shape, threads: count, gflops: rate, fallbackGflops: fallback))
                if printing {
                    let op = (shape.transA ? "T" : "N") + (shape.transB ? "T" : "N")
                    print(
                        pad(label, 26) + pad("\(shape.m)×\(shape.n)×\(shape.k)", 20) + pad(op, 6) + pad("\(count)", 9)
                            + pad(formatted(rate, 1), 10)
                            + (fallback.map { "\(formatted($0, 1)) (\(formatted(rate / $0, 1))× slower)" } ?? ""))
                }
            }
            for model in ["cnn-small", "cnn-large"] {
                let own = rows.filter { $0.shape.model == model || $0.shape.model == "both" }
                let milliseconds = { (list: [Result]) in
                    list.reduce(0.0) { $0 + 2 * Double($1.shape.m * $1.shape.n * $1.shape.k) / ($1.gflops * 1e9) } * 1e3
                }
                models.append(
                    ModelTime(
                        model: model, threads: count, trainMilliseconds: milliseconds(own),
                        inferMilliseconds: milliseconds(own.filter(\.shape.forward))))
            }
            results += rows
        }
        return Report(backend: backend, results: results, models: models)
    }

    private typealias Multiply = (
        Bool, Bool, Int, Int, Int, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int
    ) -> Void

    /// Best GFLOP/s over `repeats` windows, operands stored without padding.
    private func measure(_ shape: Shape, _ multiply: Multiply) -> Double {
        let lda = shape.transA ? shape.m : shape.k, ldb = shape.transB ? shape.k : shape.n
        return (0..<repeats).map { _ in
            GEMM.throughput(m: shape.m, n: shape.n, k: shape.k, seconds: seconds / Double(repeats)) { a, b, c in
                multiply(shape.transA, shape.transB, shape.m, shape.n, shape.k, a, lda, b, ldb, c, shape.n)
            }
        }.max() ?? 0
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func formatted(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return String((value * scale).rounded() / scale)
    }
}
