import ArgumentParser
import Foundation
import Zoo

/// `zoo predict NAME --checkpoint FILE --input x.npy --output y.npy`: eval-mode logits.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model in eval mode on an NCHW float32 .npy tensor and write its logits as .npy.",
        discussion: "The input is used as is: no resizing or normalization."
    )

    @Argument(help: "architecture or architecture.tag, such as resnet50.")
    var name: String

    @Option(help: ArgumentHelp("Weights in any format zoo reads; without it, the cached pretrained weights.", valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Input tensor [N, C, H, W], float32 .npy.", valueName: "x.npy"))
    var input: String

    @Option(help: ArgumentHelp("Where to write the logits [N, classes] as .npy.", valueName: "y.npy"))
    var output: String

    @OptionGroup(title: "Decompression limits") var readLimits: ReadLimitOptions

    func validate() throws {
        guard output.hasSuffix(".npy") else { throw ValidationError("--output must end in .npy, got \"\(output)\"") }
    }

    func run() throws {
        readLimits.apply()
        let x = try NPY.read(input)
        guard x.rank == 4 else { throw ValidationError("\(input): expected an NCHW tensor, got shape \(x.shape)") }
        let model = try createModel(name, pretrained: checkpoint == nil, inChans: x.shape[1], checkpointPath: checkpoint)
        model.eval()
        let logits = withNoGrad { model(x.to(.float32)) }
        try NPY.write(logits, to: output)
        print("\(output): \(logits.shape)")
    }
}
