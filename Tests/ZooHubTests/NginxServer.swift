import Foundation

/// The server's pid, for the exit hook (a C function pointer cannot capture).
nonisolated(unsafe) private var nginxProcessID: Int32 = 0
nonisolated(unsafe) private var nginxDirectory: UnsafeMutablePointer<CChar>?

/// A real nginx on loopback, started by the tests themselves: Range support, a throttled
/// location (so a test can cut a transfer mid-file by killing the worker), fixed errors, and an
/// access log the tests read to count requests.
final class NginxServer: @unchecked Sendable {
    let root: URL
    let port: Int
    private let directory: URL
    private let process: Process
    private var accessLog: URL { directory.appendingPathComponent("access.log") }

    static let shared: NginxServer = try! NginxServer()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-nginx-\(UUID().uuidString)")
        root = directory.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        port = try NginxServer.freePort()
        let temp = directory.path
        let config = """
        worker_processes 1;
        daemon off;
        pid \(temp)/nginx.pid;
        error_log \(temp)/error.log;
        events { worker_connections 64; }
        http {
            log_format requests '$request_method $uri $status $http_range';
            access_log \(temp)/access.log requests;
            client_body_temp_path \(temp)/body; proxy_temp_path \(temp)/proxy;
            fastcgi_temp_path \(temp)/fastcgi; uwsgi_temp_path \(temp)/uwsgi; scgi_temp_path \(temp)/scgi;
            sendfile on;
            server {
                listen 127.0.0.1:\(port);
                root \(root.path);
                location /slow/ { limit_rate 4m; }
                location /norange/ { max_ranges 0; }
                location = /error500 { return 500; }
            }
        }
        """
        let configURL = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: NginxServer.nginxPath())
        process.arguments = ["-c", configURL.path, "-p", temp]
        // No inherited pipes: `swift test` waits for every holder of its output pipe to exit.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        nginxProcessID = process.processIdentifier
        nginxDirectory = strdup(directory.path)
        atexit {
            if nginxProcessID > 0 {
                kill(nginxProcessID, SIGTERM)
                for _ in 0..<100 where kill(nginxProcessID, 0) == 0 { usleep(20_000) }  // gone, or reaped
            }
            if let directory = nginxDirectory { try? FileManager.default.removeItem(atPath: String(cString: directory)) }
        }
        // Ready when the port accepts connections.
        for _ in 0..<100 {
            if NginxServer.canConnect(port) { return }
            usleep(50_000)
        }
        throw NSError(domain: "nginx", code: 1, userInfo: [NSLocalizedDescriptionKey: "nginx did not start on port \(port)"])
    }

    deinit { process.terminate() }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

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
        let log = (try? String(contentsOf: accessLog, encoding: .utf8)) ?? ""
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
        pgrep.arguments = ["-P", String(process.processIdentifier)]
        pgrep.standardOutput = pipe
        try? pgrep.run()
        pgrep.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for line in output.split(separator: "\n") { if let pid = Int32(line) { kill(pid, SIGKILL) } }
    }

    private static func nginxPath() -> String {
        for path in ["/usr/sbin/nginx", "/usr/bin/nginx"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        fatalError("nginx is not installed: run tools/test.sh, which installs it")
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
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
