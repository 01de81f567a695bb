import ZooCheckpoint

#if canImport(FoundationEssentials)
    import FoundationEssentials  // files, without loading all of Foundation (start-up time)
#else
    import Foundation
#endif

/// A JSON file of pretrained cfgs, one file per family (`manifests/resnet.json`):
///
/// ```json
/// {
///   "format_version": 1,
///   "generated_by": "tools/make_manifests.py from timm 1.0.31",
///   "cfgs": [
///     {"architecture": "resnet50", "tag": "a1_in1k", "url": "https://...", "crop_pct": 0.95, ...},
///     ...
///   ]
/// }
/// ```
///
/// Cfgs use ``PretrainedCfg``'s timm field names; for each architecture the first cfg listed is its
/// default tag. Unknown fields are errors. Loading a manifest into a registry
/// (``ModelRegistry/load(_:file:)``) also checks that every architecture is registered.
public struct Manifest: Sendable, Codable {
    /// The format this code reads and writes.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// Free text saying where the facts came from.
    public var generatedBy: String?
    public var cfgs: [PretrainedCfg]

    public init(cfgs: [PretrainedCfg], generatedBy: String? = nil) {
        self.formatVersion = Self.currentFormatVersion
        self.generatedBy = generatedBy
        self.cfgs = cfgs
    }

    /// Parses manifest JSON; `file` names the source in errors.
    /// - Throws: ``ManifestError`` naming `file` and the field at fault.
    public init(json: some Collection<UInt8>, file: String) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(json))
        } catch {
            throw ManifestError.invalidJSON(
                file: file, field: error.field, line: error.line, column: error.column, reason: error.message)
        }
        do {
            try self.init(json: value)
        } catch {
            throw ManifestError.invalidField(file: file, field: error.field, reason: error.message)
        }
    }

    /// Reads and parses the manifest at `path`.
    /// - Throws: ``ManifestError`` naming `path` and the field at fault.
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw ManifestError.unreadable(file: path, reason: reason)
        }
        try self.init(json: data, file: path)
    }

    /// The top-level fields.
    enum Field: String {
        case formatVersion = "format_version"
        case generatedBy = "generated_by"
        case cfgs
    }

    init(json: JSONValue) throws(JSONFieldError) {
        let object = try JSONObjectReader<Field>(json, path: "")
        formatVersion = try object.int(.formatVersion) ?? Self.currentFormatVersion
        guard formatVersion <= Self.currentFormatVersion else {
            throw JSONFieldError(
                field: object.fieldPath(.formatVersion),
                message: "format \(formatVersion) is newer than this zoo reads (\(Self.currentFormatVersion))")
        }
        generatedBy = try object.string(.generatedBy)
        guard let cfgList = try object.array(.cfgs) else { throw object.missing(.cfgs) }
        cfgs = []
        for (index, cfg) in cfgList.enumerated() {
            cfgs.append(try PretrainedCfg(json: cfg, path: "cfgs[\(index)]"))
        }
    }

    public init(from decoder: any Decoder) throws {
        do {
            try self.init(json: JSONValue(from: decoder))
        } catch let error as JSONFieldError {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "\(error.field): \(error.message)"))
        }
    }

    /// Writes the manifest as its JSON file has it.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    /// The manifest as JSON, fields in the order its files use.
    public var json: JSONValue {
        .object([
            (Field.formatVersion.rawValue, .int(formatVersion)),
            (Field.generatedBy.rawValue, JSONValue(generatedBy)),
            (Field.cfgs.rawValue, .array(cfgs.map(\.timmDict))),
        ])
    }
}

/// Why a manifest could not be used; every case names the file, and the field where there is one.
public enum ManifestError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// Not JSON at all; `field` is where in the structure the text broke (empty at the top).
    case invalidJSON(file: String, field: String, line: Int, column: Int, reason: String)
    /// A field of the wrong type, missing, unknown or out of range.
    case invalidField(file: String, field: String, reason: String)
    /// A cfg names an architecture nobody registered.
    case unknownArchitecture(file: String, field: String, architecture: String, suggestions: [String])
    /// A folder of manifests (such as `ZOO_MANIFESTS`) that is not there.
    case missingFolder(path: String, setBy: String?)

    public var file: String {
        switch self {
        case .unreadable(let file, _), .invalidJSON(let file, _, _, _, _), .invalidField(let file, _, _),
            .unknownArchitecture(let file, _, _, _):
            file
        case .missingFolder(let path, _):
            path
        }
    }

    /// The field at fault, as `cfgs[3].input_size`, where there is one.
    public var field: String? {
        switch self {
        case .invalidJSON(_, let field, _, _, _): field.isEmpty ? nil : field
        case .invalidField(_, let field, _), .unknownArchitecture(_, let field, _, _): field
        case .unreadable, .missingFolder: nil
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the manifest: \(reason)"
        case let .invalidJSON(file, field, line, column, reason):
            let place = field.isEmpty ? "" : " in \(field)"
            return "\(file): line \(line), column \(column)\(place): not valid JSON: \(reason)"
        case let .invalidField(file, field, reason):
            return "\(file): \(field): \(reason)"
        case let .unknownArchitecture(file, field, architecture, suggestions):
            let hint = suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: ", "))?)"
            return "\(file): \(field): unknown architecture \"\(architecture)\"\(hint); "
                + "register the architecture before loading its manifest"
        case let .missingFolder(path, setBy):
            let origin = setBy.map { " (from \($0))" } ?? ""
            return "\(path)\(origin): no such folder of manifests"
        }
    }
}
