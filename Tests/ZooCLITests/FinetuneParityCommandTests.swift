// Issue 12's recipe through the command a user runs: `zoo finetune` (its own ImageFolder, eval
// transform with --aug none, its own shuffled order for --seed) against plain PyTorch with timm's
// resnet10t from the same initial weights, trained in the same order — the order zoo documents
// (docs/data.md, "Data order") and tools/parity/make_finetune_recipe_fixtures.py reproduces in
// Python. Cross-entropy, SGD with momentum and weight decay, linear warmup then cosine, 3 epochs:
// per-epoch losses within 1%, validation top-1 within one image.

import Foundation
import Testing
import ZooCheckpoint

@Suite struct FinetuneParityCommandTests {
    @Test func theCommandsRecipeMatchesPyTorch() throws {
        let fixture = try Fixtures.parity("finetune_recipe.json")
        let recipe = try Fixtures.json(fixture)
        func number(_ value: JSONValue?, _ key: String) throws -> Double {
            try #require(value?[key]?.doubleValue, "\(key)")
        }
        let cli = try #require(recipe["cli"], "the fixture has no `cli` run: remake it with --force")
        let scratch = try TemporaryDirectory()
        let out = scratch.path("out")
        let photos = ZooProcess.repositoryRoot.appendingPathComponent("examples/photos")
        let arguments = [
            "finetune", "resnet10t",
            "--checkpoint", fixture.deletingLastPathComponent().appendingPathComponent("finetune_recipe.pth").path,
            "--data", photos.appendingPathComponent("train").path, "--val", photos.appendingPathComponent("val").path,
            "--input-size", "\(Int(try number(recipe, "input_size")))", "--aug", "none",
            "--loss", "cross-entropy", "--opt", "sgd", "--lr", "\(try number(recipe, "lr"))",
            "--momentum", "\(try number(recipe, "momentum"))", "--weight-decay",
            "\(try number(recipe, "weight_decay"))",
            "--sched", "cosine", "--warmup-epochs", "\(Int(try number(recipe, "warmup_epochs")))",
            "--epochs", "\(Int(try number(recipe, "epochs")))", "--batch-size",
            "\(Int(try number(recipe, "batch_size")))",
            "--seed", "\(Int(try number(cli, "seed")))", "--out", out,
        ]
        let result = try ZooProcess.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let expected = try #require(cli["history"]?.arrayValue)
        #expect(rows.count == expected.count)
        for (row, theirs) in zip(rows, expected) {
            let loss = try #require(Double(row[1])), reference = try number(theirs, "train_loss")
            let lr = try #require(Double(row[5])), referenceLR = try number(theirs, "lr")
            #expect(abs(lr - referenceLR) <= 1e-9 * referenceLR, "epoch \(row[0]): lr \(lr), PyTorch \(referenceLR)")
            #expect(abs(loss - reference) <= 0.01 * reference, "epoch \(row[0]): loss \(loss), PyTorch \(reference)")
        }
        let validation = Double(try #require(recipe["val_labels"]?.arrayValue).count)
        let top1 = try #require(rows.last.flatMap { Double($0[3]) })
        let correct = Int((top1 * validation).rounded()), theirs = Int(try number(cli, "val_correct"))
        #expect(abs(correct - theirs) <= 1, "top-1 \(correct)/\(Int(validation)), PyTorch \(theirs)")
    }
}
