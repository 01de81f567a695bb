import Foundation
import Testing
import Zoo
import ZooLoopback
import ZooTestSupport

@testable import ZooHub

/// Two real nginx servers on loopback: `hub`, laid out as the Hugging Face Hub
/// (`/REPO/resolve/REVISION/FILE`), and `cdn`, where the hub redirects `timm/redirected-*` repos
/// as the real Hub redirects large files. Both log the Authorization header of every request.
final class HubLayout: @unchecked Sendable {
    let cdn: LoopbackNginx
    let hub: LoopbackNginx
    static let shared: HubLayout = try! HubLayout()

    private init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-hf-\(UUID().uuidString)")
        func headerLog(_ name: String) -> String {
            "log_format auth_\(name) '$uri $status [$http_authorization]'; access_log \(base.path)/\(name)/auth.log auth_\(name);"
        }
        cdn = try LoopbackNginx(
            directory: base.appendingPathComponent("cdn"), logRequests: true, http: headerLog("cdn"))
        hub = try LoopbackNginx(
            directory: base.appendingPathComponent("hub"),
            locations: """
                location ~ ^/timm/redirected-[^/]+/resolve/ { return 302 http://127.0.0.1:\(cdn.port)$uri; }
                location ~ ^/timm/slow- { limit_rate 8m; }
                """, logRequests: true, http: headerLog("hub"))
        hubLayoutPIDs = [hub.processIdentifier, cdn.processIdentifier]
        hubLayoutDirectory = strdup(base.path)
        atexit {
            for pid in hubLayoutPIDs where pid > 0 {
                kill(pid, SIGTERM)
                for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
            }
            if let directory = hubLayoutDirectory {
                try? FileManager.default.removeItem(atPath: String(cString: directory))
            }
        }
    }

    var endpoint: String { "http://127.0.0.1:\(hub.port)" }

    /// Puts `data` at `/REPO/resolve/REVISION/FILE` on the hub (or the cdn).
    func serve(_ data: Data, repo: String, revision: String = "main", file: String, onCDN: Bool = false) throws {
        let server = onCDN ? cdn : hub
        let url = server.root.appendingPathComponent("\(repo)/resolve/\(revision)/\(file)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// (status, Authorization header) of each request a server logged for `path`.
    /// A missing log fails the test: nginx opens it when it starts.
    func authorizations(of path: String, onCDN: Bool = false) throws -> [(status: Int, authorization: String)] {
        let log = try String(
            contentsOf: (onCDN ? cdn : hub).directory.appendingPathComponent("auth.log"), encoding: .utf8)
        return log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, fields[0] == path else { return nil }
            return (Int(fields[1]) ?? 0, String(fields[2].dropFirst().dropLast()))
        }
    }

    /// Kills the hub's worker (found in /proc, no external tool): every open connection drops.
    func dropConnections() {
        if hub.killWorkers() == 0 { Issue.record("nginx (pid \(hub.processIdentifier)) has no worker to kill") }
    }
}

nonisolated(unsafe) private var hubLayoutPIDs: [Int32] = []
nonisolated(unsafe) private var hubLayoutDirectory: UnsafeMutablePointer<CChar>?

/// `zoo pull` as timm and Hugging Face users expect it (issue 15, item 3).
@Suite struct HuggingFaceTests {
    let layout = HubLayout.shared
    let registry = HubFixtures.registry

    func hub(token: String? = nil, home: ZooHome = HubFixtures.temporaryHome()) -> Hub {
        var hub = Hub(home: home, offline: false)
        hub.huggingFace = HuggingFace(endpoint: layout.endpoint, token: token)
        return hub
    }

    /// A fresh `hubtest_mlp` cfg with an hf_hub_id (and whatever else `edit` sets); returns its name.
    func register(repo: String, _ edit: (inout PretrainedCfg) -> Void = { _ in }) throws -> String {
        var cfg = try #require(try registry.resolve("hubtest_mlp.untrained").cfg as PretrainedCfg?)
        cfg.tag = "hf_\(UUID().uuidString.prefix(8).lowercased())"
        cfg.hfHubID = repo
        edit(&cfg)
        try registry.register(cfgs: [cfg])
        return cfg.name.description
    }

