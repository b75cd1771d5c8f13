import FuzzSupport

/// libFuzzer target for the DICOM decoder.
@main
struct Fuzz {
    static func main() { runFuzzer(for: .dicom) }
}
