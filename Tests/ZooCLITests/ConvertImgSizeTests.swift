import Foundation
import Testing
import ZooCheckpoint

/// `zoo convert --arch NAME --img-size S` writes the checkpoint timm's loader would make for S.
struct ConvertImgSizeTests {
    // timm.create_model("vit_tiny_patch16_224", pretrained=True, img_size=64,
    //                   pretrained_cfg_overlay=dict(file=checkpoint)).pos_embed
    @Test func resamplesThePositionEmbeddingAsTimm() throws {
        let checkpoint = try Fixtures.parity("adapt_cli_vit_tiny.checkpoint.safetensors")
        let expected = try Checkpoint.load(Fixtures.parity("adapt_transformers.safetensors").path).tensors
            .first { $0.name == "cli_vit_tiny.pos_embed" }!.tensor
        let scratch = try TemporaryDirectory()
        let out = scratch.path("vit_tiny_64.safetensors")
        let result = try ZooProcess.run(
            "convert", checkpoint.path, out, "--arch", "vit_tiny_patch16_224", "--img-size", "64")
        #expect(result.status == 0, "\(result.stderr)")
        let written = try Checkpoint.load(out).tensors
        let posEmbed = try #require(written.first { $0.name == "pos_embed" }?.tensor)
        #expect(posEmbed.shape == [1, 17, 192])
        let a = posEmbed.toArray(), e = expected.toArray()
        let worst = zip(a, e).map { abs($0 - $1) }.max() ?? .infinity
        #expect(a.count == e.count && worst <= 1e-5, "pos_embed differs from timm's by \(worst)")
    }

    @Test func imgSizeNeedsAnArchitecture() throws {
        let result = try ZooProcess.run("convert", "in.pth", "out.safetensors", "--img-size", "384")
        #expect(result.status == ZooCommandTests.usageError && result.stderr.contains("--arch"), "\(result.stderr)")
    }
}
