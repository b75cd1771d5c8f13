import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer on MedSilo's decoder for `format`: inputs recognised as that format are opened and
/// fully decoded. Any crash, sanitizer report or hang is a bug; errors are the expected outcome.
public func runFuzzer(for format: ImageFormat) -> Never {
    target = format
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in LLVMFuzzerTestOneInput(data, size) }))
}

nonisolated(unsafe) private var target: ImageFormat = .dicom

/// The entry point libFuzzer calls for each input (under this name too, for libFuzzer's own `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard ImageFormat.detect(bytes) == target else { return -1 }
    // Smaller limits than the defaults keep the fuzzer within its memory limit.
    let options = DecodeOptions(maxFrameBytes: 64 << 20, maxImageBytes: 256 << 20)
    if let reader = try? ImageReader(bytes: bytes, name: "fuzz-input", options: options) {
        _ = try? reader.decodeAll()
    }
    return 0
}

/// libFuzzer's driver (linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
