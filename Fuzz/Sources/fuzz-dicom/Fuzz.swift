import Imaging

/// libFuzzer target: inputs recognised as DICOM are opened and fully decoded. Any crash, sanitizer
/// report or hang is a bug; errors are the expected outcome for most inputs.
@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}

private let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, size in
    LLVMFuzzerTestOneInput(data, size)
}

/// The entry point libFuzzer calls for each input (also under that name, for libFuzzer's own main).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard ImageFormat.detect(bytes) == .dicom else { return -1 }
    // Smaller limits than the defaults keep the fuzzer within its memory limit.
    let options = DecodeOptions(maxFrameBytes: 64 << 20, maxImageBytes: 256 << 20)
    if let reader = try? ImageReader(bytes: bytes, name: "fuzz-input", options: options) {
        _ = try? reader.decodeAll()
    }
    return 0
}

/// libFuzzer's driver (from -sanitize=fuzzer), called from our own main.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

#if canImport(Glibc)
import Glibc
#endif
