import ZooTensor

/// A value built by `PickleMachine`. Containers hold their members as indices into the machine's
/// arena rather than as nested values: hostile pickles can nest or cycle without making us recurse
/// when values are built or freed.
enum PickleObject {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond Int64, as little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([Int])
    case list([Int])
    case dict([(key: Int, value: Int)])
    case set([Int])
    /// A callable or class from the allow-list, not yet called.
    case global(PickleGlobal)
    case dtype(DType)
    /// What the persistent-load hook returned for a storage reference: an index into its table.
    case storage(Int)
    case tensor(TensorRecipe)

    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .set: "set"
        case let .global(global): "global \(global.qualifiedName)"
        case .dtype: "torch.dtype"
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }
}

/// How to rebuild a tensor once its storage's bytes are available.
struct TensorRecipe {
    var storage: Int
    /// Set by `_rebuild_tensor_v3`; otherwise the storage's own type decides.
    var dtype: DType?
    var storageOffset: Int
    var shape: [Int]
    var strides: [Int]
    var requiresGrad: Bool
    var isParameter: Bool
}

/// The globals a checkpoint pickle may name. Each is interpreted by `PickleMachine`; none is
/// imported or called. The set matches what `torch.load(weights_only=True)` accepts for plain
/// tensors and state dicts.
enum PickleGlobal: Hashable {
    case orderedDict
    case rebuildTensor, rebuildTensorV2, rebuildTensorV3
    case rebuildParameter, rebuildParameterWithState
    case parameter
    case storageType(DType?)  // nil: torch.UntypedStorage (bytes)
    case torchSize
    case codecsEncode
    case set, frozenset

    var qualifiedName: String {
        PickleGlobal.allowList.first { $0.value == .callable(self) }?.key ?? "\(self)"
    }

    enum Entry: Equatable { case callable(PickleGlobal), dtype(DType) }

    /// "module.name" → meaning.
    static let allowList: [String: Entry] = {
        var table: [String: Entry] = [
            "collections.OrderedDict": .callable(.orderedDict),
            "torch._utils._rebuild_tensor": .callable(.rebuildTensor),
            "torch._utils._rebuild_tensor_v2": .callable(.rebuildTensorV2),
            "torch._utils._rebuild_tensor_v3": .callable(.rebuildTensorV3),
            "torch._utils._rebuild_parameter": .callable(.rebuildParameter),
            "torch._utils._rebuild_parameter_with_state": .callable(.rebuildParameterWithState),
            "torch.nn.parameter.Parameter": .callable(.parameter),
            "torch.Size": .callable(.torchSize),
            "_codecs.encode": .callable(.codecsEncode),
            "builtins.set": .callable(.set),
            "builtins.frozenset": .callable(.frozenset),
            "__builtin__.set": .callable(.set),
            "torch.UntypedStorage": .callable(.storageType(nil)),
            "torch.storage.UntypedStorage": .callable(.storageType(nil)),
        ]
        let storages: [(String, DType)] = [
            ("FloatStorage", .float32), ("DoubleStorage", .float64), ("HalfStorage", .float16),
            ("BFloat16Storage", .bfloat16), ("LongStorage", .int64), ("IntStorage", .int32),
            ("ShortStorage", .int16), ("CharStorage", .int8), ("ByteStorage", .uint8), ("BoolStorage", .bool),
        ]
        for (name, dtype) in storages { table["torch.\(name)"] = .callable(.storageType(dtype)) }
        let dtypes: [(String, DType)] = [
            ("float32", .float32), ("float", .float32), ("float64", .float64), ("double", .float64),
            ("float16", .float16), ("half", .float16), ("bfloat16", .bfloat16), ("int64", .int64), ("long", .int64),
            ("int32", .int32), ("int", .int32), ("int16", .int16), ("short", .int16), ("int8", .int8),
            ("uint8", .uint8), ("bool", .bool),
        ]
        for (name, dtype) in dtypes { table["torch.\(name)"] = .dtype(dtype) }
        return table
    }()
}
