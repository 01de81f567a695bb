import Foundation
import Zoo

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
        let tensors = (0..<25).map { i in ("layer\(i).weight", Tensor((0..<count).map { Float(($0 &* 2654435761 &+ i) % 65521) / 65521 })) }
        try Checkpoint(tensors: tensors).save(file.path)
        let size = (try fm.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0

        let registry = Zoo.registry
        if !registry.isModel("hubbench") { registry.register(architecture: "hubbench", family: "bench") }
        var cfg = PretrainedCfg(architecture: "hubbench", tag: "loopback")
        cfg.url = server.url("weights/bench.pth")
        cfg.sha256 = try SHA256Hasher.hexDigest(ofFile: file)
        try registry.register(cfgs: [cfg])

        print("hub benchmark: pull of \(size) bytes (.pth) from nginx on 127.0.0.1:\(server.port), caches in \(base.path)")
        var totals: [Double] = [], downloads: [Double] = [], converts: [Double] = [], verifies: [Double] = [], finishes: [Double] = []
        for run in 0..<6 {
            let home = ZooHome(root: base.appendingPathComponent("home-\(run)"))
            let start = DispatchTime.now().uptimeNanoseconds
            let (cached, timings) = try Hub(home: home, offline: false).timedPull("hubbench.loopback", registry: registry)
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
        print(pad("pull (download + sha256 + convert)", 40) + "median \(format(total * 1e3)) ms  \(format(Double(size) / total / 1e6, 0)) MB/s")
        print(pad("  download with sha256 on the way", 40) + "median \(format(median(downloads) * 1e3)) ms  \(format(Double(size) / median(downloads) / 1e6, 0)) MB/s")
        print(pad("  convert .pth -> .zoo (hash finishing)", 40) + "median \(format(median(converts) * 1e3)) ms")
        print(pad("  wait for sha256, verify", 40) + "median \(format(median(verifies) * 1e3, 2)) ms")
        print(pad("  entry.json, rename, sync", 40) + "median \(format(median(finishes) * 1e3, 2)) ms")
        print("runs (ms): " + totals.map { format($0 * 1e3) }.joined(separator: " "))
    }
}

/// nginx serving a folder on a free loopback port (the tests have their own, richer twin).
final class LoopbackNginx {
    let root: URL
    let port: Int
    private let process = Process()

    init(directory: URL) throws {
        root = directory.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        port = try Self.freePort()
        let temp = directory.path
        let config = """
        worker_processes 1;
        daemon off;
        pid \(temp)/nginx.pid;
        error_log \(temp)/error.log;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path \(temp)/body; proxy_temp_path \(temp)/proxy;
            fastcgi_temp_path \(temp)/fastcgi; uwsgi_temp_path \(temp)/uwsgi; scgi_temp_path \(temp)/scgi;
            sendfile on;
            server { listen 127.0.0.1:\(port); root \(root.path); }
        }
        """
        let configURL = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw HubError.unreadable("nginx (install it: apt-get install nginx)") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-c", configURL.path, "-p", temp]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if Self.canConnect(port) { return }
            usleep(50_000)
        }
        stop()
        throw HubError.transfer(url: url(""), reason: "nginx did not start")
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