    static func repo(_ kind: String) -> String { "timm/\(kind)-\(UUID().uuidString.prefix(8).lowercased())" }

    // MARK: Order of sources and files

    /// timm's `_get_safe_alternatives` + the file itself, from timm 1.0's own source.
    @Test func weightFilesFollowTimmsOrder() throws {
        let names = ["pytorch_model.bin", "open_clip_pytorch_model.bin", "open_clip_model.safetensors", "weights.bin"]
        let script = """
            import json, sys
            from timm.models._hub import _get_safe_alternatives
            print(json.dumps([list(_get_safe_alternatives(n)) + [n] for n in sys.argv[1:]]))
            """
        let timm = try JSONValue(parsing: Array(try python(script, names).utf8))
        for (index, name) in names.enumerated() {
            let rows = try #require(timm.arrayValue)
            try #require(rows.count == names.count)
            let expected = try #require(rows[index].arrayValue).compactMap(\.stringValue)
            #expect(!expected.isEmpty)
            let sharded = HuggingFace.weightFiles(hfHubFilename: name)
            #expect(sharded.filter { !$0.hasSuffix(".index.json") } == expected, "\(name)")
        }
        // No hf_hub_filename: timm's default pytorch_model.bin, each standard name followed by its index.
        #expect(
            HuggingFace.weightFiles(hfHubFilename: nil) == [
                "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json",
            ])
    }

    @Test func theHubComesBeforeTheURLAndEachFileInTurn() throws {
        let server = try NginxServer.shared()
        let fromURL = try HubFixtures.checkpoint(seed: 11), fromHub = try HubFixtures.checkpoint(seed: 12)
        let fromBin = try HubFixtures.checkpoint(seed: 13)
        let urlPath = "files/\(UUID().uuidString)/mlp.pth"
        let url = try server.serve(try HubFixtures.bytes(of: fromURL, as: "pth"), at: urlPath)

        // Both: the Hub's model.safetensors wins, the URL is never asked.
        let both = Self.repo("both")
        try layout.serve(try HubFixtures.bytes(of: fromHub, as: "safetensors"), repo: both, file: "model.safetensors")
        try layout.serve(try HubFixtures.bytes(of: fromBin, as: "pth"), repo: both, file: "pytorch_model.bin")
        let bothName = try register(repo: both) { $0.url = url }
        let cached = try hub().pull(bothName, registry: registry)
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), fromHub)
        #expect(cached.entry.source == "\(layout.endpoint)/\(both)/resolve/main/model.safetensors")
        #expect(try server.gets(of: "/" + urlPath) == 0)

        // Only pytorch_model.bin on the Hub: model.safetensors and its index answer 404 first.
        let binOnly = Self.repo("bin")
        try layout.serve(try HubFixtures.bytes(of: fromBin, as: "pth"), repo: binOnly, file: "pytorch_model.bin")
        let binName = try register(repo: binOnly) { $0.url = url }
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub().pull(binName, registry: registry).modelFile.path), fromBin)
        #expect(try layout.authorizations(of: "/\(binOnly)/resolve/main/model.safetensors").map(\.status) == [404])
        #expect(
            try layout.authorizations(of: "/\(binOnly)/resolve/main/model.safetensors.index.json").map(\.status) == [
                404
            ])

        // Nothing on the Hub: the URL after every Hub file.
        let emptyName = try register(repo: Self.repo("empty")) { $0.url = url }
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub().pull(emptyName, registry: registry).modelFile.path), fromURL)
        #expect(try server.gets(of: "/" + urlPath) == 1)

        // hf_hub_filename: open_clip's file after its safetensors twin.
        let clip = Self.repo("clip")
        try layout.serve(try HubFixtures.bytes(of: fromBin, as: "pth"), repo: clip, file: "open_clip_pytorch_model.bin")
        let clipName = try register(repo: clip) { $0.hfHubFilename = "open_clip_pytorch_model.bin" }
        let clipCached = try hub().pull(clipName, registry: registry)
        #expect(clipCached.entry.originalFile == "open_clip_pytorch_model.bin")
        #expect(
            try layout.authorizations(of: "/\(clip)/resolve/main/open_clip_model.safetensors").map(\.status) == [404])

        // Every source failing names each attempt.
        let noneName = try register(repo: Self.repo("none")) { $0.url = server.url("files/missing.pth") }
        #expect {
            try hub().pull(noneName, registry: registry)
        } throws: { error in
            guard case let .noSourceAnswered(_, attempts) = error as? HubError else { return false }
            return attempts.count == 5 && attempts.allSatisfy { $0.contains("HTTP 404") }
        }
    }

    @Test func revisionsFromTheNameTheOptionOrTheCfg() throws {
        let repo = Self.repo("rev")
        let main = try HubFixtures.checkpoint(seed: 21), tagged = try HubFixtures.checkpoint(seed: 22)
        let pr = try HubFixtures.checkpoint(seed: 23)
        try layout.serve(try HubFixtures.bytes(of: main, as: "safetensors"), repo: repo, file: "model.safetensors")
        try layout.serve(
            try HubFixtures.bytes(of: tagged, as: "safetensors"), repo: repo, revision: "v2", file: "model.safetensors")
        // refs/pr/1 travels as one quoted segment (refs%2Fpr%2F1); nginx decodes it to a path.
        try layout.serve(
            try HubFixtures.bytes(of: pr, as: "safetensors"), repo: repo, revision: "refs/pr/1",
            file: "model.safetensors")
        let name = try register(repo: repo)
        let home = HubFixtures.temporaryHome()

        let atV2 = try hub(home: home).pull(name + "@v2", registry: registry)
        #expect(atV2.name == name + "@v2")
        #expect(home.cachedNames().contains(name + "@v2"))
        HubFixtures.expectSameTensors(try Checkpoint.load(atV2.modelFile.path), tagged)
        var withOption = hub(home: home)
        withOption.revision = "refs/pr/1"
        let atPR = try withOption.pull(name, registry: registry)
        #expect(atPR.entry.source.hasSuffix("/resolve/refs%2Fpr%2F1/model.safetensors"))
        #expect(atPR.name == name + "@refs%2Fpr%2F1")
        HubFixtures.expectSameTensors(try Checkpoint.load(atPR.modelFile.path), pr)
        // The plain name is its own cache entry, at main.
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub(home: home).pull(name, registry: registry).modelFile.path), main)
        // The cfg's own revision (timm's hf_hub_id@rev).
        let pinned = try register(repo: repo + "@v2")
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub().pull(pinned, registry: registry).modelFile.path), tagged)
    }

    // MARK: HF_ENDPOINT and the token

    @Test func endpointAndTokenComeFromTheEnvironmentAsHuggingFaceHubReadsThem() throws {
        let folder = HubFixtures.temporaryDirectory()
        let tokenFile = folder.appendingPathComponent("my-token")
        try "hf_from_path\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("hfhome"), withIntermediateDirectories: true)
        try "hf_from_home".write(to: folder.appendingPathComponent("hfhome/token"), atomically: true, encoding: .utf8)
        let home = folder.appendingPathComponent("hfhome").path
        #expect(HuggingFace.fromEnvironment([:]).endpoint == "https://huggingface.co")
        #expect(HuggingFace.fromEnvironment(["HF_ENDPOINT": "http://mirror:8080/"]).endpoint == "http://mirror:8080")
        #expect(HuggingFace.fromEnvironment(["HF_TOKEN": "hf_env", "HF_TOKEN_PATH": tokenFile.path]).token == "hf_env")
        #expect(
            HuggingFace.fromEnvironment(["HF_TOKEN_PATH": tokenFile.path, "HF_HOME": home]).token == "hf_from_path")
        #expect(HuggingFace.fromEnvironment(["HF_HOME": home]).token == "hf_from_home")
        #expect(HuggingFace.fromEnvironment(["HF_HOME": folder.path]).token == nil)

        // A pull through HF_ENDPOINT with HF_TOKEN: the hub saw the token.
        let repo = Self.repo("env")
        let weights = try HubFixtures.checkpoint(seed: 31)
        try layout.serve(try HubFixtures.bytes(of: weights, as: "safetensors"), repo: repo, file: "model.safetensors")
        var hub = Hub(home: HubFixtures.temporaryHome(), offline: false)
        hub.huggingFace = .fromEnvironment(["HF_ENDPOINT": layout.endpoint, "HF_TOKEN": "hf_secret_env"])
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub.pull(try register(repo: repo), registry: registry).modelFile.path), weights)
        #expect(
            try layout.authorizations(of: "/\(repo)/resolve/main/model.safetensors").map(\.authorization) == [
                "Bearer hf_secret_env"
            ])
    }

    @Test func theTokenReachesTheHubOnlyNeverAcrossARedirectOrToAnotherHost() throws {
        let token = "hf_secret_\(UUID().uuidString.prefix(8))"
        // The hub answers 302 to the cdn (another port), as the Hub sends large files to its CDN.
        let repo = Self.repo("redirected")
        let weights = try HubFixtures.checkpoint(seed: 41)
        try layout.serve(
            try HubFixtures.bytes(of: weights, as: "safetensors"), repo: repo, file: "model.safetensors", onCDN: true)
        let name = try register(repo: repo)
        HubFixtures.expectSameTensors(
            try Checkpoint.load(try hub(token: token).pull(name, registry: registry).modelFile.path), weights)
        let path = "/\(repo)/resolve/main/model.safetensors"
        #expect(try layout.authorizations(of: path).map(\.status) == [302])
        #expect(try layout.authorizations(of: path).map(\.authorization) == ["Bearer \(token)"])
        let atCDN = try layout.authorizations(of: path, onCDN: true)
        #expect(atCDN.map(\.status) == [200])
        // nginx logs a missing header as "-".
        #expect(atCDN.map(\.authorization) == ["-"], "the token crossed the redirect: \(atCDN)")

        // A cfg url on another host (here the cdn's port) gets no token either.
        let urlWeights = try HubFixtures.checkpoint(seed: 42)
        try layout.serve(
            try HubFixtures.bytes(of: urlWeights, as: "pth"), repo: "plain", file: "\(UUID().uuidString).pth",
            onCDN: true)
        let plainFile = try FileManager.default.contentsOfDirectory(
            atPath: layout.cdn.root.appendingPathComponent("plain/resolve/main").path
        )
        .first { !$0.hasPrefix(".") }!
        let plainPath = "/plain/resolve/main/\(plainFile)"
        let urlName = try register(repo: Self.repo("missing")) {
            $0.url = layout.cdn.url(String(plainPath.dropFirst()))
        }
        _ = try hub(token: token).pull(urlName, registry: registry)
        #expect(try layout.authorizations(of: plainPath, onCDN: true).map(\.authorization) == ["-"])
    }

    // MARK: Sharded checkpoints

    @Test func aThreeShardModelPullsResumesAfterADroppedConnectionAndEqualsTheUnshardedFile() throws {
        let fixtures = try ShardFixtures.folder()
        let repo = "timm/slow-sharded-\(UUID().uuidString.prefix(8).lowercased())"
        let names = try ShardIndex.shardNames(
            ofIndex: fixtures.appendingPathComponent("model.safetensors.index.json").path)
        #expect(names.count == 3)
        for file in ["model.safetensors.index.json"] + names {
            try layout.serve(try Data(contentsOf: fixtures.appendingPathComponent(file)), repo: repo, file: file)
        }
        var cfg = PretrainedCfg(architecture: "resnet18", tag: "hf_sharded_\(UUID().uuidString.prefix(8).lowercased())")
        cfg.hfHubID = repo
        try registry.register(cfgs: [cfg])
        let home = HubFixtures.temporaryHome()
        let hub = hub(home: home)

        // Cut the connection while the second shard is arriving; the pull resumes it with Range.
        let secondPart = home.partial(cfg.name.description).appendingPathComponent(names[1] + ".part")
        let result = HubFixtures.Results()
        let done = DispatchSemaphore(value: 0)
        let registry = registry, modelName = cfg.name.description
        Thread.detachNewThread {
            result.append(Result { try hub.pull(modelName, registry: registry).entry })
            done.signal()
        }
        var dropped = false
        // Bounded: a pull that never ends fails here instead of holding the suite.
        let deadline = Date().addingTimeInterval(300)
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            try #require(Date() < deadline, "the sharded pull did not finish within 300 s")
            let size = (try? FileManager.default.attributesOfItem(atPath: secondPart.path)[.size] as? Int) ?? 0
            if !dropped, size > 1 << 20 { layout.dropConnections(); dropped = true }
        }
        #expect(dropped)
        let entry = try #require(try result.all.first?.get())
        let path = "/\(repo)/resolve/main/\(names[1])"
        let requests = try layout.authorizations(of: path)
        #expect(requests.map(\.status).contains(206), "\(requests)")
        #expect(entry.originalFile == "model.safetensors.index.json")

        let pulled = try Checkpoint.load(home.modelFile(cfg.name.description).path)
        let unsharded = try Checkpoint.load(fixtures.appendingPathComponent("model.safetensors").path)
        #expect(pulled.architecture == "resnet18")
        #expect(Set(pulled.names) == Set(unsharded.names) && pulled.names.count == unsharded.names.count)
        for (name, tensor) in unsharded.tensors {
            #expect(pulled[name]?.dtype == tensor.dtype && pulled[name]?.shape == tensor.shape, "\(name)")
            #expect(pulled[name]?.contiguousBytes() == tensor.contiguousBytes(), "\(name)")
        }
        // The shards are kept beside their index in the entry; nothing is left in partial/.
        for file in names {
            #expect(
                FileManager.default.fileExists(
                    atPath: home.entry(cfg.name.description).appendingPathComponent(file).path))
        }
        #expect(!FileManager.default.fileExists(atPath: home.partial(cfg.name.description).path))
    }

    @Test func aShardIndexNamingAFileOutsideItsFolderIsRefused() throws {
        let repo = Self.repo("evil")
        let index = #"{"metadata": {}, "weight_map": {"0.weight": "../../other/secret.safetensors"}}"#
        try layout.serve(Data(index.utf8), repo: repo, file: "model.safetensors.index.json")
        let home = HubFixtures.temporaryHome()
        let name = try register(repo: repo)
        #expect {
            try hub(home: home).pull(name, registry: registry)
        } throws: { error in
            guard case let .badShardIndex(url, reason) = error as? HubError else { return false }
            return url.hasSuffix("model.safetensors.index.json") && reason.contains("../../other/secret.safetensors")
        }
        HubFixtures.expectNothingCached(home, name)
    }

    /// Runs Debian's python3 with timm, within `BoundedProcess`'s time limit.
    func python(_ script: String, _ arguments: [String]) throws -> String {
        let result = try BoundedProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script] + arguments)
        guard result.status == 0 else {
            throw HubError.unreadable("python3 -c (status \(result.status)): \(result.stderr)")
        }
        return result.stdout
    }
}

/// tools/parity/make_sharded_fixtures.py's folder: resnet18 whole and in three shards.
enum ShardFixtures {
    static func folder() throws -> URL {
        let parity =
            ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"].flatMap {
                $0.isEmpty ? nil : URL(fileURLWithPath: $0)
            }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".cache/parity")
        let folder = parity.appendingPathComponent("sharded")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors.index.json").path)
        else {
            throw HubError.unreadable(
                "\(folder.path): run /usr/bin/python3 tools/parity/make_sharded_fixtures.py first")
        }
        return folder
    }
}
