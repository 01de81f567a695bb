/// What can go wrong getting weights; every message names the URL, file or model involved.
public enum HubError: Error, CustomStringConvertible, Equatable {
    case httpStatus(url: String, status: Int)
    case transfer(url: String, reason: String)
    case checksumMismatch(url: String, expected: String, actual: String)
    case sizeMismatch(url: String, expected: Int64, actual: Int64)
    case unreadable(String)
    case lockFailed(String, String)
    case offline(model: String, missing: String)
    case noSource(model: String)
    case unknownModel(String)
    case badIndex(path: String, reason: String)
    case unsupportedURL(String)
    case conversion(url: String, reason: String)
    /// Every source of a model failed; `attempts` says how, in the order they were tried.
    case noSourceAnswered(model: String, attempts: [String])
    /// A shard index that cannot be followed (malformed, or naming files outside its folder).
    case badShardIndex(url: String, reason: String)

    public var description: String {
        switch self {
        case .httpStatus(let url, let status): "\(url): HTTP \(status)"
        case .transfer(let url, let reason): "\(url): download failed: \(reason)"
        case .checksumMismatch(let url, let expected, let actual):
            "\(url): SHA-256 mismatch: expected \(expected), got \(actual); nothing was cached"
        case .sizeMismatch(let url, let expected, let actual): "\(url): expected \(expected) bytes, got \(actual)"
        case .unreadable(let path): "\(path): cannot be read"
        case .lockFailed(let path, let reason): "\(path): cannot lock: \(reason)"
        case .offline(let model, let missing):
            "ZOO_OFFLINE=1 and \(model) is not in the cache (missing \(missing)); pull it while online or unset ZOO_OFFLINE"
        case .noSource(let model): "\(model): its pretrained config has no url, hf_hub_id or file to download from"
        case .unknownModel(let name): "\(name): no such model in the registry or the zoo index"
        case .badIndex(let path, let reason): "\(path): bad zoo index: \(reason)"
        case .unsupportedURL(let url): "\(url): only http, https and file URLs (or plain paths) are supported"
        case .conversion(let url, let reason):
            "\(url): verified, but cannot be converted to .zoo: \(reason); nothing was cached"
        case .noSourceAnswered(let model, let attempts):
            "\(model): no source could be downloaded:\n  " + attempts.joined(separator: "\n  ")
        case .badShardIndex(let url, let reason): "\(url): bad shard index: \(reason)"
        }
    }
}

extension HubError {
    /// Whether the next source may be tried: this one is missing, refused us, or was unreachable.
    /// A file that arrived but failed its checks (hash, size, conversion) ends the pull.
    var passesTheTurn: Bool {
        switch self {
        case .httpStatus, .transfer, .unreadable: true
        default: false
        }
    }
}
