import Foundation
import ZooTensor

/// A minimal safetensors reader for the parity fixtures (F32 and I64 only), until ZooCheckpoint's
/// reader replaces it. Format: 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the raw bytes.
struct SafetensorsFixture {
    let tensors: [String: Tensor]

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        guard data.count >= 8 else { throw FixtureError.malformed(url, "shorter than 8 bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard 8 + headerLength <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any]
        else { throw FixtureError.malformed(url, "bad header") }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let entry = entry as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw FixtureError.malformed(url, "bad entry \(name)") }
            let dtype: DType
            switch dtypeName {
            case "F32": dtype = .float32
            case "I64": dtype = .int64
            default: throw FixtureError.malformed(url, "\(name) has dtype \(dtypeName); only F32 and I64 are read")
            }
            let start = 8 + headerLength + offsets[0], end = 8 + headerLength + offsets[1]
            guard end <= data.count else { throw FixtureError.malformed(url, "\(name) runs past the end") }
            tensors[name] = data[start..<end].withUnsafeBytes { Tensor(copying: $0, dtype: dtype, shape: shape) }
        }
        self.tensors = tensors
    }

    subscript(name: String) -> Tensor {
        get throws {
            guard let tensor = tensors[name] else { throw FixtureError.missingTensor(name) }
            return tensor
        }
    }
}
