// swift-tools-version: 6.1
// libFuzzer targets for MedSilo's parsers of untrusted input: the image decoders, the NPZ/NPY reader and
// the CSV manifests with the layouts that read them. Built by `make fuzz` (scripts/fuzz.sh) with
// -sanitize=fuzzer,address; kept out of the main package so that normal builds never need the sanitizers.
import Foundation
import PackageDescription

/// A path dependency is named after its folder, which depends on where the repository was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "MedSiloFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        /// The libFuzzer driver and scratch files, shared by every target.
        .target(name: "FuzzDriver"),
        /// The image decoders' harness (one per format, below).
        .target(name: "FuzzSupport", dependencies: ["FuzzDriver", .product(name: "Imaging", package: root)]),
        .executableTarget(name: "fuzz-npz", dependencies: ["FuzzDriver", .product(name: "NPZ", package: root)]),
        .executableTarget(
            name: "fuzz-manifest", dependencies: ["FuzzDriver", .product(name: "Datasets", package: root)]),
    ]
        + ["fuzz-dicom", "fuzz-png", "fuzz-jpeg"].map { name in
            .executableTarget(name: name, dependencies: ["FuzzSupport"])
        }
)
