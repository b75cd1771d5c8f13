import ArgumentParser
import Imaging

/// `medsilo convert`: decoded pixels to NumPy (for checking against pydicom/Pillow) or to PNG (for viewing).
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write decoded pixels as a NumPy .npy file or a windowed PNG.",
        discussion: """
            OUTPUT ending .npy: float32, C order, shape (frames, rows, columns, samples). Monochrome \
            values are after the modality transform, neither windowed nor inverted; colour is RGB (YBR \
            converted, palette expanded in its own range); PNG and JPEG keep their stored values.
            OUTPUT ending .png: one frame mapped for display: an explicit window, else the file's window, \
            else min–max (PNG/JPEG sources keep their range); MONOCHROME1 inverted.
            """
    )

    @Argument(help: "Image file (DICOM, PNG or JPEG).")
    var input: String

    @Argument(help: "Output file: .npy or .png.")
    var output: String

    @Option(help: "Frame to write, counting from 0 (default: all frames for .npy, frame 0 for .png).")
    var frame: Int?

    @Option(help: "PNG only: 'auto' (the file's window, else min–max) or 'CENTER,WIDTH'.")
    var window: WindowChoice?

    @Option(help: "PNG only: 8 or 16 bits per sample.")
    var bits: Int = 8

    enum Kind { case npy, png }

    var kind: Kind? {
        let lower = output.lowercased()
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".png") { return .png }
        return nil
    }

    func validate() throws {
        guard let kind else { throw ValidationError("OUTPUT must end in .npy or .png") }
        if kind == .npy && window != nil { throw ValidationError("--window applies to PNG output; .npy holds raw values") }
        guard bits == 8 || bits == 16 else { throw ValidationError("--bits must be 8 or 16") }
        if kind == .npy && bits != 8 { throw ValidationError("--bits applies to PNG output") }
        if let frame, frame < 0 { throw ValidationError("--frame counts from 0") }
    }

    func run() throws {
        do {
            let reader = try ImageReader(path: input)
            let info = reader.info
            if let frame, frame >= info.frames {
                throw ImagingError(path: input, .frameOutOfRange(index: frame, frames: info.frames))
            }
            switch kind! {
            case .npy:
                let values: [Float]
                let frames: Int
                if let frame {
                    values = try reader.decodeFrame(frame)
                    frames = 1
                } else {
                    values = try reader.decodeAll().pixels
                    frames = info.frames
                }
                try NPYWriter.write(
                    values, shape: [frames, info.rows, info.columns, info.decodedSamplesPerPixel], to: output)
            case .png:
                let index = frame ?? 0
                if frame == nil && info.frames > 1 {
                    Output.error("\(input) has \(info.frames) frames; writing frame 0 (choose one with --frame)")
                }
                let values = try reader.decodeFrame(index)
                let explicit: VOIWindow?
                switch window {
                case .explicit(let w): explicit = w
                case .auto, nil: explicit = nil
                }
                let mapping: DisplayMapping
                do {
                    mapping = try DisplayMapping.choose(
                        for: info, frameValues: values, fileWindows: try reader.windows(forFrame: index),
                        explicit: explicit)
                } catch {
                    throw ImagingError(path: input, error.reason)
                }
                let samples = mapping.apply(to: values, bits: bits)
                let channels = info.decodedSamplesPerPixel
                let png: [UInt8] =
                    bits == 8
                    ? try PNGWriter.encode(samples.map { UInt8($0) }, width: info.columns, height: info.rows, channels: channels)
                    : try PNGWriter.encode(samples, width: info.columns, height: info.rows, channels: channels)
                try FileIO.writeAtomically(png, to: output)
            }
        } catch let error as ImagingError {
            Output.error(error.description)
            throw ExitCode(1)
        }
    }
}

/// `--window auto` or `--window CENTER,WIDTH`.
enum WindowChoice: ExpressibleByArgument {
    case auto
    case explicit(VOIWindow)

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
            return
        }
        let parts = argument.split(separator: ",")
        guard parts.count == 2, let center = Double(parts[0]), let width = Double(parts[1]) else { return nil }
        let window = VOIWindow(center: center, width: width)
        guard window.isValid else { return nil }
        self = .explicit(window)
    }
}
