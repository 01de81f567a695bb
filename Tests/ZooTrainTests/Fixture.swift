import Foundation
import Testing
import ZooTensor

/// A tensor as the fixture scripts in tools/fixtures write it.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let dtype: String?
    let data: [Double]

    /// A float32 tensor, or int64 when the fixture says so; `requiresGrad` applies to float32 only.
    func tensor(requiresGrad: Bool = false) -> Tensor {
        if dtype == "int64" { return Tensor(data, shape: shape, dtype: .int64) }
        return Tensor(data.map { Float($0) }, shape: shape, requiresGrad: requiresGrad)
    }
}

/// An option as the fixture scripts write it: number, flag or list of numbers (PyTorch's `betas`).
enum FixtureOption: Decodable {
    case number(Double)
    case flag(Bool)
    case list([Double])
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let list = try? container.decode([Double].self) {
            self = .list(list)
        } else {
            self = .number(try container.decode(Double.self))
        }
    }
}

/// Decodes `Fixtures/<name>.json` from the test bundle.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json") else {
        throw FixtureError(description: "missing fixture Fixtures/\(name).json: run tools/fixtures/make_*_fixtures.py")
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// A fixture that is missing or unreadable: the tests that need it fail with this.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Largest |actual − expected| divided by max(1, largest |expected|): absolute error for values
/// of order one, relative error for large ones.
func scaledError(_ actual: [Float], _ expected: [Double]) -> Double {
    let scale = max(1, expected.map(Swift.abs).max() ?? 1)
    return zip(actual, expected).map { Swift.abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
}

/// Expects `actual` to match the fixture tensor in shape and, within `tolerance`, in value.
func expectClose(
    _ actual: Tensor?, _ expected: FixtureTensor, tolerance: Double = 1e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else { Issue.record("\(what): missing", sourceLocation: sourceLocation); return }
    #expect(
        actual.shape == expected.shape, "\(what): shape \(actual.shape) vs PyTorch \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let error = scaledError(actual.toArray(), expected.data)
    #expect(error <= tolerance, "\(what): error \(error) vs PyTorch", sourceLocation: sourceLocation)
}
