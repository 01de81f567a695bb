import Foundation
import Testing
import ZooTensor

/// Where the PyTorch-made fixtures live: `$ZOO_PARITY_DIR`, else `<repo>/.cache/parity`.
/// They are too large to commit; `tools/parity/make_resnet_fixtures.py` makes them.
enum ParityFixtures {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // This file is <repo>/Tests/ZooModelsTests/ParityFixtures.swift.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent(".cache/parity")
    }()

    /// The fixture file, or an error telling how to make it (a missing fixture fails, never skips).
    static func file(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw FixtureError.notGenerated(url) }
        return url
    }

    static func tensors(_ name: String) throws -> SafetensorsFixture {
        try SafetensorsFixture(contentsOf: file(name))
    }

    /// timm's state-dict table for a variant: keys in order, with shapes and dtypes.
    struct Manifest: Decodable {
        let name: String
        let keys: [KeyEntry]
        struct KeyEntry: Decodable, Equatable {
            let key: String, shape: [Int], dtype: String
            init(key: String, shape: [Int], dtype: String) { (self.key, self.shape, self.dtype) = (key, shape, dtype) }
            init(from decoder: Decoder) throws {
                var row = try decoder.unkeyedContainer()
                self.init(
                    key: try row.decode(String.self), shape: try row.decode([Int].self),
                    dtype: try row.decode(String.self))
            }
        }
    }

    static func manifest(_ variant: String) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: file("\(variant).json")))
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case notGenerated(URL)
    case malformed(URL, String)
    case missingTensor(String)

    var description: String {
        switch self {
        case .notGenerated(let url):
            "parity fixture \(url.path) is missing: run `/usr/bin/python3 tools/parity/make_resnet_fixtures.py` "
                + "from the repository root (or set ZOO_PARITY_DIR to a folder it filled) before `swift test`"
        case let .malformed(url, reason): "fixture \(url.path) is malformed: \(reason)"
        case .missingTensor(let name): "fixture has no tensor \"\(name)\""
        }
    }
}

/// max |actual − expected| / max |expected|: the error relative to the tensor's largest magnitude.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "comparing \(actual.shape) with \(expected.shape)")
    let a = actual.toArray(), e = expected.toArray()
    if a.contains(where: \.isNaN) { return .infinity }
    let scale = e.reduce(0) { max($0, abs($1)) }
    let worst = zip(a, e).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return scale > 0 ? worst / scale : worst
}
