import Foundation
import Testing
import ZooTensor

/// One op recorded by real PyTorch (tools/fixtures/make_tensor_fixtures.py).
struct OpFixture: Decodable, CustomTestStringConvertible {
    struct Values: Decodable {
        let shape: [Int]
        let data: [Double]
        var tensor: Tensor { Tensor(data.map { Float($0) }, shape: shape) }
    }
    let name: String
    let op: String
    let params: [String: Param]
    let inputs: [String: Values]
    let upstream: Values
    let output: Values
    let grads: [String: Values]
    let running_mean: Values?
    let running_var: Values?
    let running_mean_after: Values?
    let running_var_after: Values?

    var testDescription: String { name }

    enum Param: Decodable {
        case number(Double)
        case list([Int])
        case flag(Bool)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .flag(b)
            } else if let n = try? c.decode(Double.self) {
                self = .number(n)
            } else {
                self = .list(try c.decode([Int].self))
            }
        }
    }

    func int(_ key: String) -> Int { if case .number(let n) = params[key] { return Int(n) }; fatalError("no \(key)") }
    func float(_ key: String) -> Float {
        if case .number(let n) = params[key] { return Float(n) }; fatalError("no \(key)")
    }
    func flag(_ key: String) -> Bool { if case .flag(let b) = params[key] { return b }; fatalError("no \(key)") }
    func pair(_ key: String) -> (Int, Int) {
        if case .list(let l) = params[key] { return (l[0], l[1]) }; fatalError("no \(key)")
    }
    func list(_ key: String) -> [Int] { if case .list(let l) = params[key] { return l }; fatalError("no \(key)") }

    static func all() throws -> [OpFixture] {
        struct File: Decodable { let cases: [OpFixture] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: opsFixtureURL())).cases
    }
}

/// Asserts `actual` equals `expected` within `tolerance` of the larger of 1 and the largest magnitude.
func expectClose(
    _ actual: Tensor, _ expected: OpFixture.Values, tolerance: Float = 1e-4,
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let values = actual.toArray()
    let scale = max(1, expected.data.map { Swift.abs(Float($0)) }.max() ?? 1)
    var worst: Float = 0, at = 0
    for (i, (a, e)) in zip(values, expected.data).enumerated() where Swift.abs(a - Float(e)) > worst {
        worst = Swift.abs(a - Float(e)); at = i
    }
    #expect(
        worst <= tolerance * scale, "\(what): max difference \(worst) at \(at) (scale \(scale))",
        sourceLocation: sourceLocation)
}

/// Fixtures/ops.json (tools/fixtures/make_tensor_fixtures.py); its absence fails the tests that read it.
func opsFixtureURL() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Fixtures/ops", withExtension: "json") else {
        throw MissingOpsFixture()
    }
    return url
}

struct MissingOpsFixture: Error, CustomStringConvertible {
    var description: String {
        "Fixtures/ops.json is missing: run /usr/bin/python3 tools/fixtures/make_tensor_fixtures.py"
    }
}
