import FuzzSupport

/// libFuzzer target for the JPEG decoder.
@main
struct Fuzz {
    static func main() { runFuzzer(for: .jpeg) }
}
