import FuzzSupport

/// libFuzzer target for the PNG decoder.
@main
struct Fuzz {
    static func main() { runFuzzer(for: .png) }
}
