import ArgumentParser
import Zoo

/// Element types `--dtype` accepts.
enum DTypeChoice: String, ExpressibleByArgument, CaseIterable {
    case f16, bf16, f32

    var dtype: DType {
        switch self {
        case .f16: .float16
        case .bf16: .bfloat16
        case .f32: .float32
        }
    }
}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a checkpoint between .zoo, PyTorch (.pth .pt .bin .ckpt) and .safetensors.",
        discussion: """
            The input format is read from the file's bytes, the output format from its extension. \
            The output appears only once it is complete.
            """
    )

    @Argument(help: "The checkpoint to read.") var input: String
    @Argument(help: "The file to write (.zoo, .pth, .pt, .bin, .ckpt or .safetensors).") var output: String

    @Option(help: "Cast floating-point tensors to this type.") var dtype: DTypeChoice?
    @Option(
        help: ArgumentHelp(
            "Rename tensors: 'REGEX=REPLACEMENT' ($1 for groups). Repeatable, applied in order.", valueName: "rule"))
    var remap: [String] = []
    @Option(help: ArgumentHelp("Leave out tensors whose name matches REGEX. Repeatable.", valueName: "regex"))
    var drop: [String] = []
    @Option(
        help: ArgumentHelp(
            "Record the architecture (NAME or NAME.TAG) and its default_cfg in the output.", valueName: "name"))
    var arch: String?
    @Option(
        name: .customLong("img-size"),
        help: ArgumentHelp(
            "Adapt the checkpoint to --arch built for this input side: position embeddings, patch kernels and relative-position tables resampled as timm's loader does.",
            valueName: "pixels"))
    var imgSize: Int?
    @Flag(
        help:
            "Compress .zoo entries where that saves space (floats byte-shuffled first; zstd unless --compression says deflate)."
    )
    var compress = false
    @Option(
        help: ArgumentHelp(
            "With --compress: zstd (fast; zip method 93) or deflate (slower; read by every zip tool).",
            valueName: "codec"))
    var compression: Compression = .zstd
    @Flag(help: "Take EMA weights from training checkpoints that hold both.") var ema = false
    @Flag(name: .customLong("keep-module-prefix"), help: "Keep DataParallel's 'module.' prefix.") var keepModulePrefix =
        false

    @OptionGroup(title: "Decompression limits") var readLimits: ReadLimitOptions

    func validate() throws {
        guard let format = CheckpointFormat(pathExtension: output) else {
            throw ValidationError(
                "Cannot tell the output format of '\(output)': use .zoo, .pth, .pt, .bin, .ckpt or .safetensors.")
        }
        if compress && format != .zoo { throw ValidationError("--compress applies to .zoo outputs only.") }
        if let imgSize {
            guard arch != nil else {
                throw ValidationError("--img-size needs --arch: the model the checkpoint is adapted to.")
            }
            guard imgSize > 0 else { throw ValidationError("--img-size must be positive.") }
        }
        for rule in remap where !rule.contains("=") {
            throw ValidationError("--remap '\(rule)' has no '=': expected REGEX=REPLACEMENT.")
        }
    }

    func run() throws {
        readLimits.apply()
        if let imgSize, let arch { return try adapt(arch: arch, imgSize: imgSize) }
        var options = ConvertOptions(
            dtype: dtype?.dtype, drop: drop, compress: compress,
            load: LoadOptions(preferEMA: ema, stripModulePrefix: !keepModulePrefix))
        options.compression = compression
        options.remaps = try remap.map { try KeyRemap(rule: $0) }
        if let arch {
            // The header carries the resolved default_cfg, as a pulled checkpoint's does; resolving
            // first also turns a misspelled name into an error before anything is written.
            let registry = ModelRegistry.shared
            try registry.loadManifestsFromEnvironment()
            let resolved = try registry.resolve(arch)
            options.architecture = resolved.architecture.name
            options.tag = ModelName(arch).tag
            options.config = resolved.cfg?.timmDict ?? .object([("architecture", .string(resolved.architecture.name))])
        }
        let summary = try convertCheckpoint(from: input, to: output, options: options)
        for name in summary.dropped { print("dropped  \(name)") }
        for (from, to) in summary.renamed { print("renamed  \(from) -> \(to)") }
        print(
            "wrote \(output): \(summary.tensorCount) tensors, \(formatBytes(summary.byteCount)) (\(summary.outputFormat.rawValue))"
        )
    }
}

extension ConvertCommand {
    /// `--img-size`: build `arch` for the new size, load the checkpoint through the family's
    /// filter and adaptation (as `createModel` does), and write the adapted state dict with a cfg
    /// whose input size is the new one.
    func adapt(arch: String, imgSize: Int) throws {
        let registry = Zoo.registry
        try registry.loadManifestsFromEnvironment()
        let resolved = try registry.resolve(arch)
        let model = try createModel(arch, checkpointPath: input, imgSize: imgSize, registry: registry)
        var cfg = resolved.cfg ?? PretrainedCfg(architecture: resolved.architecture.name)
        cfg.inputSize = [cfg.inputSize.first ?? 3, imgSize, imgSize]
        var tensors = model.stateDict().map { (name: $0.0, tensor: $0.1) }
        if let dtype {
            tensors = tensors.map { ($0.name, $0.tensor.dtype.isFloatingPoint ? $0.tensor.to(dtype.dtype) : $0.tensor) }
        }
        let checkpoint = Checkpoint(
            tensors: tensors, architecture: resolved.architecture.name, tag: ModelName(arch).tag,
            config: cfg.timmDict)
        try checkpoint.save(output, options: SaveOptions(compress: compress, compression: compression))
        print("wrote \(output): \(tensors.count) tensors adapted to \(imgSize)x\(imgSize) for \(arch)")
    }
}

/// 1536 → "1.5 KiB".
func formatBytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
}

extension Compression: ExpressibleByArgument {}
