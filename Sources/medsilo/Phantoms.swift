import ArgumentParser
import Imaging

/// `medsilo phantoms`: images with known pixels in every format and encoding MedSilo decodes.
struct Phantoms: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write sample images with known pixels (DICOM in every supported encoding, PNG, JPEG).",
        discussion: """
            A CT head phantom in Hounsfield units and an RGB lesion phantom, written with DCMTK, OpenJPEG, \
            libpng and libjpeg-turbo. Use them to check a machine's decode path with `medsilo inspect`.
            """
    )

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Image side in pixels.")
    var size: Int = 128

    func validate() throws {
        guard (16...4096).contains(size) else { throw ValidationError("--size must be between 16 and 4096") }
    }

    func run() throws {
        do {
            let entries = try SampleImages.write(to: out, size: size)
            for entry in entries {
                print("\(out)/\(entry.file)\t\(entry.description)\(entry.lossless ? "" : " (lossy)")")
            }
        } catch {
            Output.error(error.description)
            throw ExitCode(1)
        }
    }
}
