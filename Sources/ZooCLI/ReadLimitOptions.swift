import ArgumentParser
import Zoo

/// The decompression-bomb limits, shared by every command that reads checkpoints. A file is
/// refused only when its entries inflate past both (docs/zoo-format.md, "Decompression limits").
struct ReadLimitOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Refuse checkpoints inflating past this size in all (with the ratio below); bytes or 256MiB, 1G... Default 256MiB, or $\(InflationLimit.sizeVariable).",
            valueName: "size"))
    var maxInflatedSize: String?

    @Option(
        help: ArgumentHelp(
            "Refuse checkpoints inflating past this many times their file size (with the size above). Default 100, or $\(InflationLimit.ratioVariable).",
            valueName: "ratio"))
    var maxInflateRatio: String?

    func validate() throws {
        if let maxInflatedSize, InflationLimit.parseSize(maxInflatedSize) == nil {
            throw ValidationError(
                "--max-inflated-size '\(maxInflatedSize)' is not a size (bytes, or a number with K, M, G, T, KiB, MiB, GiB or TiB)"
            )
        }
        if let maxInflateRatio, InflationLimit.parseRatio(maxInflateRatio) == nil {
            throw ValidationError("--max-inflate-ratio '\(maxInflateRatio)' is not a positive number")
        }
    }

    /// Makes the flags every reader's default (`ReadLimits()`), `createModel`'s included.
    func apply() {
        var limits = ReadLimits.defaults
        if let size = maxInflatedSize.flatMap(InflationLimit.parseSize) { limits.maxInflatedSize = size }
        if let ratio = maxInflateRatio.flatMap(InflationLimit.parseRatio) { limits.maxInflateRatio = ratio }
        ReadLimits.defaults = limits
    }
}
