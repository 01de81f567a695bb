import Foundation
import Testing

/// Fixtures too large to commit, made by `tools/parity/make_image_fixtures.py` into
/// `$ZOO_PARITY_DIR` (default `<repo>/.cache/parity`); a missing one fails the test.
enum ParityFixtures {
    static let directory: String = {
        if let path = ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"], !path.isEmpty { return path }
        // This file is <repo>/Tests/ZooDataTests/ParityFixtures.swift.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".cache/parity").path
    }()

    static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw FixtureError.missing("\(path) (run tools/parity/make_image_fixtures.py)")
        }
        return path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// image.json: the photos and eval cases with timm's resolved data configs.
    struct Manifest: Decodable {
        struct Config: Decodable {
            let input_size: [Int], interpolation: String, mean: [Double], std: [Double], crop_pct: Double,
                crop_mode: String
        }
        struct Case: Decodable { let `case`: String, cfg: String, config: Config }
        let photos: [String]
        let cases: [Case]
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(try bytes("image.json")))
    }
}
