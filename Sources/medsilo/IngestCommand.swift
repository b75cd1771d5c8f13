import ArgumentParser
import Datasets

#if canImport(Glibc)
import Glibc
#endif

/// `medsilo ingest`: a source folder (or `.npz`) → a preprocessed, memory-mapped dataset store.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest an image folder, CSV manifest, DICOM tree, MedMNIST .npz or public-dataset preset into a store.",
        discussion: """
            Layouts: imagefolder (one sub-folder per class), csv (path,label[,patient][,site|hospital][,split]), \
            medmnist ({flag}[_{64|128|224}].npz), dicom (a DICOM tree + --manifest labels CSV keyed by --dicom-key), \
            and the presets ham10000, isic2019, nih-chestxray14, rsna-pneumonia, chexpert. `auto` guesses and says \
            what it chose. Files that fail are reported and skipped (--strict aborts). An interrupted ingest resumes \
            when run again; an unchanged store is reused. See docs/datasets.md.
            """
    )

    @Argument(help: "The dataset root folder (or a .npz archive).")
    var source: String

    @Option(help: "The store folder to write.")
    var out: String

    @Option(help: "Layout: \(LayoutKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var layout: LayoutKind = .auto

    @OptionGroup var preprocessing: PreprocessingOptions
    @OptionGroup var columns: ColumnOptions

    @Option(help: "Train,val,test ratios for splits the source does not give.")
    var split: String = "0.7,0.15,0.15"

    @Option(help: "Seed of the split.")
    var seed: UInt64 = 0

    @Flag(help: "Abort with a non-zero exit at the first file that fails.")
    var strict = false

    @Option(help: "A key file (≥16 bytes) for patient pseudonyms; by default a random key is used and discarded.")
    var keyFile: String?

    @Option(help: "Record source paths: relative (patient IDs replaced by pseudonyms) or none.")
    var sourcePaths: IngestOptions.SourcePaths = .relative

    @Flag(help: "Rebuild even if an identical store exists.")
    var force = false

    @Flag(help: "Print one JSON summary object.")
    var json = false

    @Option(help: ArgumentHelp("Samples decoded between journal writes (a resumed run redoes at most this many).", visibility: .hidden))
    var chunkSize: Int = 256

    func validate() throws {
        _ = try ratios()
        guard chunkSize >= 1 else { throw ValidationError("--chunk-size must be at least 1") }
        if layout == .dicom && columns.manifest == nil {
            throw ValidationError("--layout dicom needs --manifest (the labels CSV)")
        }
    }

    func ratios() throws -> PatientSplitter.Ratios {
        let parts = split.split(separator: ",").compactMap { Double($0.trimmingCharacters()) }
        guard parts.count == 3 else { throw ValidationError("--split needs three numbers: train,val,test") }
        let ratios = PatientSplitter.Ratios(train: parts[0], val: parts[1], test: parts[2])
        do { try ratios.validate() } catch { throw ValidationError(error.reason.description) }
        return ratios
    }

    func run() throws {
        let options = IngestOptions(
            preprocessing: try preprocessing.settings(), ratios: try ratios(), seed: seed, strict: strict,
            keyFile: keyFile, sourcePaths: sourcePaths, force: force, chunkSize: chunkSize)
        Interrupt.install()
        let bar = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1, label: "ingest")
        let outcome: Result<IngestReport, DatasetError>
        do throws(DatasetError) {
            let manifest = try LayoutSelection.manifest(source: source, kind: layout, options: columns.layoutOptions())
            if !json {
                for note in manifest.notes { print(note) }
                if !manifest.rejected.isEmpty { print("\(manifest.rejected.count) manifest rows or files refused (see failures.csv)") }
            }
            outcome = .success(
                try Ingest.run(
                    manifest, to: out, options: options,
                    progress: { bar.update(done: $0.done, total: $0.total, failed: $0.failed, doneThisRun: $0.doneThisRun) },
                    shouldStop: { Interrupt.requested }))
        } catch {
            outcome = .failure(error)
        }
        bar.finish()
        switch outcome {
        case .success(let report):
            if json { print(Output.jsonLine(report)) } else { printSummary(report) }
        case .failure(let error):
            Output.error(error.description)
            throw ExitCode(error.reason == .interrupted ? 130 : 1)
        }
    }

    private func printSummary(_ report: IngestReport) {
        if report.reused {
            print("\(report.store): unchanged inputs and settings, store reused (\(report.samples) samples)")
            return
        }
        print(
            "\(report.store): \(report.samples) samples (train \(report.splits["train"] ?? 0), val \(report.splits["val"] ?? 0), test \(report.splits["test"] ?? 0)), \(report.classes.count) classes, \(report.patients) patients, \(report.sites.count) sites"
        )
        if report.resumedSamples > 0 { print("resumed after \(report.resumedSamples) samples of an interrupted run") }
        for failure in report.failures.prefix(20) { print("failed: \(failure)") }
        if report.failures.count > 20 { print("… \(report.failures.count - 20) more failures in failures.csv") }
        print("\(formatted(report.seconds, digits: 1)) s, \(formatted(report.samplesPerSecond, digits: 0)) samples/s")
    }
}

