import Foundation
import Testing

@testable import ZooHub

/// Downloads against a real nginx on loopback.
@Suite(.serialized) struct DownloadTests {
    let server: NginxServer

    init() throws { server = try NginxServer.shared() }

    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("zoo-download-\(UUID().uuidString).part")
    }

    static func randomData(_ count: Int, seed: UInt64 = 1) -> Data {
        var state = seed
        var data = Data(count: count)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; words[i] = state
            }
        }
        return data
    }

    @Test func downloadsWholeFile() throws {
        let payload = Self.randomData(3_000_000)
        let url = try server.serve(payload, at: "files/whole.bin")
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: target) }
        let size = try Download.fetch(url, to: target)
        #expect(size == Int64(payload.count))
        #expect(try Data(contentsOf: target) == payload)
    }

    @Test func resumesAPartialFileWithRange() throws {
        let payload = Self.randomData(2_000_000, seed: 2)
        let path = "files/\(UUID().uuidString)/resume.bin"
        let url = try server.serve(payload, at: path)
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: target) }
        try payload.prefix(750_000).write(to: target)
        try Download.fetch(url, to: target)
        #expect(try Data(contentsOf: target) == payload)
        // One request, for the rest only: the 750 000 bytes on disk were not fetched again.
        let requests = try server.requests(of: "/" + path)
        #expect(requests.map(\.status) == [206])
        #expect(requests.map(\.range) == ["bytes=750000-"])
        #expect(requests.map(\.bytesSent) == [payload.count - 750_000])
    }

    @Test func resumesAfterTheServerDropsTheConnection() throws {
        // Killing the worker would disturb other tests' requests: this test has a server of its own.
        let server = try NginxServer()
        let payload = Self.randomData(12_000_000, seed: 3)
        let path = "slow/dropped.bin"
        let url = try server.serve(payload, at: path)
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: target) }
        var cut: Int64?
        try Download.fetch(url, to: target) { progress in
            if cut == nil && progress.received > 2_000_000 {
                cut = progress.received
                server.dropConnections()
            }
        }
        #expect(try Data(contentsOf: target) == payload)
        // The killed worker logs nothing of the first request. What came after it asked for Range
        // requests answered 206, each starting past the cut: no byte before it was fetched twice.
        let cutAt = try #require(cut, "the transfer was never cut")
        let resumed = try server.requests(of: "/" + path)
        #expect(!resumed.isEmpty, "no request after the cut")
        #expect(resumed.allSatisfy { $0.status == 206 }, "\(resumed.map(\.status))")
        #expect(resumed.allSatisfy { Int64($0.firstByte) >= cutAt }, "\(resumed.map(\.range)), cut at \(cutAt)")
        if let last = resumed.last { #expect(last.firstByte + last.bytesSent == payload.count) }
    }

    @Test func notFoundNamesTheURL() throws {
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: target) }
        let url = server.url("files/missing.bin")
        #expect(throws: HubError.httpStatus(url: url, status: 404)) { try Download.fetch(url, to: target) }
    }

    @Test func serverErrorNamesTheURL() throws {
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: target) }
        let url = server.url("error500")
        #expect(throws: HubError.httpStatus(url: url, status: 500)) { try Download.fetch(url, to: target) }
        #expect(HubError.httpStatus(url: url, status: 500).description.contains(url))
    }

    @Test func resumesAFileURL() throws {
        let payload = Self.randomData(1_500_000, seed: 5)
        let source = temporaryFile()
        try payload.write(to: source)
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: source); try? FileManager.default.removeItem(at: target) }
        try payload.prefix(600_000).write(to: target)
        let hasher = GrowingFileHasher(following: target, existing: 600_000)
        let size = try Download.fetch(source.absoluteString, to: target, hasher: hasher)
        #expect(size == Int64(payload.count))
        #expect(try Data(contentsOf: target) == payload)
        #expect(try hasher.finish(size: size) == SHA256Hasher.hexDigest(ofFile: source))
    }

    @Test func fileURLsAndHashing() throws {
        let payload = Self.randomData(1_000_000, seed: 4)
        let source = temporaryFile()
        try payload.write(to: source)
        let target = temporaryFile()
        defer { try? FileManager.default.removeItem(at: source); try? FileManager.default.removeItem(at: target) }
        try Download.fetch(source.absoluteString, to: target)
        #expect(try SHA256Hasher.hexDigest(ofFile: target) == SHA256Hasher.hexDigest(ofFile: source))
        let empty = SHA256Hasher()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
