import Foundation

/// Runs a program for a test with every wait bounded: output goes to files (a pipe read can block
/// forever while any process holds its write end, and a full pipe blocks the child), and the
/// process gets `timeout` seconds, then SIGTERM, then SIGKILL. A test that would hang fails instead,
/// naming the command.
public enum BoundedProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let command: String
        public let seconds: Double
        public let stderr: String
        public var description: String {
            "\(command) was still running after \(Int(seconds)) s and was killed; stderr so far:\n\(stderr)"
        }
    }

    /// Default limit for one program: generous, since the machine may be shared and slow.
    public static let defaultTimeout: Double = 600

    /// Runs `executable arguments...` to completion (or to `timeout` seconds), stdin from /dev/null,
    /// in `directory` when given.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        directory: URL? = nil, timeout: Double = defaultTimeout
    ) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()

        if finished.wait(timeout: .now() + timeout) == .timedOut {
            let pid = process.processIdentifier
            process.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut {
                kill(pid, SIGKILL)
                _ = finished.wait(timeout: .now() + 5)
            }
            let command = ([executable.path] + arguments).joined(separator: " ")
            throw TimedOut(command: command, seconds: timeout, stderr: read(errURL))
        }
        return Result(status: process.terminationStatus, stdout: read(outURL), stderr: read(errURL))
    }

    private static func read(_ url: URL) -> String {
        String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
    }
}