extension LayoutKind: ExpressibleByArgument {}
extension IngestOptions.SourcePaths: ExpressibleByArgument {}
extension PreprocessSettings.Resize: ExpressibleByArgument {}
extension PreprocessSettings.Storage: ExpressibleByArgument {}
extension PreprocessSettings.FramePolicy: ExpressibleByArgument {}
extension LayoutOptions.DICOMKey: ExpressibleByArgument {}
extension LayoutOptions.SiteAttribute: ExpressibleByArgument {}
extension LayoutOptions.UncertainPolicy: ExpressibleByArgument {}

/// Tensor shape and intensity options of `ingest`.
struct PreprocessingOptions: ParsableArguments {
    @Option(help: "Output height and width in pixels.")
    var size: Int = 64

    @Option(help: "Output channels: 1 (gray) or 3 (RGB).")
    var channels: Int = 1

    @Option(help: "Resampling: auto (area when shrinking, bilinear when enlarging), area or bilinear.")
    var resize: PreprocessSettings.Resize = .auto

    @Option(help: "Grayscale DICOM intensity: file (the file's window), CENTER,WIDTH, or percentile:LOW,HIGH.")
    var dicomWindow: String = "file"

    @Option(help: "Stored value type: uint8 or float32.")
    var storage: PreprocessSettings.Storage = .uint8

    @Option(help: "Per-channel normalisation MEAN[,MEAN,MEAN]:STD[,STD,STD]; default: computed on the training split.")
    var normalize: String?

    @Option(help: "Frames of multi-frame DICOM to take: first, middle or all.")
    var frames: PreprocessSettings.FramePolicy = .middle

    func validate() throws {
        _ = try settings()
    }

    func settings() throws -> PreprocessSettings {
        let settings = PreprocessSettings(
            size: size, channels: channels, resize: resize, dicomIntensity: try intensity(), storage: storage,
            normalization: try normalization(), frames: frames)
        do { try settings.validate() } catch { throw ValidationError("\(error.path): \(error.reason)") }
        return settings
    }

    private func intensity() throws -> PreprocessSettings.DICOMIntensity {
        if dicomWindow == "file" { return .fileWindow }
        if dicomWindow.hasPrefix("percentile:") {
            let values = dicomWindow.dropFirst("percentile:".count).split(separator: ",").compactMap { Double($0) }
            guard values.count == 2 else { throw ValidationError("--dicom-window percentile:LOW,HIGH needs two numbers") }
            return .percentile(low: values[0], high: values[1])
        }
        let values = dicomWindow.split(separator: ",").compactMap { Double($0) }
        guard values.count == 2 else {
            throw ValidationError("--dicom-window takes file, CENTER,WIDTH or percentile:LOW,HIGH")
        }
        return .window(center: values[0], width: values[1])
    }

    private func normalization() throws -> Normalization? {
        guard let normalize else { return nil }
        let halves = normalize.split(separator: ":")
        guard halves.count == 2 else { throw ValidationError("--normalize takes MEANS:STDS") }
        let mean = halves[0].split(separator: ",").compactMap { Double($0) }
        let std = halves[1].split(separator: ",").compactMap { Double($0) }
        return Normalization(mean: mean, std: std)
    }
}

/// Column and key options of the manifest layouts.
struct ColumnOptions: ParsableArguments {
    @Option(help: "The manifest or labels CSV (relative to the source or absolute).")
    var manifest: String?

    @Option(help: "Path column of a CSV manifest.")
    var pathColumn: String = "path"

    @Option(help: "Label column (class names, several separated by --label-separator).")
    var labelColumn: String = "label"

    @Option(help: "Patient column.")
    var patientColumn: String = "patient"

    @Option(help: "Site column (default: site, then hospital).")
    var siteColumn: String?

    @Option(help: "Split column (train, val, test).")
    var splitColumn: String = "split"

    @Option(help: "Comma-separated one-hot label columns (multi-label).")
    var oneHot: String?

    @Option(help: "Separator of several labels in one field.")
    var labelSeparator: String = "|"

    @Option(help: "DICOM attribute the labels CSV is keyed by: PatientID, StudyInstanceUID or SOPInstanceUID.")
    var dicomKey: LayoutOptions.DICOMKey = .patientID

    @Option(help: "Key column of the labels CSV (default: the attribute's name).")
    var keyColumn: String?

    @Option(help: "Site of DICOM samples from: none, InstitutionName or Manufacturer.")
    var siteFrom: LayoutOptions.SiteAttribute = .none

    @Option(help: "CheXpert uncertain (-1) labels become: ones (U-Ones) or zeros (U-Zeros).")
    var uncertain: LayoutOptions.UncertainPolicy = .ones

    @Flag(help: "CheXpert: frontal views only.")
    var frontalOnly = false

    func validate() throws {
        guard labelSeparator.count == 1 else { throw ValidationError("--label-separator must be one character") }
    }

    func layoutOptions() -> LayoutOptions {
        LayoutOptions(
            manifest: manifest, pathColumn: pathColumn, labelColumn: labelColumn, patientColumn: patientColumn,
            siteColumns: siteColumn.map { [$0] } ?? ["site", "hospital"], splitColumn: splitColumn,
            oneHotColumns: oneHot.map { $0.split(separator: ",").map { String($0).trimmingCharacters() } },
            labelSeparator: labelSeparator.first ?? "|", dicomKey: dicomKey, keyColumn: keyColumn,
            siteAttribute: siteFrom, uncertainPolicy: uncertain, frontalOnly: frontalOnly)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

func formatted(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return digits == 0 ? String(Int(rounded)) : String(rounded)
}
