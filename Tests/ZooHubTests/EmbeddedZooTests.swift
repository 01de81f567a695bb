// The zoo compiled into the binary is the repository's zoo/ folder, file for file, and unpacks
// once into the zoo home.

import Foundation
import Testing

@testable import ZooHub

@Suite struct EmbeddedZooTests {
    /// <repo>/zoo, read here only to compare: the library itself never looks at the source tree.
    static let sourceZoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("zoo")

    @Test func everyFileOfTheZooFolderIsEmbeddedUnchanged() throws {
        let index = try ZooIndex.load(zoo: Self.sourceZoo.path)
        let expected = ["index.json"] + index.models.values.map(\.file).sorted()
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedZoo.files.map { ($0.path, $0.bytes) })
        #expect(
            embedded.keys.sorted() == expected.sorted(),
            "Sources/CEmbeddedZoo/embedded_zoo.c must #embed every file zoo/index.json lists")
        for path in expected {
            let bytes = try #require(embedded[path], "\(path) is not embedded")
            #expect(
                Data(buffer: bytes) == (try Data(contentsOf: Self.sourceZoo.appendingPathComponent(path))), "\(path)")
        }
    }

    @Test func unpacksOnceIntoTheHome() throws {
        let home = HubFixtures.temporaryHome()
        let folder = try EmbeddedZoo.unpacked(in: home)
        #expect(folder.path.hasPrefix(home.root.appendingPathComponent("embedded").path))
        let index = try ZooIndex.load(zoo: folder.path)
        for (name, entry) in index.models {
            let file = URL(fileURLWithPath: ZooIndex.resolve(entry.file, in: folder.path))
            #expect(try SHA256Hasher.hexDigest(ofFile: file) == entry.sha256, "\(name)")
        }
        // A second call reuses the folder; a damaged copy (wrong size) is written again.
        let modified = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("index.json").path)
        #expect(try EmbeddedZoo.unpacked(in: home).path == folder.path)
        #expect(
            try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("index.json").path)[
                .modificationDate] as? Date == modified[.modificationDate] as? Date)
        try Data("{}".utf8).write(to: folder.appendingPathComponent("index.json"))
        #expect(try ZooIndex.load(zoo: EmbeddedZoo.unpacked(in: home).path) == index)
    }
}
