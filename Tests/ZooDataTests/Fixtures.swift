import Foundation
import Testing

/// Committed fixtures (tools/fixtures/make_image_fixtures.py and friends); a missing one fails.
enum Fixtures {
    static let directory: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("ZooDataTests fixtures are missing from the test bundle")
        }
        return url.path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw FixtureError.missing(path(name))
        }
        return [UInt8](data)
    }

    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try bytes(name)))
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case missing(String)
    var description: String {
        switch self {
        case .missing(let path): "fixture \(path) is missing: run its tools/fixtures or tools/parity script"
        }
    }
}
