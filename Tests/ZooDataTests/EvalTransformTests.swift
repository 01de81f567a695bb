import Foundation
import Testing
import ZooCheckpoint
import ZooRegistry

@testable import ZooData

/// The eval transform against timm's `create_transform(**resolve_data_config(...))` on photographs
/// (tools/parity/make_image_fixtures.py): bilinear and bicubic, centre/squash/border crops,
/// square and non-square inputs and outputs.
@Suite struct EvalTransformTests {
    static let caseNames = ["resnet50_a1", "resnet18_tv", "squash", "border", "center_nonsquare", "squash_nonsquare"]

    static func config(_ c: ParityFixtures.Manifest.Config) -> DataConfig {
        DataConfig(
            inputSize: c.input_size, interpolation: c.interpolation, mean: c.mean, std: c.std,
            cropPct: c.crop_pct, cropMode: c.crop_mode)
    }

    @Test(arguments: caseNames)
    func pixelsBeforeNormalizationMatchTimm(_ name: String) throws {
        let manifest = try ParityFixtures.manifest()
        let fixture = try #require(manifest.cases.first { $0.case == name })
        let transform = EvalTransform(Self.config(fixture.config))
        for photo in manifest.photos {
            let out = transform.image(try Image(contentsOf: try ParityFixtures.path(photo)))
            let expected = try ParityFixtures.bytes("image.eval.\(name).\(photo).rgb")
            #expect(out.width == fixture.config.input_size[2] && out.height == fixture.config.input_size[1])
            let worst = zip(out.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 255
            let exact = zip(out.pixels, expected).filter { $0 != $1 }.count
            #expect(
                out.pixels.count == expected.count && worst <= 1,
                "\(photo): max difference \(worst)/255, \(exact) samples differ")
        }
    }

    @Test func normalizedTensorMatchesTimm() throws {
        let manifest = try ParityFixtures.manifest()
        let fixture = try #require(manifest.cases.first { $0.case == "resnet50_a1" })
        let transform = EvalTransform(Self.config(fixture.config))
        for photo in manifest.photos {
            let x = transform(try Image(contentsOf: try ParityFixtures.path(photo)))
            let expected = try NPY.read(try ParityFixtures.path("image.eval.resnet50_a1.\(photo).npy"))
            #expect(x.shape == expected.shape)
            let worst = zip(x.toArray(), expected.toArray()).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-6, "\(photo): max difference \(worst)")
        }
    }

    @Test func registryCfgsResolveAsTimm() throws {
        let manifest = try ParityFixtures.manifest()
        for name in ["resnet50_a1", "resnet18_tv"] {
            let fixture = try #require(manifest.cases.first { $0.case == name })
            let cfg = try #require(try ModelRegistry.shared.pretrainedCfg(for: fixture.cfg))
            #expect(DataConfig(cfg: cfg) == Self.config(fixture.config))
        }
    }
}
