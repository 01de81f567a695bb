// swift-tools-version: 6.0
import PackageDescription

// Layers import downward only:
// ZooCLI → Zoo → {ZooTrain, ZooData, ZooHub, ZooModels} → ZooRegistry → {ZooCheckpoint, ZooNN} → ZooTensor;
// ZooTrain → ZooDistributed → ZooNN.
// ZooTrain → ZooPlot → {ZooCheckpoint (atomic files), CCairo}: charts know nothing of training.
// ZooData (image decoding, transforms, datasets, loader) stands on ZooRegistry (cfgs), ZooTensor, CJPEG, CPNG, CWebP.
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
        // libdnnl-dev (oneDNN): convolutions and sgemm JIT-compiled for the CPU's instruction set (Linux).
        .target(name: "CDNNL", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),  // libdeflate-dev: CRC-32 with PCLMUL
        .systemLibrary(name: "CCairo", path: "Sources/CCairo"),  // libcairo2-dev: PNG and SVG drawing
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),  // libzstd-dev: `zoo convert --compress` (zip method 93)
        // Our own C: CRC-32 folded 256 bits at a time (VPCLMULQDQ), byte-plane shuffles for compression.
        .target(name: "CCheckpointKernels", linkerSettings: [.linkedLibrary("deflate")]),
        // The embedded default zoo (zoo/) compiled in with #embed, so an installed `zoo` carries it.
        .target(name: "CEmbeddedZoo"),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),  // libjpeg62-turbo-dev
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),  // libpng-dev
        .target(name: "CWebP", linkerSettings: [.linkedLibrary("webpdemux"), .linkedLibrary("webp")]),  // libwebp-dev
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),  // libopenmpi-dev

        .target(name: "ZooTensor", dependencies: ["CBLAS", .target(name: "CDNNL", condition: .when(platforms: [.linux]))]),
        .target(name: "ZooNN", dependencies: ["ZooTensor"]),
        .target(name: "ZooCheckpoint", dependencies: ["ZooTensor", "CZlib", "CArchive", "CDeflate", "CZstd", "CCheckpointKernels"]),
        .target(name: "ZooRegistry", dependencies: ["ZooNN", "ZooCheckpoint"]),
        .target(name: "ZooPlot", dependencies: ["ZooCheckpoint", "CCairo"]),
        .target(name: "ZooTrain", dependencies: ["ZooNN", "ZooDistributed", "ZooCheckpoint", "ZooPlot"]),
        // Reads pictures back (PNG pixels, SVG path points) for the tests that check what was drawn.
        .target(name: "ZooPlotTesting", dependencies: ["ZooPlot", "CCairo"]),
        // Data-parallel training over MPI (docs/distributed.md).
        .target(name: "ZooDistributed", dependencies: ["ZooNN", "CMPI"]),
        .target(name: "ZooModels", dependencies: ["ZooNN", "ZooRegistry"]),
        .target(name: "ZooHub", dependencies: ["ZooRegistry", "ZooCheckpoint", "CCurl", "CCrypto", "CEmbeddedZoo"]),
        .target(name: "ZooData", dependencies: ["ZooTensor", "ZooRegistry", "CJPEG", "CPNG", "CWebP"]),
        .target(name: "Zoo", dependencies: ["ZooTensor", "ZooNN", "ZooCheckpoint", "ZooRegistry", "ZooModels", "ZooTrain", "ZooHub", "ZooDistributed", "ZooPlot", "ZooData"]),
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
        // libFuzzer targets for the image decoders.
        .executableTarget(name: "ZooFuzzJPEG", dependencies: ["ZooData", "ZooCheckpoint"]),
        .executableTarget(name: "ZooFuzzPNG", dependencies: ["ZooData", "ZooCheckpoint"]),
        .executableTarget(name: "ZooFuzzWebP", dependencies: ["ZooData", "ZooCheckpoint"]),

        .testTarget(name: "ZooTensorTests", dependencies: ["ZooTensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooCheckpointTests", dependencies: ["ZooCheckpoint", "ZooTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooTrainTests", dependencies: ["ZooTrain", "ZooPlotTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooPlotTests", dependencies: ["ZooPlot", "ZooPlotTesting"]),
        .testTarget(name: "ZooRegistryTests", dependencies: ["ZooRegistry", "ZooModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooHubTests", dependencies: ["ZooHub", "Zoo", "ZooLoopback", "ZooTestSupport"]),
        .testTarget(name: "ZooNNTests", dependencies: ["ZooNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooModelsTests", dependencies: ["ZooModels", "ZooNN", "ZooCheckpoint"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo"]),
        .testTarget(name: "ZooDataTests", dependencies: ["ZooData", "ZooCheckpoint"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooDistributedTests", dependencies: ["ZooDistributed", "ZooTrain", "ZooTestSupport"], resources: [.copy("Fixtures")]),
        // Runs the built `zoo` binary end to end; ZooCheckpoint only writes and reads its .npy files,
        // ZooTrain and ZooPlotTesting say what `zoo lr --plot` should have drawn.
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCheckpoint", "ZooTrain", "ZooPlotTesting", "ZooTestSupport"]),
        // What tests share and no product ships: programs run with bounded waits.
        .target(name: "ZooTestSupport", path: "Tests/ZooTestSupport"),
    ]
)
