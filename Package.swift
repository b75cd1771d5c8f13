// swift-tools-version: 6.1
// MedSilo: medical-imaging federated learning and unlearning, from files to audited erasure.
//
// Targets follow the data flow (DESIGN §1): C shims (one per native library, imported only by
// their single consumer) → Imaging → … → the thin `medsilo` executable.
import PackageDescription

let package = Package(
    name: "MedSilo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "medsilo", targets: ["medsilo"]),
        .executable(name: "medsilo-bench", targets: ["medsilo-bench"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Partitioning", targets: ["Partitioning"]),
        .library(name: "NeuralEngine", targets: ["NeuralEngine"]),
        /// For the fuzz targets in Fuzz/, which read archives through the NPZ API directly.
        .library(name: "NPZ", targets: ["NPZ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        /// Property-based tests (generators and shrinking on Swift Testing); tests only.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        /// Experiment configs in YAML (JSON reads as YAML too).
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: C shims, one per native library.

        /// DCMTK 3.6.7 behind a plain C header (`extern "C"`), so no C++ or exception reaches Swift.
        .target(
            name: "CDCMTK",
            linkerSettings: [
                .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"), .linkedLibrary("dcmimage"), .linkedLibrary("dcmdata"),
                .linkedLibrary("oflog"), .linkedLibrary("ofstd"), .linkedLibrary("stdc++"),
            ]
        ),
        /// libpng 1.6 behind a C shim that owns `setjmp`, so no `longjmp` crosses a Swift frame.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        /// TurboJPEG (libjpeg-turbo 2.1): a plain C API that never aborts, imported as is.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        /// OpenJPEG 2.5 behind a C shim with in-memory streams, for JPEG 2000 inside DICOM.
        .target(name: "COpenJPEG", linkerSettings: [.linkedLibrary("openjp2")]),
        /// zlib's raw inflate, for the deflated members of NumPy `.npz` archives.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        /// OpenSSL 3's libcrypto: SHA-256 and HMAC-SHA256 for fingerprints and pseudonyms (already installed
        /// with DCMTK; compiling swift-crypto's BoringSSL for two primitives cost every clean build minutes).
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        /// OpenBLAS, loaded with dlopen on first use (not linked) so that OPENBLAS_CORETYPE can be set before
        /// the library's constructor picks its kernels; needs Debian's libopenblas0-pthread at run time only.
        .target(name: "COpenBLAS"),

        // MARK: Stages.

        /// The seeded random generator every random step of MedSilo draws from.
        .target(name: "Seeding"),
        /// Decode, window and write medical images: DICOM, PNG, JPEG, NumPy.
        .target(name: "Imaging", dependencies: ["CDCMTK", "CPNG", "CTurboJPEG", "COpenJPEG"]),
        /// NumPy `.npy` arrays and `.npz` (ZIP, ZIP64, stored or deflated) archives, read as streams.
        .target(name: "NPZ", dependencies: ["CZlib"]),
        /// The built-in synthetic benchmark suite: derm (JPEG), CT (DICOM in HU), path (PNG) as real files.
        .target(name: "SyntheticSuite", dependencies: ["Imaging"]),
        /// Folder layouts, MedMNIST and presets → preprocessed, memory-mapped dataset store; patient-aware splits.
        .target(
            name: "Datasets",
            dependencies: ["Seeding", "Imaging", "NPZ", "CLibCrypto"]
        ),

        /// Non-IID plans that spread a store's samples (or patients) across simulated hospitals, and their
        /// heatmaps (SVG, and PNG through Imaging's libpng writer).
        .target(name: "Partitioning", dependencies: ["Datasets", "Imaging"]),
        /// Float32 tensors, layers with forward and backward, losses, optimisers and models on BLAS sgemm.
        .target(name: "NeuralEngine", dependencies: ["Seeding", "COpenBLAS"]),
        /// Training a model on a store: batches, the epoch loop, evaluation metrics.
        .target(name: "Training", dependencies: ["NeuralEngine", "Datasets"]),
        /// The federation simulator: hospitals with speeds and links on a virtual clock, aggregation rules.
        .target(name: "Federation", dependencies: ["Seeding", "NeuralEngine", "Training", "Partitioning"]),
        /// Unlearning maths on flat parameter vectors: Halimi's ball, FedEraser, AFU-IC's forget basis and merge.
        .target(name: "Unlearning", dependencies: ["NeuralEngine", "Seeding"]),
        /// Auditing on per-sample model outputs: ROC figures, threshold attacks with class thresholds, LiRA's
        /// scores, distance to the retrained model, resurfacing and relearning, per-sample scores as CSV.
        .target(name: "Auditing"),
        /// Report output without Foundation: SVG line charts and heatmaps, tables (Markdown, HTML, CSV), HTML reports.
        .target(name: "Reporting"),

        /// Federated experiments from a config file: checked against store and plan before any training, run
        /// in a run folder with logs, checkpoints and resume.
        .target(
            name: "Experiments",
            dependencies: [
                "Federation", "Partitioning", "Datasets", "Training", "NeuralEngine", "Imaging", "Unlearning", "Auditing", "Seeding",
                "SyntheticSuite", "Reporting",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // MARK: Executables.

        .executableTarget(
            name: "medsilo",
            dependencies: [
                "Imaging", "Datasets", "Partitioning", "SyntheticSuite", "NeuralEngine", "Training", "Federation", "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "DecodeBaselines",
            path: "Benchmarks/DecodeBaselines",
            linkerSettings: [
                .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"), .linkedLibrary("dcmdata"),
                .linkedLibrary("oflog"), .linkedLibrary("ofstd"), .linkedLibrary("stdc++"),
                .linkedLibrary("png16"), .linkedLibrary("turbojpeg"), .linkedLibrary("openjp2"),
            ]
        ),
        .executableTarget(
            name: "medsilo-bench",
            dependencies: [
                "Imaging", "Datasets", "Partitioning", "DecodeBaselines", "NeuralEngine", "Seeding", "Training", "Federation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/medsilo-bench"
        ),

        // MARK: Tests.

        .target(name: "TestSupport", dependencies: ["Imaging"], path: "Tests/TestSupport"),
        /// Runs one operation in a child process so that tests can bound its peak memory alone.
        .executableTarget(name: "memory-probe", dependencies: ["Imaging", "NPZ"], path: "Tests/MemoryProbe"),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport", "memory-probe"]),
        .testTarget(name: "NPZTests", dependencies: ["NPZ", "TestSupport", "memory-probe"]),
        .testTarget(name: "SyntheticSuiteTests", dependencies: ["SyntheticSuite", "Imaging", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "TestSupport"]),
        .testTarget(
            name: "PartitioningTests",
            dependencies: [
                "Partitioning", "Datasets", "Imaging", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "NeuralEngineTests", dependencies: ["NeuralEngine", "Seeding", "TestSupport"]),
        .testTarget(
            name: "FederationTests", dependencies: ["Federation", "Seeding", "Training", "NeuralEngine", "Datasets", "Imaging", "TestSupport"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: [
                "Experiments", "Federation", "Partitioning", "Datasets", "Imaging", "NeuralEngine", "Training", "Auditing", "TestSupport",
            ]),
        .testTarget(name: "UnlearningTests", dependencies: ["Unlearning", "NeuralEngine", "Seeding"]),
        .testTarget(name: "AuditingTests", dependencies: ["Auditing", "Seeding"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "NeuralEngine", "Datasets", "SyntheticSuite", "TestSupport"]),
        .testTarget(name: "MedSiloCLITests", dependencies: ["Imaging", "Seeding", "TestSupport", "medsilo"]),
    ],
    cxxLanguageStandard: .cxx17
)
