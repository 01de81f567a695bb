import Foundation
import Testing

@testable import ZooData

/// Decoded pixels against Debian's PIL (tools/fixtures/make_image_fixtures.py).
@Suite struct DecodeTests {
    struct Manifest: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            let file: String, kind: String, pil_mode: String, width: Int, height: Int
            var testDescription: String { "\(file) (PIL \(pil_mode))" }
        }
        struct Hostile: Decodable, CustomTestStringConvertible {
            let file: String, error: String
            var testDescription: String { file }
        }
        let cases: [Case]
        let hostile: [Hostile]
    }

    static let manifest: Manifest = {
        do { return try Fixtures.json("decode.json", as: Manifest.self) } catch { fatalError("\(error)") }
    }()

    @Test(arguments: manifest.cases)
    func pixelsEqualPIL(_ fixture: Manifest.Case) throws {
        for mode in [Image.Mode.rgb, .gray] {
            let image = try Image(contentsOf: Fixtures.path(fixture.file), mode: mode)
            let expected = try Fixtures.bytes(fixture.file + (mode == .rgb ? ".rgb" : ".gray"))
            #expect(image.width == fixture.width && image.height == fixture.height)
            #expect(image.mode == mode)
            let differing = zip(image.pixels, expected).filter { $0 != $1 }.count
            #expect(
                image.pixels.count == expected.count && differing == 0,
                "\(mode): \(differing) of \(expected.count) samples differ from PIL")
        }
    }

    @Test func coversEveryPNGColourTypeAndDepthAndBothJPEGModes() {
        let files = Set(Self.manifest.cases.map(\.file))
        for name in [
            "gray1", "gray2", "gray4", "gray8", "gray16", "rgb8", "rgb16", "gray_alpha8", "gray_alpha16",
            "rgba8", "rgba16", "palette1", "palette2", "palette4", "palette8",
        ] {
            #expect(files.contains("decode-\(name).png"))
        }
        #expect(files.contains("decode-coffee_progressive.jpg") && files.contains("decode-chelsea_cmyk.jpg"))
    }

    @Test(arguments: manifest.hostile)
    func hostileFilesAreRefusedNamingTheFile(_ fixture: Manifest.Hostile) throws {
        let path = Fixtures.path(fixture.file)
        do {
            _ = try Image(contentsOf: path)
            Issue.record("\(fixture.file) decoded")
        } catch let error as ImageError {
            #expect(error.description.hasPrefix(path + ": "), "\(error)")
            switch (error, fixture.error) {
            case (.corrupt, "corrupt"), (.tooLarge, "tooLarge"), (.empty, "empty"), (.unknownFormat, "unknownFormat"):
                break
            default: Issue.record("\(fixture.file): expected \(fixture.error), got \(error)")
            }
        }
    }

    @Test func bombLimitIsCheckedFromTheHeader() throws {
        // 100000 x 100000 is refused at PIL's default point without allocating 30 GB.
        let error = #expect(throws: ImageError.self) { try Image(contentsOf: Fixtures.path("decode-huge.png")) }
        #expect(
            error
                == .tooLarge(
                    path: Fixtures.path("decode-huge.png"), width: 100_000, height: 100_000,
                    limit: 2 * ImageLimits.pilMaxImagePixels))
    }

    @Test func coversWebPLossyLosslessAlphaAndAnimation() {
        let files = Set(Self.manifest.cases.map(\.file)), hostile = Set(Self.manifest.hostile.map(\.file))
        let kinds = [
            "coffee_lossy_q80", "coffee_lossless", "chelsea_alpha_lossy", "chelsea_alpha_lossless", "animated",
        ]
        for name in kinds { #expect(files.contains("decode-\(name).webp")) }
        for name in ["truncated", "bad_riff", "huge", "empty"] { #expect(hostile.contains("decode-\(name).webp")) }
    }

    @Test func webPBombIsRefusedFromTheHeader() throws {
        // An animation's VP8X canvas of 16384 x 16384: refused before libwebp allocates the canvas.
        let path = Fixtures.path("decode-huge.webp")
        let error = #expect(throws: ImageError.self) { try Image(contentsOf: path) }
        #expect(error == .tooLarge(path: path, width: 16384, height: 16384, limit: 2 * ImageLimits.pilMaxImagePixels))
    }

    @Test func missingFileAndDirectoryAreNamed() {
        #expect(throws: ImageError.unreadable(path: "/no/such.jpg", reason: "no such file")) {
            try Image(contentsOf: "/no/such.jpg")
        }
        #expect(throws: ImageError.unreadable(path: "/tmp", reason: "a directory")) { try Image(contentsOf: "/tmp") }
    }
}
