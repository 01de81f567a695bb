import Foundation
import Testing
import Zoo

/// Class names travel with a checkpoint: a `.zoo` file's `default_cfg.class_names` names the outputs.
@Suite struct ImageClassifierTests {
    @Test func checkpointClassNamesNameThePredictions() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-classes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let names = ["cat", "dog", "otter"]
        let model = try createModel("resnet10t", numClasses: names.count)
        let file = scratch.appendingPathComponent("pets.zoo").path
        try Checkpoint(
            tensors: model.stateDict().map { ($0.0, $0.1) }, architecture: "resnet10t",
            config: .object([("class_names", .array(names.map(JSONValue.string)))])
        ).save(file)

        #expect(try ImageClassifier.classNames(inCheckpoint: file) == names)
        let classifier = try ImageClassifier("resnet10t", checkpointPath: file, inputSize: 64)
        #expect(classifier.classNames == names)
        let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ZooDataTests/Fixtures/decode-chelsea_420_q90.jpg").path
        let top = try classifier.predict(files: [photo], topK: 3)
        #expect(Set(top[0].map(\.name)) == Set(names))
        #expect(abs(top[0].map(\.probability).reduce(0, +) - 1) < 1e-5)

        let imagenet = try ImageClassifier("resnet10t", inputSize: 64)
        #expect(imagenet.classNames == ImageNetClasses.names)
    }
}
