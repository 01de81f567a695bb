import Foundation
import Testing
import ZooCheckpoint
import ZooTestSupport

/// The `zoo` executable `swift build` made, run as a user would run it.
enum ZooProcess {
    /// This file is <repo>/Tests/ZooCLITests/ZooProcess.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = repositoryRoot.appendingPathComponent(".build/debug/zoo")

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String {
            "\(ZooProcess.binary.path) does not exist: run `swift build` (it builds the zoo command) before `swift test`"
        }
    }

    /// Runs `zoo arguments...` to completion, within `BoundedProcess`'s limit: output goes through
    /// files, not pipes, so a chatty command can't fill a pipe buffer and block.
    static func run(_ arguments: String...) throws -> Result { try run(arguments) }

    /// Runs `executable` (the built `zoo` unless told) with extra environment variables, in
    /// `directory` when given.
    static func run(
        _ arguments: [String], executable: URL = binary, environment extra: [String: String] = [:],
        directory: URL? = nil
    ) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw MissingBinary() }
        let scratch = try TemporaryDirectory()
        // The built-in registry only: manifests or a cache from the caller's shell must not leak in.
        var environment = ProcessInfo.processInfo.environment
        environment["ZOO_MANIFESTS"] = nil
        environment["ZOO_HOME"] = scratch.url.appendingPathComponent("zoo-home").path
        environment.merge(extra) { $1 }
        let result = try BoundedProcess.run(executable, arguments, environment: environment, directory: directory)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// A fresh folder under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Fixtures other test targets own, read in place.
enum Fixtures {
    static func url(_ relativePath: String) -> URL {
        ZooProcess.repositoryRoot.appendingPathComponent(relativePath)
    }

    /// The PyTorch-made parity fixtures: `$ZOO_PARITY_DIR`, else `<repo>/.cache/parity`.
    static func parity(_ name: String) throws -> URL {
        let folder =
            ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"].flatMap {
                $0.isEmpty ? nil : URL(fileURLWithPath: $0)
            }
            ?? url(".cache/parity")
        let file = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw MissingParityFixture(path: file.path)
        }
        return file
    }

    struct MissingParityFixture: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "parity fixture \(path) is missing: run `/usr/bin/python3 tools/parity/make_resnet_fixtures.py` "
                + "from the repository root before `swift test`"
        }
    }

    /// A JSON file with its objects' key order kept.
    static func json(_ url: URL) throws -> JSONValue {
        try JSONValue(parsing: Array(try Data(contentsOf: url)), source: url.path)
    }
}
