import Foundation
import Testing
import Zoo

/// torchvision's swin_v2_t and maxvit_t as torchvision builds them (random weights; fixtures from
/// tools/parity/make_tv_transformer_fixtures.py) classify one photo as torchvision does: the state
/// dict loads strictly (`ImageClassifier` → `createModel(NAME, checkpointPath:)`, where a missing,
/// unexpected or mis-shaped key throws), the registered cfg prepares the photo as the weights'
/// transform does (resize 260/crop 256 and resize 224/crop 224, bicubic), and the logits are
/// torchvision's within 1e-4 of the largest. swin_v2_s/b and the `swinv2_*` are in the parity sweep.
@Suite(.serialized)
struct TorchvisionTransformerCheckpointTests {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ZooDataTests/Fixtures/decode-chelsea_420_q90.jpg").path

    @Test(arguments: ["swin_v2_t", "maxvit_t"])
    func classifiesAPhotoAsTorchvision(_ name: String) throws {
        let checkpoint = try CreateModelFixtures.file("tv_\(name).safetensors")
        let io = try Checkpoint.load(CreateModelFixtures.file("tv_\(name).io.safetensors").path).tensors
        let tensors = Dictionary(uniqueKeysWithValues: io.map { ($0.name, $0.tensor) })
        let classifier = try ImageClassifier(name, checkpointPath: checkpoint.path)
        let logits = try classifier.logits(files: [Self.photo])
        let error = relativeError(logits, tensors["logits"]!)
        print("torchvision \(name): photo logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): logits differ from torchvision's by \(error)")
    }
}
