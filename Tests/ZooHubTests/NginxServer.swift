import Foundation
import Testing
import ZooLoopback

/// The servers' pids and folders, for the exit hook (a C function pointer cannot capture).
nonisolated(unsafe) private var nginxProcessIDs: [Int32] = []
nonisolated(unsafe) private var nginxDirectories: [String] = []
private let nginxExitHookLock = NSLock()
private let nginxExitHook: Void = {
    atexit {
        nginxExitHookLock.lock()
        defer { nginxExitHookLock.unlock() }
        for pid in nginxProcessIDs {
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }  // gone, or reaped
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        for directory in nginxDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }
}()

/// A real nginx on loopback, started by the tests themselves: Range support, a throttled
/// location (so a test can cut a transfer mid-file by killing the worker), fixed errors, and an
/// access log the tests read to count requests.
///
/// Tests share one (`try NginxServer.shared()`); a test that disturbs the server (kills its worker)
/// starts its own with `try NginxServer()`, so no other test's request counts see the disturbance.
/// A missing or broken nginx makes every test that asks for one fail with the reason, not crash.
final class NginxServer: @unchecked Sendable {
    private let server: LoopbackNginx
    var root: URL { server.root }
    var port: Int { server.port }

    private static let sharedServer = Result { try NginxServer() }

    /// The server the tests share.
    static func shared() throws -> NginxServer { try sharedServer.get() }

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-nginx-\(UUID().uuidString)")
        server = try LoopbackNginx(
            directory: directory,
            locations: """
                location /slow/ { limit_rate 4m; }
                location /norange/ { max_ranges 0; }
                location = /error500 { return 500; }
                """, logRequests: true)
        nginxExitHook
        nginxExitHookLock.lock()
        nginxProcessIDs.append(server.processIdentifier)
        nginxDirectories.append(directory.path)
        nginxExitHookLock.unlock()
    }

    deinit {
        server.stop()
        // Forget the stopped server, so the exit hook never signals a pid the system has reused.
        nginxExitHookLock.lock()
        nginxProcessIDs.removeAll { $0 == server.processIdentifier }
        nginxDirectories.removeAll { $0 == server.directory.path }
        nginxExitHookLock.unlock()
        try? FileManager.default.removeItem(at: server.directory)
    }

    func url(_ path: String) -> String { server.url(path) }

    /// Writes a file under the server root and returns its URL.
    @discardableResult
    func serve(_ data: Data, at path: String) throws -> String {
        let file = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return url(path)
    }

    /// A request as nginx logged it.
    struct Request {
        let method: String
        let status: Int
        /// Body bytes nginx sent.
        let bytesSent: Int
        /// The Range header, `-` when there was none.
        let range: String
        /// The first byte asked for: the Range's start, 0 without one.
        var firstByte: Int {
            guard range.hasPrefix("bytes="), let dash = range.firstIndex(of: "-") else { return 0 }
            return Int(range[range.index(range.startIndex, offsetBy: 6)..<dash]) ?? 0
        }
    }

    /// Requests nginx has logged for `path` (`/files/a.pth`), in order.
    /// nginx opens its log when it starts, so a missing log is a broken server, not "no requests".
    func requests(of path: String) throws -> [Request] {
        let log = try String(contentsOf: server.accessLog, encoding: .utf8)
        return log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 5, fields[1] == path else { return nil }
            return Request(
                method: String(fields[0]), status: Int(fields[2]) ?? 0, bytesSent: Int(fields[3]) ?? 0,
                range: fields[4...].joined(separator: " "))
        }
    }

    /// GET requests for `path`.
    func gets(of path: String) throws -> Int { try requests(of: path).filter { $0.method == "GET" }.count }

    /// Kills nginx's worker (found through /proc, no external tool): every open connection drops;
    /// the master starts a new worker. Only for a server of the test's own.
    func dropConnections() {
        let killed = server.killWorkers()
        if killed == 0 { Issue.record("nginx (pid \(server.processIdentifier)) has no worker to kill") }
    }
}
