// swift-tools-version: 6.0
import PackageDescription

// Layers import downward only:
// ZooCLI → Zoo → {ZooTrain, ZooData, ZooHub, ZooModels} → ZooRegistry → {ZooCheckpoint, ZooNN} → ZooTensor.
let blasLinker: [LinkerSetting] = [
    .linkedLibrary("openblas", .when(platforms: [.linux])),
    .linkedFramework("Accelerate", .when(platforms: [.macOS])),
]

let package = Package(
    name: "zoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zoo", targets: ["ZooCLI"]),
        .executable(name: "zoo-bench", targets: ["ZooBench"]),
        .executable(name: "zoo-parity", targets: ["ZooParity"]),
        .library(name: "Zoo", targets: ["Zoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from the system (Debian: libopenblas-dev, zlib1g-dev, libarchive-dev).
        .target(name: "CBLAS", linkerSettings: blasLinker),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),  // libssl-dev: SHA-256
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),  // libcurl4-openssl-dev

        .target(name: "ZooTensor", dependencies: ["CBLAS"]),
        .target(name: "ZooNN", dependencies: ["ZooTensor"]),
        .target(name: "ZooCheckpoint", dependencies: ["ZooTensor", "CZlib", "CArchive"]),
        .target(name: "ZooRegistry", dependencies: ["ZooNN", "ZooCheckpoint"]),
        .target(name: "ZooTrain", dependencies: ["ZooNN"]),
        .target(name: "ZooModels", dependencies: ["ZooNN", "ZooRegistry"]),
        .target(name: "ZooHub", dependencies: ["ZooRegistry", "ZooCheckpoint", "CCurl", "CCrypto"]),
        .target(name: "Zoo", dependencies: ["ZooTensor", "ZooNN", "ZooCheckpoint", "ZooRegistry", "ZooModels", "ZooTrain", "ZooHub"]),
        .executableTarget(name: "ZooCLI", dependencies: [
            "Zoo", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ZooBench", dependencies: ["Zoo", "ZooLoopback"]),
        // The Swift half of tools/parity/sweep.py: runs models on PyTorch-made weights and inputs.
        .executableTarget(name: "ZooParity", dependencies: ["Zoo"]),
        // nginx on a free loopback port for the hub's tests and benchmark.
        .target(name: "ZooLoopback"),
        // libFuzzer targets, one per checkpoint parser (docs/fuzzing.md).
        .executableTarget(name: "ZooFuzzPickle", dependencies: ["ZooCheckpoint"]),
        .executableTarget(name: "ZooFuzzZip", dependencies: ["ZooCheckpoint"]),
        .executableTarget(name: "ZooFuzzSafeTensors", dependencies: ["ZooCheckpoint"]),
        .executableTarget(name: "ZooFuzzNPY", dependencies: ["ZooCheckpoint"]),

        .testTarget(name: "ZooTensorTests", dependencies: ["ZooTensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooCheckpointTests", dependencies: ["ZooCheckpoint"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooTrainTests", dependencies: ["ZooTrain"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooRegistryTests", dependencies: ["ZooRegistry", "ZooModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooHubTests", dependencies: ["ZooHub", "Zoo", "ZooLoopback"]),
        .testTarget(name: "ZooNNTests", dependencies: ["ZooNN"]),
        .testTarget(name: "ZooModelsTests", dependencies: ["ZooModels", "ZooNN", "ZooCheckpoint"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo"]),
        // Runs the built `zoo` binary end to end; ZooCheckpoint only writes and reads its .npy files.
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCheckpoint"]),
    ]
)
