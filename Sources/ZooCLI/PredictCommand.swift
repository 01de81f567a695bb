import ArgumentParser
import Foundation
import Zoo

/// `zoo predict NAME IMAGE... [--topk K] [--json] [--output logits.npy]`: the cfg's eval
/// preprocessing, then softmax top-k with class names; or `--input x.npy --output y.npy` for a
/// ready NCHW tensor.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files (JPEG, PNG) or run a model on an NCHW .npy tensor.",
        discussion: """
            Images get the cfg's eval preprocessing (timm's resolve_data_config + create_transform): \
            resize, crop, normalize. Class names come from the checkpoint (a .zoo file's class_names), \
            else ImageNet-1k's for 1000 classes. An --input tensor is used as is: no resizing or normalization.
            """
    )

    @Argument(help: "architecture or architecture.tag, such as resnet50.a1_in1k.")
    var name: String

    @Argument(help: ArgumentHelp("Image files (JPEG, PNG or WebP).", valueName: "image"))
    var images: [String] = []

    @Option(
        help: ArgumentHelp(
            "Weights in any format zoo reads; without it, the cached pretrained weights.", valueName: "file"))
    var checkpoint: String?

    @Flag(help: "Use the cached pretrained weights (the default without --checkpoint).")
    var pretrained = false

    @Option(help: ArgumentHelp("Input tensor [N, C, H, W], float32 .npy, instead of images.", valueName: "x.npy"))
    var input: String?

    @Option(help: ArgumentHelp("Where to write the logits [N, classes] as float32 .npy.", valueName: "y.npy"))
    var output: String?

    @Option(name: .customLong("topk"), help: "How many classes to show per image.")
    var topK = 5

    @Flag(help: "Print JSON instead of lines.")
    var json = false

    @Option(help: ArgumentHelp("Square input side overriding the cfg's input_size.", valueName: "S"))
    var inputSize: Int?

    @Option(help: "Arithmetic: f32, or bf16 where the CPU has AVX512_BF16.")
    var dtype: ModelBenchmark.DType = .float32

    @OptionGroup(title: "Decompression limits") var readLimits: ReadLimitOptions

    func validate() throws {
        if let output, !output.hasSuffix(".npy") {
            throw ValidationError("--output must end in .npy, got \"\(output)\"")
        }
        if checkpoint != nil && pretrained { throw ValidationError("--checkpoint and --pretrained exclude each other") }
        if input != nil && !images.isEmpty { throw ValidationError("give image files or --input x.npy, not both") }
        if input == nil && images.isEmpty { throw ValidationError("give image files to classify, or --input x.npy") }
        if input != nil && output == nil { throw ValidationError("--input needs --output y.npy") }
        if topK < 1 { throw ValidationError("--topk must be at least 1") }
        if let inputSize, inputSize < 1 { throw ValidationError("--input-size must be positive") }
    }

    func run() throws {
        try ModelBenchmark.requireSupport(for: dtype)
        readLimits.apply()
        if let input { return try runTensor(input) }
        let classifier = try ImageClassifier(
            name, pretrained: checkpoint == nil, checkpointPath: checkpoint, inputSize: inputSize)
        let logits = try classifier.logits(files: images)
        if let output { try NPY.write(logits, to: output) }
        let top = ImageClassifier.top(logits, k: topK, names: classifier.classNames)
        if json {
            var rows = [JSONValue]()
            for (file, guesses) in zip(images, top) {
                let entries: [JSONValue] = guesses.map { guess in
                    let fields: [(String, JSONValue)] = [
                        ("index", .integer(Int64(guess.index))), ("name", .string(guess.name)),
                        ("probability", .number(Double(guess.probability))),
                    ]
                    return .object(fields)
                }
                rows.append(.object([("image", .string(file)), ("top", .array(entries))]))
            }
            print(JSONValue.array(rows).serialized(pretty: true))
        } else {
            for (file, guesses) in zip(images, top) {
                print(file)
                for guess in guesses {
                    print(String(format: "  %6.2f%%  %4d  ", guess.probability * 100, guess.index) + guess.name)
                }
            }
        }
        if let output { printError("\(output): \(logits.shape)") }
    }

    private func runTensor(_ input: String) throws {
        let x = try NPY.read(input)
        guard x.rank == 4 else { throw ValidationError("\(input): expected an NCHW tensor, got shape \(x.shape)") }
        let model = try createModel(
            name, pretrained: checkpoint == nil, inChans: x.shape[1], checkpointPath: checkpoint)
        model.eval()
        let logits = withNoGrad { model(x.to(.float32)) }
        try NPY.write(logits, to: output!)
        print("\(output!): \(logits.shape)")
    }
}
