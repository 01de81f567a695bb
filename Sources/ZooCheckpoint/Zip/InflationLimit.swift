import Foundation

/// Sizes that hostile or broken files may not exceed. The defaults accept any real checkpoint.
///
/// A fresh `ReadLimits()` starts from ``ReadLimits/defaults``: the built-in values, overridden
/// by `ZOO_MAX_INFLATED_SIZE` / `ZOO_MAX_INFLATE_RATIO` from the environment, or by whatever the
/// program set there (the `zoo` command sets its `--max-inflated-size` / `--max-inflate-ratio`).
public struct ReadLimits: Sendable, Equatable {
    /// Largest single entry (tensor, pickle, header) after decompression.
    public var maxEntryBytes: Int = 1 << 40
    /// Largest JSON header (safetensors caps its own at 100 MB).
    public var maxHeaderBytes: Int = 100_000_000
    /// What a zip's deflated entries may inflate to in all, before the ratio is looked at
    /// (`--max-inflated-size`, `ZOO_MAX_INFLATED_SIZE`). A file is refused only when its
    /// entries inflate past this size AND past `maxInflateRatio` times the file's size.
    public var maxInflatedSize: Int = InflationLimit.defaultSize { didSet { sizeProblem = nil } }
    /// Inflated bytes per byte of file (`--max-inflate-ratio`, `ZOO_MAX_INFLATE_RATIO`). Real
    /// checkpoints deflate to 80-95% of their size (ratio ~1.1); zeros reach deflate's 1032.
    public var maxInflateRatio: Double = InflationLimit.defaultRatio { didSet { ratioProblem = nil } }
    /// Largest pickle program (data.pkl), values and memo entries it may create.
    public var maxPickleBytes: Int = 1 << 30
    /// Deepest nesting of containers the checkpoint walker follows.
    public var maxNesting: Int = 100
    /// Malformed environment settings, reported when a file is opened with these limits (and
    /// forgotten when the program sets the limit itself).
    var sizeProblem: String?
    var ratioProblem: String?
    var problem: String? { sizeProblem ?? ratioProblem }

    /// The built-in limits as the environment and the program adjusted them.
    public init() { self = ReadLimits.defaults }

    private init(builtIn: Void) {}

    private static let lock = NSLock()
    nonisolated(unsafe) private static var stored = ReadLimits.fromEnvironment()

    /// What `ReadLimits()` starts from. Set it once, early (the CLI does, from its flags), to
    /// change the limits of every reader in the process, including `createModel`'s.
    public static var defaults: ReadLimits {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// The built-in limits with `ZOO_MAX_INFLATED_SIZE` (bytes, or with a K/M/G/T suffix, KiB...
    /// allowed) and `ZOO_MAX_INFLATE_RATIO` applied. A malformed value is reported by the first
    /// read, never ignored.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ReadLimits
    {
        var limits = ReadLimits(builtIn: ())
        if let text = environment[InflationLimit.sizeVariable], !text.isEmpty {
            if let size = InflationLimit.parseSize(text) {
                limits.maxInflatedSize = size
            } else {
                limits.sizeProblem =
                    "\(InflationLimit.sizeVariable)='\(text)' is not a size (bytes, or a number with K, M, G, T, KiB, MiB, GiB or TiB)"
            }
        }
        if let text = environment[InflationLimit.ratioVariable], !text.isEmpty {
            if let ratio = InflationLimit.parseRatio(text) {
                limits.maxInflateRatio = ratio
            } else {
                limits.ratioProblem = "\(InflationLimit.ratioVariable)='\(text)' is not a positive number"
            }
        }
        return limits
    }
}

/// The decompression-bomb check: a zip whose deflated entries declare more than
/// `maxInflatedSize` bytes in all, and more than `maxInflateRatio` times the file's size, is
/// refused when it is opened, before anything is allocated; the inflater then stops any entry
/// past its declared size, so what was checked is what gets allocated.
public enum InflationLimit {
    public static let defaultSize = 256 << 20
    public static let defaultRatio = 100.0
    public static let sizeVariable = "ZOO_MAX_INFLATED_SIZE"
    public static let ratioVariable = "ZOO_MAX_INFLATE_RATIO"
    /// How a user raises the limits, for error messages.
    static let howToRaise =
        "raise the limits with --max-inflated-size / --max-inflate-ratio, "
        + "\(sizeVariable) / \(ratioVariable), or ReadLimits.maxInflatedSize / maxInflateRatio"

    /// Throws `limitExceeded` when entries declaring `inflated` bytes in all, from a file of
    /// `fileSize` bytes, pass both limits.
    static func check(inflated: Int, fileSize: Int, limits: ReadLimits, path: String) throws {
        if let problem = limits.problem { throw CheckpointError.invalidArgument(problem) }
        guard inflated > limits.maxInflatedSize else { return }
        let ratio = Double(inflated) / Double(max(fileSize, 1))
        guard ratio > limits.maxInflateRatio else { return }
        throw CheckpointError.limitExceeded(
            path: path,
            what: """
                its entries inflate to \(describe(inflated)) from a \(describe(fileSize)) file (\(Int(ratio.rounded()))x), \
                past both the inflated-size limit (\(describe(limits.maxInflatedSize))) and the inflate-ratio limit \
                (\(describe(ratio: limits.maxInflateRatio))x), as a decompression bomb would; if the file is trusted, \(howToRaise)
                """)
    }

    /// `268435456`, `256M`, `256MiB`, `1G`, `1.5GiB`: bytes (K, M, G, T and their -iB forms are
    /// all powers of 1024, as `du` and `ls -h` print them).
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        var unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).uppercased()
        guard let number = Double(digits), number >= 0 else { return nil }
        if unit.hasSuffix("IB") { unit.removeLast(2) } else if unit.hasSuffix("B") { unit.removeLast() }
        let exponent: Int
        switch unit {
        case "": exponent = 0
        case "K": exponent = 1
        case "M": exponent = 2
        case "G": exponent = 3
        case "T": exponent = 4
        default: return nil
        }
        let bytes = number * pow(1024, Double(exponent))
        guard bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }

    public static func parseRatio(_ text: String) -> Double? {
        guard let ratio = Double(text.trimmingCharacters(in: .whitespaces)), ratio > 0, ratio.isFinite else {
            return nil
        }
        return ratio
    }

    static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) bytes" }
        return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
    }

    static func describe(ratio: Double) -> String {
        ratio == ratio.rounded() ? String(Int(ratio)) : String(ratio)
    }
}
