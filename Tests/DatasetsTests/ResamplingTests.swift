import Testing

@testable import Datasets

@Suite struct ResamplingTests {
    @Test func areaHalvingAveragesEachTwoByTwoBlock() {
        // 4×4 → 2×2: each output is the mean of its block.
        let source: [Float] = [
            0, 2, 4, 6,
            2, 4, 6, 8,
            10, 10, 20, 20,
            10, 10, 20, 30,
        ]
        let out = Resampling.resize(source, height: 4, width: 4, channels: 1, outHeight: 2, outWidth: 2, method: .area)
        #expect(out == [2, 6, 10, 22.5])
    }

    @Test func areaWithFractionalCoverageWeighsByOverlap() {
        // 3 → 2: output 0 covers [0, 1.5): 2/3·x0 + 1/3·x1; output 1 covers [1.5, 3): 1/3·x1 + 2/3·x2.
        let out = Resampling.resize([3, 6, 9], height: 1, width: 3, channels: 1, outHeight: 1, outWidth: 2, method: .area)
        #expect(abs(out[0] - 4) < 1e-5)
        #expect(abs(out[1] - 8) < 1e-5)
    }

    @Test func bilinearUsesHalfPixelCentres() {
        // 2 → 4: x = (j + ½)/2 − ½ = −0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
        let out = Resampling.resize([0, 8], height: 1, width: 2, channels: 1, outHeight: 1, outWidth: 4, method: .bilinear)
        #expect(out == [0, 2, 6, 8])
    }

    @Test(arguments: [PreprocessSettings.Resize.area, .bilinear, .auto])
    func aConstantImageStaysConstantAndChannelsStaySeparate(method: PreprocessSettings.Resize) {
        var source: [Float] = []
        for _ in 0..<(7 * 5) { source += [0.25, 0.5, 1] }
        for (outH, outW) in [(3, 2), (10, 9), (7, 5)] {
            let out = Resampling.resize(source, height: 7, width: 5, channels: 3, outHeight: outH, outWidth: outW, method: method)
            #expect(out.count == outH * outW * 3)
            for p in 0..<(outH * outW) {
                #expect(abs(out[3 * p] - 0.25) < 1e-6 && abs(out[3 * p + 1] - 0.5) < 1e-6 && abs(out[3 * p + 2] - 1) < 1e-6)
            }
        }
    }

    @Test func areaShrinkingPreservesTheMean() {
        var generator = SeededGenerator(seed: 7)
        let source = (0..<(30 * 30)).map { _ in Float(generator.nextUnit()) }
        let out = Resampling.resize(source, height: 30, width: 30, channels: 1, outHeight: 7, outWidth: 7, method: .area)
        let meanIn = source.reduce(0, +) / Float(source.count)
        let meanOut = out.reduce(0, +) / Float(out.count)
        #expect(abs(meanIn - meanOut) < 1e-4)
    }
}

@Suite struct ResamplingBytesTests {
    @Test(arguments: [(37, 53, 3, 4, 8), (64, 64, 4, 3, 16), (9, 7, 1, 1, 20)])
    func bytesAndFloatsResampleAlike(height: Int, width: Int, samples: Int, channels: Int, size: Int) {
        var generator = SeededGenerator(seed: UInt64(height * width))
        let bytes = (0..<(height * width * samples)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let floats = bytes.map(Float.init)
        let rows = Resampling.taps(input: height, output: size, method: .auto)
        let columns = Resampling.taps(input: width, output: size, method: .auto)
        var scratch = [Float](repeating: 0, count: size * width * samples)
        var a = [Float](repeating: 0, count: size * size * channels)
        var b = a
        bytes.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { mid in
                a.withUnsafeMutableBufferPointer { out in
                    Resampling.resize(bytes: source, height: height, width: width, samples: samples, channels: channels, rowTaps: rows, columnTaps: columns, scratch: mid, into: out)
                }
            }
        }
        floats.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { mid in
                b.withUnsafeMutableBufferPointer { out in
                    Resampling.resize(source, height: height, width: width, samples: samples, channels: channels, rowTaps: rows, columnTaps: columns, scratch: mid, into: out)
                }
            }
        }
        #expect(a == b)
        // And against a direct double-precision sum of the separable weights.
        for y in [0, size - 1] {
            for x in [0, size / 2] {
                for c in 0..<channels {
                    var expected = 0.0
                    for ky in 0..<rows.span {
                        for kx in 0..<columns.span {
                            let w = Double(rows.weights[y * rows.span + ky]) * Double(columns.weights[x * columns.span + kx])
                            expected += w * Double(bytes[((rows.first[y] + ky) * width + columns.first[x] + kx) * samples + c])
                        }
                    }
                    #expect(abs(Double(a[(y * size + x) * channels + c]) - expected) < 1e-3)
                }
            }
        }
    }
}
