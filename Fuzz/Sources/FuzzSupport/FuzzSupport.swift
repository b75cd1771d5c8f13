import FuzzDriver
import Imaging

/// Runs libFuzzer on MedSilo's decoder for `format`: inputs recognised as that format are opened and
/// fully decoded. Any crash, sanitizer report or hang is a bug; errors are the expected outcome.
public func runFuzzer(for format: ImageFormat) -> Never {
    runFuzzer { input in
        let bytes = Array(input)
        guard ImageFormat.detect(bytes) == format else { return -1 }
        // Smaller limits than the defaults keep the fuzzer within its memory limit.
        let options = DecodeOptions(maxFrameBytes: 64 << 20, maxImageBytes: 256 << 20)
        if let reader = try? ImageReader(bytes: bytes, name: "fuzz-input", options: options) {
            _ = try? reader.decodeAll()
        }
        return 0
    }
}
