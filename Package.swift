// swift-tools-version:6.0
// Quarry: nightly Qualys asset inventory → gzip CSV / NDJSON data lake.

import PackageDescription

let package = Package(
    name: "Quarry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "quarry", targets: ["quarry"]),
    ],
    targets: [
        // C libraries from the system, found through pkg-config.
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),

        // The architecture, one module per part.
        .target(name: "QuarryCore"),
        .target(name: "QuarryQualys", dependencies: ["QuarryCore", "CLibXML2"]),
        .target(name: "QuarryTransform", dependencies: ["QuarryCore"]),
        .target(name: "QuarryLoad", dependencies: ["QuarryCore", "CZlib"]),
        .target(name: "QuarrySimulator", dependencies: ["QuarryCore"]),
        // The nightly job: wires the stages into one pipeline run (used by the CLI and end-to-end tests).
        .target(
            name: "QuarryJob",
            dependencies: ["QuarryCore", "QuarryQualys", "QuarryTransform", "QuarryLoad", "QuarrySimulator"]
        ),
        .executableTarget(
            name: "quarry",
            dependencies: ["QuarryCore", "QuarryJob", "QuarrySimulator"]
        ),
        .executableTarget(
            name: "quarry-bench",
            dependencies: ["QuarryCore", "QuarryQualys", "QuarryTransform", "QuarryLoad", "QuarrySimulator", "CLibXML2", "CZlib"]
        ),

        .testTarget(name: "QuarryCoreTests", dependencies: ["QuarryCore"]),
        .testTarget(name: "QuarryQualysTests", dependencies: ["QuarryQualys", "QuarryCore"]),
        .testTarget(name: "QuarryTransformTests", dependencies: ["QuarryTransform", "QuarryCore"]),
        .testTarget(name: "QuarryLoadTests", dependencies: ["QuarryLoad", "QuarryCore"]),
        .testTarget(name: "QuarrySimulatorTests", dependencies: ["QuarrySimulator", "QuarryCore"]),
        .testTarget(
            name: "QuarryEndToEndTests",
            dependencies: ["QuarryCore", "QuarryQualys", "QuarryTransform", "QuarryLoad", "QuarrySimulator", "QuarryJob"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
