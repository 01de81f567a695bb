import Foundation
import Testing
import ZooCheckpoint

/// `zoo predict` on image files and `zoo evaluate`, end to end
/// (fixtures: tools/parity/make_image_fixtures.py, tools/fixtures/make_image_fixtures.py).
@Suite struct ImageCommandTests {
    static let photos = ["astronaut", "coffee", "chelsea", "camera", "rocket"].map { "image.photo.\($0).jpg" }

    // model = timm.create_model("resnet18"); model.load_state_dict(checkpoint); model.eval()
    // logits = model(torch.stack([create_transform(**resolve_data_config({}, model=model))(Image.open(p).convert("RGB")) ...]))
    @Test func predictOnImagesMatchesTimmPipeline() throws {
        let scratch = try TemporaryDirectory()
        let files = try Self.photos.map { try Fixtures.parity($0).path }
        let y = scratch.path("logits.npy")
        let result = try ZooProcess.run(
            ["predict", "resnet18", "--checkpoint", try Fixtures.parity("image.predict.resnet18.pth").path]
                + files + ["--output", y, "--topk", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let predicted = try NPY.read(y),
            expected = try NPY.read(try Fixtures.parity("image.predict.resnet18.logits.npy").path)
        #expect(predicted.shape == expected.shape)
        let scale = expected.toArray().reduce(0) { max($0, abs($1)) }
        let worst = zip(predicted.toArray(), expected.toArray()).reduce(0) { max($0, abs($1.0 - $1.1)) }
        #expect(worst <= 1e-4 * scale, "max |Δ| \(worst), largest logit \(scale)")
        // Top-k in JSON, ImageNet-1k names for a 1000-class model, in argument order.
        let json = try JSONValue(parsing: Array(result.stdout.utf8), source: "stdout")
        let rows = try #require(json.arrayValue)
        #expect(rows.count == files.count && rows.first?["image"]?.stringValue == files[0])
        #expect(rows.first?["top"]?.arrayValue?.count == 3)
        let logits = expected.toArray(), best = (0..<1000).max { logits[$0] < logits[$1] }!
        #expect(rows.first?["top"]?.arrayValue?.first?["index"]?.intValue == best)
        #expect(rows.first?["top"]?.arrayValue?.first?["name"]?.stringValue?.isEmpty == false)
    }

    @Test(arguments: [
        "decode-truncated.jpg", "decode-bad_crc.png", "decode-huge.png", "decode-empty.jpg", "decode-text.jpg",
    ])
    func hostileImageIsAnErrorNamingTheFile(_ name: String) throws {
        let path = Fixtures.url("Tests/ZooDataTests/Fixtures/\(name)").path
        let result = try ZooProcess.run(
            "predict", "resnet18", "--checkpoint", try Fixtures.parity("image.predict.resnet18.pth").path, path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(path + ": "), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func evaluateReportsAccuracyAndSkipsBrokenImages() throws {
        let scratch = try TemporaryDirectory()
        let root = scratch.path("val")
        for (label, photos) in [("a", Array(Self.photos.prefix(2))), ("b", Array(Self.photos.suffix(3)))] {
            try FileManager.default.createDirectory(atPath: root + "/" + label, withIntermediateDirectories: true)
            for photo in photos {
                try FileManager.default.copyItem(
                    atPath: try Fixtures.parity(photo).path, toPath: root + "/" + label + "/" + photo)
            }
        }
        try FileManager.default.copyItem(
            atPath: Fixtures.url("Tests/ZooDataTests/Fixtures/decode-truncated.jpg").path,
            toPath: root + "/b/broken.jpg")
        let result = try ZooProcess.run(
            "evaluate", "resnet18", "--checkpoint", try Fixtures.parity("image.predict.resnet18.pth").path,
            "--data", root, "--batch-size", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue(parsing: Array(result.stdout.utf8), source: "stdout")
        #expect(json["images"]?.intValue == 5 && json["skipped"]?.intValue == 1)
        for key in ["top1", "top5", "loss", "images_per_second"] {
            guard case .number = json[key] else { Issue.record("\(key) missing: \(result.stdout)"); continue }
        }
        #expect(result.stderr.contains("skipped \(root)/b/broken.jpg: "))
    }
}
