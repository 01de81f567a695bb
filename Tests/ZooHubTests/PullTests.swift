import Foundation
import Testing
import Zoo

@testable import ZooHub

/// `zoo pull` end to end against a real nginx on loopback: each test has its own cache and its
/// own files on the server, so they run in parallel.
@Suite struct PullTests {
    let server: NginxServer
    let registry = HubFixtures.registry

    init() throws { server = try NginxServer.shared() }

    // MARK: Happy paths

    @Test func pullsAPthOverHTTPVerifiesAndConvertsToZoo() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 1)
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let path = "files/\(UUID().uuidString)/mlp.pth"
        let url = try server.serve(bytes, at: path)
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))

        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.name == name)
        #expect(cached.modelFile == home.modelFile(name))
        #expect(cached.entry.verified)
        #expect(cached.entry.source == url)
        #expect(cached.entry.originalFile == "mlp.pth")
        #expect(cached.entry.originalSHA256 == HubFixtures.sha256(bytes))
        #expect(cached.entry.originalSize == Int64(bytes.count))
        #expect(try Checkpoint.format(of: cached.modelFile.path) == .zoo)
        #expect(cached.entry.modelSHA256 == nil)  // converted: checked by its CRCs
        let loaded = try Checkpoint.load(cached.modelFile.path)
        #expect(loaded.architecture == HubFixtures.architecture)
        #expect(loaded.tag == ModelName(name).tag)
        #expect(loaded.config?["num_classes"]?.intValue == 3)
        HubFixtures.expectSameTensors(loaded, source)
        // Nothing else is left behind: no partial file, no scratch directory.
        #expect(!FileManager.default.fileExists(atPath: home.partial(name).path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.models.path) == [name])

        // A second pull answers from the cache: no second request.
        let again = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(again.entry == cached.entry)
        #expect(try server.gets(of: "/" + path) == 1)
    }

    @Test func pullsSafetensorsVerifiedByTheHashPrefixInTheFileName() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 2)
        let bytes = try HubFixtures.bytes(of: source, as: "safetensors")
        let prefix = String(HubFixtures.sha256(bytes).prefix(8))
        let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/mlp-\(prefix).safetensors")
        let name = try HubFixtures.register(url: url, sha256: nil)

        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.entry.verified)
        #expect(try Checkpoint.format(of: cached.modelFile.path) == .zoo)
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), source)
    }

    @Test func aSourceWithoutAKnownHashIsCachedUnverified() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 3), as: "pth")
        let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/plain.pth")
        let name = try HubFixtures.register(url: url, sha256: nil)
        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(!cached.entry.verified)
        #expect(cached.entry.originalSHA256 == HubFixtures.sha256(bytes))
    }

    @Test func pullsALocalFileNamedByTheCfg() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 4)
        let file = HubFixtures.temporaryDirectory().appendingPathComponent("local.safetensors")
        try source.save(file.path)
        let name = try HubFixtures.register(file: file.path, sha256: try SHA256Hasher.hexDigest(ofFile: file))
        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.entry.verified)
        #expect(cached.entry.source == file.path)
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), source)
    }

    // MARK: Rejected downloads leave nothing behind

    @Test func aSHA256MismatchIsRejectedAndNothingIsCached() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 5), as: "pth")
        let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/mlp.pth")
        let wrong = String(repeating: "ab", count: 32)
        let name = try HubFixtures.register(url: url, sha256: wrong)
        #expect(throws: HubError.checksumMismatch(url: url, expected: wrong, actual: HubFixtures.sha256(bytes))) {
            try Hub(home: home, offline: false).pull(name, registry: registry)
        }
        HubFixtures.expectNothingCached(home, name)
    }

    @Test func aHashPrefixMismatchIsRejectedAndNothingIsCached() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 6), as: "pth")
        let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/resnet18-f37072fd.pth")
        let name = try HubFixtures.register(url: url, sha256: nil)
        do {
            _ = try Hub(home: home, offline: false).pull(name, registry: registry)
            Issue.record("a file whose hash does not start with f37072fd was accepted")
        } catch let error as HubError {
            guard case .checksumMismatch(let failedURL, let expected, _) = error else { throw error }
            #expect(failedURL == url)
            #expect(expected.hasPrefix("f37072fd"))
            #expect(error.description.contains(url))
        }
        HubFixtures.expectNothingCached(home, name)
    }

    @Test func aFileThatIsNoCheckpointIsRejectedAndNothingIsCached() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = Data("this is not a checkpoint at all, just text".utf8)
        let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/junk.pth")
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))
        #expect { try Hub(home: home, offline: false).pull(name, registry: registry) } throws: { error in
            guard case HubError.conversion(let failedURL, _) = error else { return false }
            return failedURL == url
        }
        HubFixtures.expectNothingCached(home, name)
    }

    @Test func notFoundAndServerErrorsNameTheURL() throws {
        let home = HubFixtures.temporaryHome()
        let missing = server.url("files/\(UUID().uuidString)/missing.pth")
        let name404 = try HubFixtures.register(url: missing, sha256: nil)
        #expect(throws: HubError.httpStatus(url: missing, status: 404)) {
            try Hub(home: home, offline: false).pull(name404, registry: registry)
        }
        let broken = server.url("error500")
        let name500 = try HubFixtures.register(url: broken, sha256: nil)
        #expect(throws: HubError.httpStatus(url: broken, status: 500)) {
            try Hub(home: home, offline: false).pull(name500, registry: registry)
        }
        #expect(HubError.httpStatus(url: missing, status: 404).description == "\(missing): HTTP 404")
        HubFixtures.expectNothingCached(home, name404)
        HubFixtures.expectNothingCached(home, name500)
    }

    // MARK: Resuming, locking, offline, mirrors

    @Test func aConnectionDroppedMidFileIsResumedWithRangeThenVerified() throws {
        // Killing the worker would cut other tests' transfers and their request counts: an own server.
        let server = try NginxServer()
        let home = HubFixtures.temporaryHome()
        // 6 MB behind the 4 MB/s location: the drop comes well before the end.
        let source = Checkpoint(tensors: [("big", Tensor((0..<1_500_000).map { Float($0 % 977) }, shape: [1_500_000]))])
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let path = "slow/\(UUID().uuidString)/big.pth"
        let url = try server.serve(bytes, at: path)
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))
        let dropped = HubFixtures.Flag()
        var hub = Hub(home: home, offline: false)
        hub.progress = { [server] progress in
            if progress.received > 1_500_000 && dropped.setOnce() { server.dropConnections() }
        }
        let cached = try hub.pull(name, registry: registry)
        #expect(dropped.isSet)
        #expect(cached.entry.verified)
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), source)
        // The killed worker logs nothing of the first request; the resumed one asked for the rest.
        let resumed = try server.requests(of: "/" + path)
        #expect(!resumed.isEmpty)
        #expect(resumed.allSatisfy { $0.status == 206 && $0.firstByte > 1_500_000 }, "\(resumed.map(\.range))")
        if let last = resumed.last { #expect(last.firstByte + last.bytesSent == bytes.count) }
    }

    @Test func aPartialFileLeftByAnEarlierPullIsResumed() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 7)
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let path = "files/\(UUID().uuidString)/mlp.pth"
        let url = try server.serve(bytes, at: path)
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))
        let partial = home.partial(name).appendingPathComponent("mlp.pth.part")
        try FileManager.default.createDirectory(
            at: partial.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.prefix(bytes.count / 2).write(to: partial)

        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.entry.verified)
        #expect(try server.requests(of: "/" + path).map(\.range) == ["bytes=\(bytes.count / 2)-"])
    }

    @Test func aServerIgnoringRangeRestartsTheFileAndTheHash() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 12)
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let path = "norange/\(UUID().uuidString)/mlp.pth"
        let name = try HubFixtures.register(url: try server.serve(bytes, at: path), sha256: HubFixtures.sha256(bytes))
        let partial = home.partial(name).appendingPathComponent("mlp.pth.part")
        try FileManager.default.createDirectory(
            at: partial.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0xEE, count: 1000).write(to: partial)  // not even the right prefix

        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.entry.verified)
        #expect(try server.requests(of: "/" + path).map(\.status) == [200])
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), source)
    }

    @Test func aCorruptPartialFileIsDiscardedAndTheNextPullSucceeds() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 13), as: "pth")
        let path = "files/\(UUID().uuidString)/mlp.pth"
        let url = try server.serve(bytes, at: path)
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))
        let partial = home.partial(name).appendingPathComponent("mlp.pth.part")
        try FileManager.default.createDirectory(
            at: partial.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0xEE, count: 1000).write(to: partial)

        #expect { try Hub(home: home, offline: false).pull(name, registry: registry) } throws: {
            if case HubError.checksumMismatch(url, _, _) = $0 { true } else { false }
        }
        HubFixtures.expectNothingCached(home, name)
        #expect(try Hub(home: home, offline: false).pull(name, registry: registry).entry.verified)
        #expect(try server.requests(of: "/" + path).map(\.range) == ["bytes=1000-", "-"])
    }

    @Test func twoConcurrentPullsOfOneModelDownloadItOnce() throws {
        let home = HubFixtures.temporaryHome()
        let source = Checkpoint(tensors: [("w", Tensor((0..<500_000).map { Float($0 % 311) }, shape: [500_000]))])
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let path = "slow/\(UUID().uuidString)/shared.pth"  // 2 MB at 4 MB/s: the pulls overlap
        let url = try server.serve(bytes, at: path)
        let name = try HubFixtures.register(url: url, sha256: HubFixtures.sha256(bytes))

        let results = HubFixtures.Results()
        let registry = self.registry
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            results.append(Result { try Hub(home: home, offline: false).pull(name, registry: registry).entry })
        }
        let entries = try results.all.map { try $0.get() }
        #expect(entries.count == 2)
        #expect(entries[0] == entries[1])
        #expect(try server.gets(of: "/" + path) == 1)
    }

    @Test func offlineWithoutACachedCopySaysWhatIsMissing() throws {
        let home = HubFixtures.temporaryHome()
        let path = "files/\(UUID().uuidString)/never.pth"
        let name = try HubFixtures.register(url: server.url(path), sha256: nil)
        #expect(throws: HubError.offline(model: name, missing: home.modelFile(name).path)) {
            try Hub(home: home, offline: true).pull(name, registry: registry)
        }
        let message = HubError.offline(model: name, missing: home.modelFile(name).path).description
        #expect(
            message.contains(name) && message.contains(home.modelFile(name).path) && message.contains("ZOO_OFFLINE"))
        #expect(try server.requests(of: "/" + path).isEmpty)
        HubFixtures.expectNothingCached(home, name)
    }

    @Test func offlineWithACachedCopyUsesItWithoutTheNetwork() throws {
        let home = HubFixtures.temporaryHome()
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 8), as: "pth")
        let path = "files/\(UUID().uuidString)/mlp.pth"
        let name = try HubFixtures.register(url: try server.serve(bytes, at: path), sha256: HubFixtures.sha256(bytes))
        let online = try Hub(home: home, offline: false).pull(name, registry: registry)
        try FileManager.default.removeItem(at: server.root.appendingPathComponent(path))  // the server forgets it
        let offline = try Hub(home: home, offline: true).pull(name, registry: registry)
        #expect(offline.entry == online.entry)
        #expect(try server.gets(of: "/" + path) == 1)
        #expect(Hub.offlineFromEnvironment(["ZOO_OFFLINE": "1"]) && !Hub.offlineFromEnvironment([:]))
    }

    @Test func offlineTheArchitectureAloneFindsTheCachedDefaultTag() throws {
        // An architecture of this test's own, so its first cfg (the default tag) is the one we pull.
        let architecture = "hubtest_default_\(UUID().uuidString.prefix(8).lowercased())"
        registry.register(architecture: architecture, family: "hubtest") { args in
            Sequential(Linear(8, 16), ReLU(), Linear(16, args.numClasses))
        }
        let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: 14), as: "pth")
        let path = "files/\(UUID().uuidString)/mlp.pth"
        var cfg = HubFixtures.cfg(tag: "first", architecture: architecture)
        cfg.url = try server.serve(bytes, at: path)
        cfg.sha256 = HubFixtures.sha256(bytes)
        var second = cfg
        second.tag = "second"
        try registry.register(cfgs: [cfg, second])
        let home = HubFixtures.temporaryHome()
        let online = try Hub(home: home, offline: false).pull("\(architecture).first", registry: registry)
        try FileManager.default.removeItem(at: server.root.appendingPathComponent(path))

        let offline = try Hub(home: home, offline: true).pull(architecture, registry: registry)
        #expect(offline.name == "\(architecture).first")
        #expect(offline.entry == online.entry)
        #expect(offline.modelFile == online.modelFile)
        // Another tag of the architecture is not the default's copy.
        #expect(throws: HubError.self) {
            try Hub(home: home, offline: true).pull("\(architecture).second", registry: registry)
        }
        #expect(try server.gets(of: "/" + path) == 1)
    }

    @Test func aMirrorReplacesSchemeAndHostAndKeepsThePath() throws {
        let home = HubFixtures.temporaryHome()
        let source = try HubFixtures.checkpoint(seed: 9)
        let bytes = try HubFixtures.bytes(of: source, as: "pth")
        let directory = UUID().uuidString
        try server.serve(bytes, at: "x/\(directory)/y.pth")
        let name = try HubFixtures.register(
            url: "http://example.invalid/x/\(directory)/y.pth", sha256: HubFixtures.sha256(bytes))
        let cached = try Hub(home: home, mirror: server.url(""), offline: false).pull(name, registry: registry)
        #expect(cached.entry.source == server.url("x/\(directory)/y.pth"))
        #expect(try server.gets(of: "/x/\(directory)/y.pth") == 1)
        HubFixtures.expectSameTensors(try Checkpoint.load(cached.modelFile.path), source)

        #expect(
            Hub.mirror("https://github.com/a/b%20c.pth?x=1", base: "http://m:8080/base/")
                == "http://m:8080/base/a/b%20c.pth?x=1")
        #expect(Hub.mirror("/local/file.pth", base: "http://m") == "/local/file.pth")
    }

    @Test func hashPrefixesFollowTorchHub() {
        #expect(Hub.hashPrefix(inFileName: "resnet18-f37072fd.pth") == "f37072fd")
        #expect(Hub.hashPrefix(inFileName: "resnet10t_176_c3-f3215ab1.pth") == "f3215ab1")
        #expect(Hub.hashPrefix(inFileName: "model.safetensors") == nil)
        #expect(Hub.hashPrefix(inFileName: "vit-base.pth") == nil)
        #expect(Hub.hashPrefix(inFileName: "x-ABCDEF12.pth") == nil)
    }

    // MARK: Static zoos: publish, then pull from a URL or a folder

    @Test func publishedZooPullsOverHTTPAndFromThePlainFolder() throws {
        let folder = UUID().uuidString
        let zooDirectory = server.root.appendingPathComponent("zoos/\(folder)")
        let source = try HubFixtures.checkpoint(seed: 10)
        let input = HubFixtures.temporaryDirectory().appendingPathComponent("trained.pth")
        try source.save(input.path)
        let name = "\(HubFixtures.architecture).pub_\(folder.prefix(8).lowercased())"
        let entry = try Publisher.publish(checkpoint: input.path, name: name, zoo: zooDirectory, registry: registry)
        #expect(entry.file == "\(name)/model.zoo")
        #expect(entry.cfg?.numClasses == 3)
        #expect(entry.cfg?.url == nil)
        #expect(try ZooIndex.load(zoo: zooDirectory.path).models[name] == entry)

        for zoo in [server.url("zoos/\(folder)"), zooDirectory.path] {
            let home = HubFixtures.temporaryHome()
            let cached = try Hub(home: home, zoo: zoo, offline: false).pull(name, registry: registry)
            #expect(cached.entry.verified)
            #expect(cached.entry.modelSHA256 == entry.sha256)
            #expect(cached.entry.modelSize == entry.size)
            let loaded = try Checkpoint.load(cached.modelFile.path)
            #expect(loaded.tag == ModelName(name).tag)
            HubFixtures.expectSameTensors(loaded, source)
        }
        #expect(try server.gets(of: "/zoos/\(folder)/\(name)/model.zoo") == 1)

        // A name the zoo lacks, and a zoo that is not there, fail naming what they looked for.
        let home = HubFixtures.temporaryHome()
        #expect {
            try Hub(home: home, zoo: zooDirectory.path, offline: false).pull(
                "\(HubFixtures.architecture).absent", registry: registry)
        } throws: { "\($0)".contains(zooDirectory.path) }
        let nowhere = server.url("zoos/\(UUID().uuidString)")
        #expect(throws: HubError.httpStatus(url: nowhere + "/index.json", status: 404)) {
            try Hub(home: home, zoo: nowhere, offline: false).pull(name, registry: registry)
        }
    }

    @Test func aTamperedZooFileIsRejected() throws {
        let zooDirectory = HubFixtures.temporaryDirectory()
        let input = HubFixtures.temporaryDirectory().appendingPathComponent("w.safetensors")
        try HubFixtures.checkpoint(seed: 11).save(input.path)
        let name = "\(HubFixtures.architecture).tampered"
        try Publisher.publish(checkpoint: input.path, name: name, zoo: zooDirectory, registry: registry)
        let file = zooDirectory.appendingPathComponent("\(name)/model.zoo")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        let home = HubFixtures.temporaryHome()
        #expect { try Hub(home: home, zoo: zooDirectory.path, offline: false).pull(name, registry: registry) } throws: {
            if case HubError.checksumMismatch = $0 { true } else { false }
        }
        HubFixtures.expectNothingCached(home, name)
    }

    // MARK: The cache as a whole

    @Test func cacheListsRemovesAndVerifies() throws {
        let home = HubFixtures.temporaryHome()
        var names: [String] = []
        for seed in 20..<23 {
            let bytes = try HubFixtures.bytes(of: HubFixtures.checkpoint(seed: UInt64(seed)), as: "pth")
            let url = try server.serve(bytes, at: "files/\(UUID().uuidString)/m.pth")
            let name = try HubFixtures.register(
                url: url, sha256: HubFixtures.sha256(bytes),
                tag: "cache\(seed)_\(UUID().uuidString.prefix(6).lowercased())")
            names.append(try Hub(home: home, offline: false).pull(name, registry: registry).name)
        }
        let cache = HubCache(home: home)
        #expect(cache.entries().map(\.name) == names.sorted())

        var report: [String: Bool] = [:]
        #expect(try cache.verify { report[$0] = $1 } == 0)
        #expect(report.count == 3 && report.values.allSatisfy { $0 })

        // Flip one bit inside one model's first tensor: verify names it.
        let victim = names[1]
        var bytes = try Data(contentsOf: home.modelFile(victim))
        let weights = try Checkpoint.load(home.modelFile(victim).path)["0.weight"]!.toArray()
        let pattern = weights.prefix(4).withUnsafeBytes { Data($0) }
        let at = try #require(bytes.range(of: pattern)).lowerBound
        bytes[at + 5] ^= 1
        try bytes.write(to: home.modelFile(victim))
        report = [:]
        #expect(try cache.verify { report[$0] = $1 } == 1)
        #expect(report[victim] == false)

        #expect(try cache.remove(matching: "*.cache20_*") == [names[0]])
        #expect(cache.entries().map(\.name) == [names[1], names[2]].sorted())
        #expect(try cache.remove(matching: "nothing*").isEmpty)
        #expect(try cache.remove(matching: "\(HubFixtures.architecture).*").count == 2)
        #expect(cache.entries().isEmpty)
    }

    // MARK: createModel

    @Test func createModelWithPretrainedPullsThroughTheHub() throws {
        let source = try HubFixtures.checkpoint(seed: 30)
        let bytes = try HubFixtures.bytes(of: source, as: "safetensors")
        let path = "files/\(UUID().uuidString)/mlp.safetensors"
        let name = try HubFixtures.register(url: try server.serve(bytes, at: path), sha256: HubFixtures.sha256(bytes))
        let model = try createModel(name, pretrained: true)
        let state = model.stateDict()
        for (key, tensor) in source.tensors { #expect(state[key]?.toArray() == tensor.toArray(), "\(key)") }
        #expect(try server.gets(of: "/" + path) == 1)
        // Again: from the cache, built fresh, with the same weights.
        let again = try createModel(name, pretrained: true)
        #expect(again.stateDict()["2.weight"]?.toArray() == source["2.weight"]?.toArray())
        #expect(try server.gets(of: "/" + path) == 1)
    }

    @Test func theEmbeddedZooServesItsDemoModelWithoutTheNetwork() throws {
        let name = "resnet10t.zoo_demo"
        let index = try ZooIndex.load(zoo: Hub.embeddedZoo)
        let entry = try #require(index.models[name])
        #expect(entry.size < 3_000_000)
        #expect(try registry.resolve(name).cfg?.numClasses == 10)
        let home = HubFixtures.temporaryHome()
        let cached = try Hub(home: home, offline: false).pull(name, registry: registry)
        #expect(cached.entry.verified && cached.entry.modelSHA256 == entry.sha256)
        let model = try createModel(name, pretrained: true)
        let expected = try Checkpoint.load(cached.modelFile.path)
        #expect(model.stateDict()["fc.weight"]?.toArray() == expected["fc.weight"]?.to(.float32).toArray())
        #expect(model.stateDict()["fc.weight"]?.shape == [10, 512])
    }
}
