import ZooCheckpoint

/// Where a set of pretrained weights comes from and how to feed the model that uses them: timm's
/// `PretrainedCfg`, field for field, plus the `sha256` of the weight file where it is known.
///
/// JSON uses timm's snake_case field names (`input_size`, `crop_pct`, ...). A missing field takes
/// timm's dataclass default, so a manifest may omit what timm would not set. timm's runtime-only
/// fields (`state_dict`, `source`) and the label tables (`label_names`, `label_descriptions`) are
/// not carried.
///
/// ```swift
/// let cfg = try ModelRegistry.shared.pretrainedCfg(for: "resnet50.a1_in1k")
/// cfg?.inputSize   // [3, 224, 224]
/// cfg?.cropPct     // 0.95
/// ```
public struct PretrainedCfg: Hashable, Sendable {
    // Weight source locations.
    public var url: String?
    public var file: String?
    public var hfHubID: String?
    public var hfHubFilename: String?
    /// SHA-256 of the weight file, lower-case hex; ours, not timm's.
    public var sha256: String?

    public var architecture: String
    public var tag: String?
    public var customLoad: Bool = false

    // Input and preprocessing.
    public var inputSize: [Int] = [3, 224, 224]
    public var testInputSize: [Int]?
    public var minInputSize: [Int]?
    public var fixedInputSize: Bool = false
    public var interpolation: String = "bicubic"
    public var cropPct: Double = 0.875
    public var testCropPct: Double?
    public var cropMode: String = "center"
    public var mean: [Double] = [0.485, 0.456, 0.406]
    public var std: [Double] = [0.229, 0.224, 0.225]

    // Head and the layers a checkpoint filter adapts.
    public var numClasses: Int = 1000
    public var labelOffset: Int?
    public var poolSize: [Int]?
    public var testPoolSize: [Int]?
    public var firstConv: StringOrList?
    public var classifier: StringOrList?

    // Provenance.
    public var license: String?
    /// timm's `description`.
    public var modelDescription: String?
    public var originURL: String?
    public var paperName: String?
    public var paperIDs: StringOrList?
    public var notes: [String]?

    /// A cfg with timm's defaults for everything but the name.
    public init(architecture: String, tag: String? = nil) {
        self.architecture = architecture
        self.tag = tag
    }

    /// `architecture.tag`, or `architecture` for an untagged cfg.
    public var name: ModelName { ModelName(architecture: architecture, tag: tag) }

    /// Whether the cfg says where to get weights (timm's `has_weights`).
    public var hasWeights: Bool {
        [url, file, hfHubID].contains { !($0 ?? "").isEmpty }
    }
}

/// A value timm types as `str` or a tuple of `str` (`first_conv`, `classifier`, `paper_ids`);
/// it keeps its JSON shape so it prints back as timm has it.
public enum StringOrList: Hashable, Sendable, Codable, CustomStringConvertible {
    case single(String)
    case list([String])

    /// The strings, one or many.
    public var values: [String] {
        switch self {
        case .single(let value): [value]
        case .list(let values): values
        }
    }

    public var description: String { values.joined(separator: ", ") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .single(value)
        } else if let values = try? container.decode([String].self) {
            self = .list(values)
        } else {
            throw DecodingError.typeMismatch(
                StringOrList.self,
                .init(
                    codingPath: decoder.codingPath, debugDescription: "Expected a string or a list of strings."))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .single(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        }
    }
}

// MARK: - Reading JSON, with timm's names and defaults

extension PretrainedCfg {
    /// timm's field names, in timm's order (which is also the order JSON output uses).
    enum Field: String {
        case url, file
        case hfHubID = "hf_hub_id"
        case hfHubFilename = "hf_hub_filename"
        case sha256, architecture, tag
        case customLoad = "custom_load"
        case inputSize = "input_size"
        case testInputSize = "test_input_size"
        case minInputSize = "min_input_size"
        case fixedInputSize = "fixed_input_size"
        case interpolation
        case cropPct = "crop_pct"
        case testCropPct = "test_crop_pct"
        case cropMode = "crop_mode"
        case mean, std
        case numClasses = "num_classes"
        case labelOffset = "label_offset"
        case poolSize = "pool_size"
        case testPoolSize = "test_pool_size"
        case firstConv = "first_conv"
        case classifier, license
        case modelDescription = "description"
        case originURL = "origin_url"
        case paperName = "paper_name"
        case paperIDs = "paper_ids"
        case notes
    }

