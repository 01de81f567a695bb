import Foundation
import Testing
import Zoo

/// torchvision's swin_v2_t and maxvit_t as torchvision builds them (random weights, one image at
/// their input size; fixtures from tools/parity/make_tv_transformer_fixtures.py): the state dict
/// loads strictly through `createModel(NAME, checkpointPath:)` and the logits are torchvision's
/// within 1e-4 of the largest. swin_s/b share swin_v2_t's code path; the parity sweep covers them.
@Suite(.serialized)
struct TorchvisionTransformerCheckpointTests {
    @Test(arguments: ["swin_v2_t", "maxvit_t"])
    func loadsStrictlyWithTorchvisionLogits(_ name: String) throws {
        let checkpoint = try CreateModelFixtures.file("tv_\(name).safetensors")
        let io = try Checkpoint.load(CreateModelFixtures.file("tv_\(name).io.safetensors").path).tensors
        let tensors = Dictionary(uniqueKeysWithValues: io.map { ($0.name, $0.tensor) })
        // createModel loads strictly: a missing, unexpected or mis-shaped key throws.
        let model = try createModel(name, checkpointPath: checkpoint.path)
        model.eval()
        let logits = withNoGrad { model(tensors["input"]!) }
        let error = relativeError(logits, tensors["logits"]!)
        print("torchvision \(name): logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): logits differ from torchvision's by \(error)")
    }
}
