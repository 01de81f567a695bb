// Decoding only a JPEG's region (what TrainTransform does for RandomResizedCrop) gives the same
// pixels as decoding the whole image and cropping, so the loader's tensors are those of the
// transform as defined (torchvision decodes whole; so do we, in effect).

import Foundation
import Testing
import ZooTensor

@testable import ZooData

@Suite struct RegionDecodeTests {
    /// The JPEG fixtures, hostile ones left out. `try`: a missing fixture folder fails the suite
    /// instead of giving it zero cases.
    static func jpegs() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory)
        let hostile = ["truncated", "huge", "empty", "text"]
        return files.filter { $0.hasSuffix(".jpg") && !hostile.contains(where: $0.contains) }.sorted()
    }

    static func photos() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/photos/train").path
        return try ImageFolder(root: root).files.map(\.path)
    }

    @Test func fixturesCoverEverySubsampling() throws {
        let jpegs = try Self.jpegs(), photos = try Self.photos()
        #expect(jpegs.count >= 10, "\(jpegs)")
        #expect(photos.count >= 30)
    }

    @Test(arguments: try jpegs())
    func regionsEqualTheWholeDecodeCropped(_ name: String) throws {
        try Self.checkRegions(of: Fixtures.path(name), count: 40)
    }

    @Test func photoRegionsEqualTheWholeDecodeCropped() throws {
        for path in try Self.photos() { try Self.checkRegions(of: path, count: 8) }
    }

    static func checkRegions(of path: String, count: Int) throws {
        let encoded = try EncodedImage(contentsOf: path)
        let size = try #require(encoded.regionDecodableSize(), "\(path)")
        for mode in [Image.Mode.rgb, .gray] {
            let whole = try encoded.decode(mode: mode)
            #expect(whole.width == size.width && whole.height == size.height)
            var rng = RandomGenerator(seed: 5, stream: UInt64(path.utf8.count))
            for _ in 0..<count {
                let width = rng.randint(1, size.width), height = rng.randint(1, size.height)
                let region = (rng.randint(0, size.width - width), rng.randint(0, size.height - height), width, height)
                let part = try encoded.decode(region: region, mode: mode)
                let expected = whole.cropped(left: region.0, top: region.1, width: width, height: height)
                let differing = zip(part.pixels, expected.pixels).filter { $0 != $1 }.count
                #expect(
                    part.width == width && part.height == height && part.mode == mode && differing == 0,
                    "\(path) \(mode) region \(region): \(differing) of \(expected.pixels.count) samples differ")
            }
        }
    }

    @Test func trainTransformOfTheFileEqualsTheTransformOfTheDecodedImage() throws {
        var augmentation = TrainAugmentation()
        augmentation.reProb = 0.25
        let transform = try TrainTransform(DataConfig(inputSize: [3, 48, 48]), augmentation)
        for (k, path) in try Self.photos().prefix(12).enumerated() {
            let encoded = try EncodedImage(contentsOf: path)
            #expect(encoded.regionDecodableSize() != nil)
            var a = RandomGenerator(seed: 9, stream: UInt64(k)), b = a
            let fromFile = try transform(encoded, using: &a), fromImage = transform(try encoded.decode(), using: &b)
            #expect(fromFile.toArray() == fromImage.toArray(), "\(path)")
            #expect(a.next() == b.next(), "the same draws, in the same order")
        }
    }

    @Test func aJPEGWithoutItsEndIsDecodedWholeAndRefused() throws {
        let path = Fixtures.path("decode-truncated.jpg")
        let encoded = try EncodedImage(contentsOf: path)
        #expect(encoded.regionDecodableSize() == nil)
        let transform = try TrainTransform(DataConfig(inputSize: [3, 32, 32]))
        var rng = RandomGenerator(seed: 0)
        #expect(throws: ImageError.self) { try transform(encoded, using: &rng) }
    }
}
