import Foundation

/// A real nginx serving a folder on a free loopback port: the HTTP server behind the hub's tests
/// and benchmark (Range requests, sendfile). It runs in the foreground as our child, with no
/// inherited pipes (`swift test` waits for every holder of its output pipe), in a directory of its own.
public final class LoopbackNginx: @unchecked Sendable {
    public let directory: URL
    public let root: URL
    public let port: Int
    /// Each request, one a line, when `logRequests`: in `logFormat`, by default
    /// `LoopbackNginx.requestLogFormat` (method, path, status, body bytes sent, Range header).
    public var accessLog: URL { directory.appendingPathComponent("access.log") }
    public var processIdentifier: Int32 { process.processIdentifier }
    private let process = Process()

    /// The default access log line: `GET /files/a.bin 206 1250000 bytes=750000-`.
    public static let requestLogFormat = "$request_method $uri $status $body_bytes_sent $http_range"

    /// Starts nginx with `root` = `directory/www`; `locations` is extra nginx config for the server
    /// block, `http` for the http block (log formats: `$http_authorization` shows what a client sent);
    /// `logFormat` is an nginx `log_format` string for the access log (with `logRequests`).
    public init(
        directory: URL, locations: String = "", logRequests: Bool = false,
        logFormat: String = LoopbackNginx.requestLogFormat, http: String = ""
    ) throws {
        self.directory = directory
        root = directory.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        port = try Self.freePort()
        let temp = directory.path
        let logging =
            logRequests
            ? "log_format requests '\(logFormat)';\n    access_log \(temp)/access.log requests;"
            : "access_log off;"
        let config = """
            worker_processes 1;
            daemon off;
            pid \(temp)/nginx.pid;
            error_log \(temp)/error.log;
            events { worker_connections 64; }
            http {
                \(logging)
                \(http)
                client_body_temp_path \(temp)/body; proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi; uwsgi_temp_path \(temp)/uwsgi; scgi_temp_path \(temp)/scgi;
                sendfile on;
                server {
                    listen 127.0.0.1:\(port);
                    root \(root.path);
                    \(locations)
                }
            }
            """
        let configURL = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        guard
            let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw LoopbackError("nginx is not installed (tools/test.sh installs it: apt-get install nginx-light)")
        }
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
        throw LoopbackError("nginx did not start on 127.0.0.1:\(port); see \(temp)/error.log")
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Stops nginx: SIGTERM, then SIGKILL if it is still there after 5 s; never waits longer than 10 s.
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        process.terminate()
        if !Self.waitForExit(process, seconds: 5) {
            kill(pid, SIGKILL)
            _ = Self.waitForExit(process, seconds: 5)
        }
    }

    /// The pids of nginx's worker processes: children of the master, found in /proc (no procps needed).
    public func workerProcessIdentifiers() -> [Int32] {
        let master = processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == master ? pid : nil
        }
    }

    /// Kills nginx's workers with SIGKILL: every open connection drops, and the master starts new
    /// workers. Returns how many it killed.
    @discardableResult
    public func killWorkers() -> Int {
        let workers = workerProcessIdentifiers()
        for pid in workers { kill(pid, SIGKILL) }
        return workers.count
    }

    private static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw LoopbackError("no free loopback port: \(String(cString: strerror(errno)))") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        // Bounded: connect(2) honours the send timeout, so a listener that never accepts (a full
        // backlog) costs one second, not the kernel's SYN retries.
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}

public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
