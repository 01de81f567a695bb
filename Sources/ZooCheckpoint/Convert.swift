import Foundation
import ZooTensor

/// A key-renaming rule `REGEX=REPLACEMENT` (`$1` refers to groups), applied to every match.
public struct KeyRemap: Sendable {
    public let pattern: String
    public let replacement: String

    public init(pattern: String, replacement: String) {
        self.pattern = pattern
        self.replacement = replacement
    }

    /// Parses `REGEX=REPLACEMENT`, split at the first `=` not escaped as `\=`.
    public init(rule: String) throws {
        let scalars = Array(rule)
        var index = 0
        var pattern = ""
        while index < scalars.count {
            if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == "=" {
                pattern.append("="); index += 2; continue
            }
            if scalars[index] == "=" {
                self.init(pattern: pattern, replacement: String(scalars[(index + 1)...]))
                return
            }
            pattern.append(scalars[index]); index += 1
        }
        throw CheckpointError.invalidArgument("remap rule '\(rule)' has no '=' (expected REGEX=REPLACEMENT)")
    }
}

/// What `convertCheckpoint` changes on the way.
public struct ConvertOptions: Sendable {
    /// Cast floating-point tensors to this type (f16, bf16, f32, f64); integers and bools stay.
    public var dtype: DType?
    /// Applied in order to every name that survives `drop`.
    public var remaps: [KeyRemap] = []
    /// Tensors whose (original) name matches any of these regexes are left out.
    public var drop: [String] = []
    /// Embedded in `.zoo` and safetensors outputs.
    public var architecture: String?
    public var tag: String?
    public var config: JSONValue?
    /// `.zoo` only: compress entries where it pays, with `compression`.
    public var compress = false
    public var compression = Compression.zstd
    public var load = LoadOptions()

    public init(
        dtype: DType? = nil, remaps: [KeyRemap] = [], drop: [String] = [], architecture: String? = nil,
        tag: String? = nil, config: JSONValue? = nil, compress: Bool = false, load: LoadOptions = LoadOptions()
    ) {
        self.dtype = dtype
        self.remaps = remaps
        self.drop = drop
        self.architecture = architecture
        self.tag = tag
        self.config = config
        self.compress = compress
        self.load = load
    }
}

/// What a conversion did.
public struct ConvertSummary: Sendable {
    public var outputFormat: CheckpointFormat
    public var tensorCount: Int
    public var byteCount: Int
    public var dropped: [String]
    public var renamed: [(from: String, to: String)]
}

extension Checkpoint {
    /// Drops, renames and casts tensors as `options` say; sets architecture, tag and config.
    public func transformed(by options: ConvertOptions) throws -> (
        Checkpoint, dropped: [String], renamed: [(from: String, to: String)]
    ) {
        func compile(_ pattern: String) throws -> NSRegularExpression {
            do { return try NSRegularExpression(pattern: pattern) } catch {
                throw CheckpointError.invalidArgument(
                    "invalid regular expression '\(pattern)': \(error.localizedDescription)")
            }
        }
        let drops = try options.drop.map(compile)
        let remaps = try options.remaps.map { (try compile($0.pattern), $0.replacement) }
        var result = self
        result.tensors = []
        var dropped = [String]()
        var renamed = [(from: String, to: String)]()
        var seen = [String: String]()
        for (name, tensor) in tensors {
            let range = NSRange(name.startIndex..., in: name)
            if drops.contains(where: { $0.firstMatch(in: name, range: range) != nil }) {
                dropped.append(name); continue
            }
            var newName = name
            for (regex, template) in remaps {
                newName = regex.stringByReplacingMatches(
                    in: newName, range: NSRange(newName.startIndex..., in: newName), withTemplate: template)
            }
            if let other = seen[newName] {
                throw CheckpointError.invalidArgument("remapping sends both '\(other)' and '\(name)' to '\(newName)'")
            }
            seen[newName] = name
            if newName != name { renamed.append((name, newName)) }
            var output = tensor
            if let dtype = options.dtype, tensor.dtype.isFloatingPoint, tensor.dtype != dtype {
                output = tensor.to(dtype)
            }
            result.tensors.append((newName, output))
        }
        if let architecture = options.architecture { result.architecture = architecture }
        if let tag = options.tag { result.tag = tag }
        if let config = options.config { result.config = config }
        return (result, dropped, renamed)
    }
}

/// Converts between formats (chosen by extension: .zoo, .pth/.pt/.bin/.ckpt, .safetensors).
/// The output appears only when complete; on any error nothing is written.
///
/// ```swift
/// try convertCheckpoint(from: "resnet50.pth", to: "resnet50.zoo",
///                       options: ConvertOptions(dtype: .float16, drop: ["^fc\\."]))
/// ```
@discardableResult
public func convertCheckpoint(from input: String, to output: String, options: ConvertOptions = ConvertOptions()) throws
    -> ConvertSummary
{
    guard let format = CheckpointFormat(pathExtension: output) else {
        throw CheckpointError.unknownFormat(
            path: output,
            reason:
                "cannot tell the output format from the extension (use .zoo, .pth, .pt, .bin, .ckpt or .safetensors)")
    }
    // Writers of .zoo and .pth compute a CRC of every entry anyway: when the bytes pass through
    // unchanged, that one pass also checks the input's recorded CRC (a mismatch aborts the write).
    var load = options.load
    load.deferChecksums = load.verifyChecksums && options.dtype == nil && format != .safetensors
    let source = try Checkpoint.load(input, options: load)
    let (checkpoint, dropped, renamed) = try source.transformed(by: options)
    let checksums = WriterChecksums(known: checkpoint.verifiedChecksums, pending: checkpoint.pendingChecksums)
    switch format {
    case .zoo:
        try ZooFormat.write(
            checkpoint, to: output, options: SaveOptions(compress: options.compress, compression: options.compression), checksums: checksums)
    case .pytorch: try PyTorchWriter.write(checkpoint, to: output, checksums: checksums)
    case .safetensors: try SafeTensors.write(checkpoint, to: output)
    }
    return ConvertSummary(
        outputFormat: format, tensorCount: checkpoint.tensors.count, byteCount: checkpoint.byteCount,
        dropped: dropped, renamed: renamed)
}