    /// Reads a cfg object; `path` (`cfgs[3]`) prefixes the field named in errors. Unknown fields are
    /// errors; absent ones take timm's defaults.
    public init(json: JSONValue, path: String) throws(JSONFieldError) {
        let object = try JSONObjectReader<Field>(json, path: path)
        guard let architecture = try object.string(.architecture) else { throw object.missing(.architecture) }
        self.init(architecture: architecture, tag: try object.string(.tag))
        url = try object.string(.url)
        file = try object.string(.file)
        hfHubID = try object.string(.hfHubID)
        hfHubFilename = try object.string(.hfHubFilename)
        sha256 = try object.string(.sha256)
        customLoad = try object.bool(.customLoad) ?? customLoad
        inputSize = try Self.imageSize(.inputSize, in: object) ?? inputSize
        testInputSize = try Self.imageSize(.testInputSize, in: object)
        minInputSize = try Self.imageSize(.minInputSize, in: object)
        fixedInputSize = try object.bool(.fixedInputSize) ?? fixedInputSize
        interpolation = try object.string(.interpolation) ?? interpolation
        cropPct = try object.double(.cropPct) ?? cropPct
        testCropPct = try object.double(.testCropPct)
        cropMode = try object.string(.cropMode) ?? cropMode
        mean = try object.doubles(.mean) ?? mean
        std = try object.doubles(.std) ?? std
        numClasses = try object.int(.numClasses) ?? numClasses
        labelOffset = try object.int(.labelOffset)
        poolSize = try object.ints(.poolSize)
        testPoolSize = try object.ints(.testPoolSize)
        firstConv = try object.stringOrList(.firstConv)
        classifier = try object.stringOrList(.classifier)
        license = try object.string(.license)
        modelDescription = try object.string(.modelDescription)
        originURL = try object.string(.originURL)
        paperName = try object.string(.paperName)
        paperIDs = try object.stringOrList(.paperIDs)
        notes = try object.strings(.notes)
    }

    /// An image size is timm's `(channels, height, width)`: exactly three integers.
    private static func imageSize(_ key: Field, in object: JSONObjectReader<Field>) throws(JSONFieldError) -> [Int]? {
        try object.read(key, "[channels, height, width]") { value in
            let items = value.arrayValue ?? [], sizes = items.compactMap(\.intValue)
            return items.count == 3 && sizes.count == 3 ? sizes : nil
        }
    }
}

extension JSONObjectReader {
    /// timm's `str` or tuple of `str` fields.
    func stringOrList(_ key: Key) throws(JSONFieldError) -> StringOrList? {
        try read(key, "a string or a list of strings") { value in
            if let string = value.stringValue { return .single(string) }
            guard let items = value.arrayValue else { return nil }
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? .list(strings) : nil
        }
    }
}

extension PretrainedCfg: Codable {
    /// Decodes with the same rules as manifests: timm's field names and defaults, unknown fields
    /// rejected.
    public init(from decoder: any Decoder) throws {
        do {
            try self.init(json: JSONValue(from: decoder), path: "")
        } catch let error as JSONFieldError {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "\(error.field): \(error.message)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try timmDict.encode(to: encoder)
    }
}

// MARK: - timm's to_dict()

extension PretrainedCfg {
    /// The fields as timm's `PretrainedCfg.to_dict()` gives them: in timm's order, unset fields left
    /// out except `pool_size`, `first_conv` and `classifier`, which timm always keeps.
    public var timmDict: JSONValue {
        func list<T>(_ values: [T]?, _ element: (T) -> JSONValue) -> JSONValue {
            values.map { .array($0.map(element)) } ?? .null
        }
        func strings(_ value: StringOrList?) -> JSONValue {
            switch value {
            case .single(let string): .string(string)
            case .list(let strings): .array(strings.map(JSONValue.string))
            case nil: .null
            }
        }
        let fields: [(Field, JSONValue)] = [
            (.url, JSONValue(url)), (.file, JSONValue(file)), (.hfHubID, JSONValue(hfHubID)),
            (.hfHubFilename, JSONValue(hfHubFilename)), (.sha256, JSONValue(sha256)),
            (.architecture, .string(architecture)), (.tag, JSONValue(tag)), (.customLoad, .bool(customLoad)),
            (.inputSize, list(inputSize, JSONValue.int)), (.testInputSize, list(testInputSize, JSONValue.int)),
            (.minInputSize, list(minInputSize, JSONValue.int)), (.fixedInputSize, .bool(fixedInputSize)),
            (.interpolation, .string(interpolation)), (.cropPct, .double(cropPct)),
            (.testCropPct, testCropPct.map(JSONValue.double) ?? .null), (.cropMode, .string(cropMode)),
            (.mean, list(mean, JSONValue.double)), (.std, list(std, JSONValue.double)),
            (.numClasses, .int(numClasses)), (.labelOffset, labelOffset.map(JSONValue.int) ?? .null),
            (.poolSize, list(poolSize, JSONValue.int)), (.testPoolSize, list(testPoolSize, JSONValue.int)),
            (.firstConv, strings(firstConv)), (.classifier, strings(classifier)),
            (.license, JSONValue(license)), (.modelDescription, JSONValue(modelDescription)),
            (.originURL, JSONValue(originURL)), (.paperName, JSONValue(paperName)),
            (.paperIDs, strings(paperIDs)), (.notes, list(notes, JSONValue.string)),
        ]
        let alwaysKept: Set<Field> = [.poolSize, .firstConv, .classifier]
        return .object(fields.filter { $0.1 != .null || alwaysKept.contains($0.0) }.map { ($0.0.rawValue, $0.1) })
    }
}
