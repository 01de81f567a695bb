import ArgumentParser
import Foundation
import Zoo

/// `zoo evaluate NAME --data DIR`: loss, top-1, top-5 and images/s over an ImageFolder.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a classifier on a folder of labelled images (DIR/CLASS/IMAGE, classes sorted by name).",
        discussion: "Images get the cfg's eval preprocessing; unreadable images are reported and skipped."
    )

    @Argument(help: "architecture or architecture.tag, such as resnet50.a1_in1k.")
    var name: String

    @Option(
        help: ArgumentHelp(
            "Weights in any format zoo reads; without it, the cached pretrained weights.", valueName: "file"))
    var checkpoint: String?

    @Flag(help: "Use the cached pretrained weights (the default without --checkpoint).")
    var pretrained = false

    @Option(help: ArgumentHelp("An ImageFolder: one subfolder per class.", valueName: "dir"))
    var data: String

    @Option(help: "Images per batch.")
    var batchSize = 32

    @Option(help: ArgumentHelp("Square input side overriding the cfg's input_size.", valueName: "S"))
    var inputSize: Int?

    @Flag(help: "Print JSON instead of lines.")
    var json = false

    func validate() throws {
        if checkpoint != nil && pretrained { throw ValidationError("--checkpoint and --pretrained exclude each other") }
        if batchSize < 1 { throw ValidationError("--batch-size must be positive") }
        if let inputSize, inputSize < 1 { throw ValidationError("--input-size must be positive") }
    }

    func run() throws {
        let dataset = try ImageFolder(root: data)
        let classifier = try ImageClassifier(
            name, pretrained: checkpoint == nil, checkpointPath: checkpoint, inputSize: inputSize)
        let bar = ProgressBar(), start = Date()
        let result = try classifier.evaluate(dataset, batchSize: batchSize) { done, total in
            bar.update(done: done, total: total, unit: "images", elapsed: Date().timeIntervalSince(start))
        }
        bar.finish()
        for failure in result.failures { printError("skipped \(failure)") }
        if json {
            print(
                JSONValue.object([
                    ("images", .integer(Int64(result.images))), ("skipped", .integer(Int64(result.failures.count))),
                    ("loss", .number(result.loss)), ("top1", .number(result.top1)), ("top5", .number(result.top5)),
                    ("images_per_second", .number(result.imagesPerSecond)),
                ]).serialized(pretty: true))
        } else {
            print("images: \(result.images)" + (result.failures.isEmpty ? "" : " (\(result.failures.count) skipped)"))
            print(
                String(
                    format: "loss: %.4f\ntop-1: %.2f%%\ntop-5: %.2f%%\nimages/s: %.1f", result.loss, result.top1,
                    result.top5, result.imagesPerSecond))
        }
    }
}
