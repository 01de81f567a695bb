import Foundation
import Zoo
import ZooLoopback

/// `zoo pull` of a 100 MB `.pth` from nginx on loopback: download with SHA-256 on the way, verify,
/// convert to `.zoo`, rename into the cache. Five runs, each into a fresh cache, after one warm-up;
/// prints the median throughput and the median time of each step.
///
/// The server root and the caches live in `$ZOO_BENCH_HUB_DIR`, else /dev/shm (as the checkpoint
/// benchmark: so the disk does not dominate; on a disk the fsync of model.zoo adds its write-out).
enum HubBench {
    static let payloadBytes = 100_000_000

    static func run() {
        do {
            try measure()
        } catch {
            FileHandle.standardError.write("hub benchmark failed: \(error)\n".data(using: .utf8)!)
            exit(1)
        }
    }

    private static func measure() throws {
        let fm = FileManager.default
        let shm = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let base = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ZOO_BENCH_HUB_DIR"] ?? shm)
            .appendingPathComponent("zoo-hub-bench-\(getpid())")
        defer { try? fm.removeItem(at: base) }
        let server = try LoopbackNginx(directory: base.appendingPathComponent("nginx"))
        defer { server.stop() }

        // 25 tensors of 1 M float32 values: a ResNet-50-sized state dict.
        let file = server.root.appendingPathComponent("weights/bench.pth")
        try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let count = payloadBytes / 4 / 25
        let tensors = (0..<25).map { i in
            ("layer\(i).weight", Tensor((0..<count).map { Float(($0 &* 2_654_435_761 &+ i) % 65521) / 65521 }))
        }
        try Checkpoint(tensors: tensors).save(file.path)
        let size = (try fm.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0

        let registry = Zoo.registry
        if !registry.isModel("hubbench") { registry.register(architecture: "hubbench", family: "bench") }
        var cfg = PretrainedCfg(architecture: "hubbench", tag: "loopback")
        cfg.url = server.url("weights/bench.pth")
        cfg.sha256 = try SHA256Hasher.hexDigest(ofFile: file)
        try registry.register(cfgs: [cfg])

        print(
            "hub benchmark: pull of \(size) bytes (.pth) from nginx on 127.0.0.1:\(server.port), caches in \(base.path)"
        )
        var totals: [Double] = [], downloads: [Double] = [], converts: [Double] = [], verifies: [Double] = [],
            finishes: [Double] = []
        for run in 0..<6 {
            let home = ZooHome(root: base.appendingPathComponent("home-\(run)"))
            let start = DispatchTime.now().uptimeNanoseconds
            let (cached, timings) = try Hub(home: home, offline: false).timedPull(
                "hubbench.loopback", registry: registry)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard cached.entry.verified else { throw HubError.unreadable("run \(run) was not verified") }
            try fm.removeItem(at: home.root)
            if run == 0 { continue }  // warm-up
            totals.append(seconds)
            downloads.append(timings.download)
            converts.append(timings.convert)
            verifies.append(timings.verify)
            finishes.append(timings.finish)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let total = median(totals)
        print(
            pad("pull (download + sha256 + convert)", 40)
                + "median \(format(total * 1e3)) ms  \(format(Double(size) / total / 1e6, 0)) MB/s")
        print(
            pad("  download with sha256 on the way", 40)
                + "median \(format(median(downloads) * 1e3)) ms  \(format(Double(size) / median(downloads) / 1e6, 0)) MB/s"
        )
        print(pad("  convert .pth -> .zoo (hash finishing)", 40) + "median \(format(median(converts) * 1e3)) ms")
        print(pad("  wait for sha256, verify", 40) + "median \(format(median(verifies) * 1e3, 2)) ms")
        print(pad("  entry.json, rename, sync", 40) + "median \(format(median(finishes) * 1e3, 2)) ms")
        print("runs (ms): " + totals.map { format($0 * 1e3) }.joined(separator: " "))
    }
}
