// Issue 12's recipe against PyTorch: timm's resnet10t from the same random weights, trained 3 epochs
// on the same inputs in the same order (cross-entropy, SGD with momentum and weight decay, linear
// warmup then cosine), by FineTune here and by plain PyTorch in
// tools/parity/make_finetune_recipe_fixtures.py. Per-epoch losses agree within 1%, validation
// top-1 within one image.

import Foundation
import Testing
import Zoo

@Suite struct FineTuneParityTests {
    @Test func theRecipeMatchesPyTorch() throws {
        let fixture = try Self.fixture()
        let recipe = try JSONValue(parsing: Array(try Data(contentsOf: fixture)), source: fixture.path)
        func number(_ key: String) throws -> Double { try #require(recipe[key]?.doubleValue, "\(key)") }
        func integers(_ value: JSONValue?) throws -> [Int] {
            try #require(value?.arrayValue).map { try #require($0.intValue) }
        }
        let epochs = Int(try number("epochs")), warmup = Int(try number("warmup_epochs"))
        let batchSize = Int(try number("batch_size")), lr = try number("lr")
        let directory = fixture.deletingLastPathComponent()

        let model = try createModel(
            "resnet10t", numClasses: 3, checkpointPath: directory.appendingPathComponent("finetune_recipe.pth").path)
        let trainInputs = try NPY.read(directory.appendingPathComponent("finetune_recipe_train.npy").path)
        let validationInputs = try NPY.read(directory.appendingPathComponent("finetune_recipe_val.npy").path)
        let trainLabels = try integers(recipe["train_labels"]), validationLabels = try integers(recipe["val_labels"])
        let order = try #require(recipe["order"]?.arrayValue).map { try integers($0) }
        #expect(order.count == epochs)

        // The schedule exactly as `zoo finetune --sched cosine --warmup-epochs N` builds it.
        let scheduler = try SchedulerSpec(
            name: "cosine", lr: lr, options: ["T_max": .int(epochs - warmup), "warmup_steps": .int(warmup)]
        ).makeScheduler(runLength: epochs)
        let optimizer = SGD(
            parameters: model.parameters(), lr: lr, momentum: try number("momentum"),
            weightDecay: try number("weight_decay"))
        let run = FineTune(
            model: model, loss: ClosureLoss { Loss.crossEntropy($0, $1) }, optimizer: optimizer,
            scheduler: scheduler, options: FineTuneOptions(epochs: epochs))
        // Each batch's loss, from the running means, to say where a difference starts.
        var batchLosses: [[Double]] = Array(repeating: [], count: epochs)
        run.onProgress = { progress in
            batchLosses[progress.epoch - 1].append(
                progress.loss * Double(progress.batch) - batchLosses[progress.epoch - 1].reduce(0, +))
        }
        let history = try run.fit(
            train: { epoch -> [Trainer.Batch] in
                stride(from: 0, to: order[epoch].count, by: batchSize).map { start in
                    let rows = Array(order[epoch][start..<min(start + batchSize, order[epoch].count)])
                    return (
                        trainInputs.indexSelect(dim: 0, index: Tensor(indices: rows)),
                        Tensor(indices: rows.map { trainLabels[$0] })
                    )
                }
            },
            validation: { [(validationInputs, Tensor(indices: validationLabels))] })

        let expected = try #require(recipe["history"]?.arrayValue)
        #expect(history.count == expected.count)
        for (ours, theirs) in zip(history, expected) {
            let loss = try #require(theirs["train_loss"]?.doubleValue)
            let rate = try #require(theirs["lr"]?.doubleValue)
            #expect(abs(ours.lr - rate) <= 1e-9 * rate, "epoch \(ours.epoch): lr \(ours.lr), PyTorch \(rate)")
            let batches = try #require(theirs["batch_losses"]?.arrayValue).compactMap(\.doubleValue)
            #expect(
                abs(ours.trainLoss - loss) <= 0.01 * loss,
                "epoch \(ours.epoch): loss \(ours.trainLoss), PyTorch \(loss); batches \(batchLosses[ours.epoch - 1]), PyTorch \(batches)"
            )
        }
        let top1 = try #require(history.last?.top1)
        let correct = Int((top1 * Double(validationLabels.count)).rounded())
        let theirs = Int(try number("val_correct"))
        #expect(abs(correct - theirs) <= 1, "top-1 \(correct)/\(validationLabels.count), PyTorch \(theirs)")
    }

    /// The fixture, or an error telling how to make it (a missing fixture fails, never skips).
    static func fixture() throws -> URL {
        let url = CreateModelFixtures.directory.appendingPathComponent("finetune_recipe.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CreateModelFixtures.MissingFixture(
                description: "\(url.path) is missing: run `/usr/bin/python3 "
                    + "tools/parity/make_finetune_recipe_fixtures.py` from the repository root before `swift test`")
        }
        return url
    }
}
