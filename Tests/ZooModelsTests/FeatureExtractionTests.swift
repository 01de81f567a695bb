import Foundation
import Testing
import ZooModels
import ZooNN
import ZooTensor

/// `features_only` backbones against timm's (fixture: resnet18.features.safetensors and the
/// "features" entry of resnet18.json, from tools/parity/make_resnet_fixtures.py).
struct FeatureExtractionTests {
    struct Features: Decodable {
        let features: Entry
        struct Entry: Decodable {
            let out_indices: [Int]
            let feature_info: [Info]
        }
        struct Info: Decodable { let num_chs: Int, reduction: Int, module: String }
    }

    @Test func resnetFeatureMapsAndInfoMatchTimm() throws {
        let expected = try JSONDecoder().decode(
            Features.self, from: Data(contentsOf: ParityFixtures.file("resnet18.json"))
        ).features
        let weights = try ParityFixtures.tensors("resnet18.safetensors")
        let io = try ParityFixtures.tensors("resnet18.io.safetensors")
        let maps = try ParityFixtures.tensors("resnet18.features.safetensors")

        let backbone = FeatureExtractor(
            try withoutWeightInitialization { try makeResNet("resnet18", numClasses: 0) },
            outIndices: expected.out_indices)
        #expect(
            backbone.featureInfo
                == expected.feature_info.map {
                    FeatureInfo(channels: $0.num_chs, reduction: $0.reduction, module: $0.module)
                })
        // timm's features_only state dict is the backbone's without the head.
        let report = try backbone.loadStateDict(weights.tensors.filter { !$0.key.hasPrefix("fc.") })
        #expect(report.isComplete)
        backbone.eval()
        let ours = withNoGrad { backbone.features(try! io["input"]) }
        #expect(ours.count == expected.out_indices.count)
        for (index, map) in ours.enumerated() {
            let theirs = try maps["map.\(index)"]
            #expect(map.shape == theirs.shape)
            let error = relativeError(map, theirs)
            #expect(error <= 1e-4, "feature map \(index) differs from timm's by \(error)")
        }
    }
}
