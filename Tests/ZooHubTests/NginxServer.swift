import Foundation
import ZooLoopback

/// The server's pid, for the exit hook (a C function pointer cannot capture).
nonisolated(unsafe) private var nginxProcessID: Int32 = 0
nonisolated(unsafe) private var nginxDirectory: UnsafeMutablePointer<CChar>?

/// A real nginx on loopback, started by the tests themselves: Range support, a throttled
/// location (so a test can cut a transfer mid-file by killing the worker), fixed errors, and an
/// access log the tests read to count requests.
final class NginxServer: @unchecked Sendable {
    private let server: LoopbackNginx
    var root: URL { server.root }
    var port: Int { server.port }

    static let shared: NginxServer = try! NginxServer()

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-nginx-\(UUID().uuidString)")
        server = try LoopbackNginx(directory: directory, locations: """
            location /slow/ { limit_rate 4m; }
            location /norange/ { max_ranges 0; }
            location = /error500 { return 500; }
            """, logRequests: true)
        nginxProcessID = server.processIdentifier
        nginxDirectory = strdup(directory.path)
        atexit {
            if nginxProcessID > 0 {
                kill(nginxProcessID, SIGTERM)
                for _ in 0..<100 where kill(nginxProcessID, 0) == 0 { usleep(20_000) }  // gone, or reaped
            }
            if let directory = nginxDirectory { try? FileManager.default.removeItem(atPath: String(cString: directory)) }
        }
    }

    deinit { server.stop() }

    func url(_ path: String) -> String { server.url(path) }

    /// Writes a file under the server root and returns its URL.
    @discardableResult
    func serve(_ data: Data, at path: String) throws -> String {
        let file = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return url(path)
    }

    /// Requests nginx has logged for `path` (`/files/a.pth`): method, status and Range header.
    func requests(of path: String) -> [(method: String, status: Int, range: String)] {
        let log = (try? String(contentsOf: server.accessLog, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 4, fields[1] == path else { return nil }
            return (String(fields[0]), Int(fields[2]) ?? 0, fields[3...].joined(separator: " "))
        }
    }

    /// GET requests for `path`.
    func gets(of path: String) -> Int { requests(of: path).filter { $0.method == "GET" }.count }

    /// Kills nginx's worker: every open connection drops; the master starts a new worker.
    func dropConnections() {
        let pipe = Pipe()
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-P", String(server.processIdentifier)]
        pgrep.standardOutput = pipe
        try? pgrep.run()
        pgrep.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for line in output.split(separator: "\n") { if let pid = Int32(line) { kill(pid, SIGKILL) } }
    }
}
