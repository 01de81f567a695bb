import Foundation
import ZooRegistry

/// The Hugging Face Hub's conventions, as `huggingface_hub` and timm follow them: where the Hub
/// is (`HF_ENDPOINT`), who the user is (`HF_TOKEN`, or the token file `huggingface-cli login`
/// writes), how a file's URL is made (`{endpoint}/{repo}/resolve/{revision}/{file}`) and which
/// files a timm cfg's weights may be (docs/cache.md, "Hugging Face Hub").
public struct HuggingFace: Sendable, Equatable {
    public static let defaultEndpoint = "https://huggingface.co"

    /// Scheme, host and port of the Hub (`HF_ENDPOINT`, a mirror), without a trailing slash.
    public var endpoint: String
    /// Sent as `Authorization: Bearer` to the endpoint's own origin, never to another host.
    public var token: String?

    public init(endpoint: String = HuggingFace.defaultEndpoint, token: String? = nil) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.token = token
    }

    /// `HF_ENDPOINT` and the token: `HF_TOKEN`, else the file at `HF_TOKEN_PATH`, else
    /// `$HF_HOME/token` (`HF_HOME` defaulting to `$XDG_CACHE_HOME/huggingface`, then
    /// `~/.cache/huggingface`), as huggingface_hub reads them.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> HuggingFace
    {
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        return HuggingFace(endpoint: endpoint, token: token(environment))
    }

    static func token(_ environment: [String: String]) -> String? {
        if let token = environment["HF_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return token
        }
        let path: String
        if let file = environment["HF_TOKEN_PATH"], !file.isEmpty {
            path = file
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            path = home + "/token"
        } else if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            path = cache + "/huggingface/token"
        } else {
            path =
                FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/huggingface/token").path
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// `{endpoint}/{repo}/resolve/{revision}/{file}`; the revision is one path segment
    /// (`refs/pr/1` → `refs%2Fpr%2F1`), as huggingface_hub's `hf_hub_url` quotes it.
    public func url(repo: String, revision: String, file: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/")
        let quotedRevision = revision.addingPercentEncoding(withAllowedCharacters: allowed) ?? revision
        let quotedFile = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
        return "\(endpoint)/\(repo)/resolve/\(quotedRevision)/\(quotedFile)"
    }

    /// The bearer token for `url` when it is on the endpoint's origin (scheme, host and port).
    public func authorization(for url: String) -> Download.Authorization? {
        guard let token, Download.sameOrigin(url, endpoint) else { return nil }
        return Download.Authorization(origin: endpoint, token: token)
    }

    /// The files a cfg's weights may be on the Hub, in the order they are tried. timm's
    /// `load_state_dict_from_hf`: `hf_hub_filename` or else `pytorch_model.bin`, preceded by its
    /// safetensors twin (`model.safetensors`, `open_clip_model.safetensors` for open_clip's
    /// `open_clip_pytorch_model.bin`, `X.safetensors` for another `X.bin`). After each of the
    /// two standard names comes its sharded form (`NAME.index.json`), as transformers tries them.
    public static func weightFiles(hfHubFilename: String?) -> [String] {
        let filename = hfHubFilename.flatMap { $0.isEmpty ? nil : $0 } ?? "pytorch_model.bin"
        var files = [String]()
        if !filename.hasSuffix(".safetensors") {
            switch filename {
            case "pytorch_model.bin": files.append("model.safetensors")
            case "open_clip_pytorch_model.bin": files.append("open_clip_model.safetensors")
            default: if filename.hasSuffix(".bin") { files.append(String(filename.dropLast(4)) + ".safetensors") }
            }
        }
        files.append(filename)
        return files.flatMap {
            ["model.safetensors", "pytorch_model.bin"].contains($0) ? [$0, $0 + ".index.json"] : [$0]
        }
    }

    /// `timm/resnet50.a1_in1k@v1.0` → ("timm/resnet50.a1_in1k", "v1.0"), timm's `hf_split`; the
    /// same for a model name given with a revision (`resnet50.a1_in1k@v1.0`).
    public static func splitRevision(_ identifier: String) -> (name: String, revision: String?) {
        guard let at = identifier.firstIndex(of: "@") else { return (identifier, nil) }
        let revision = String(identifier[identifier.index(after: at)...])
        return (String(identifier[..<at]), revision.isEmpty ? nil : revision)
    }
}
