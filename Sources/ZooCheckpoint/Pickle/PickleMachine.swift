import ZooTensor

/// Pickle opcodes, protocols 0 through 5.
enum PickleOpcode: UInt8 {
    case mark = 0x28  // (
    case stop = 0x2E  // .
    case pop = 0x30  // 0
    case popMark = 0x31  // 1
    case dup = 0x32  // 2
    case float = 0x46  // F
    case int = 0x49  // I
    case binInt = 0x4A  // J
    case binInt1 = 0x4B  // K
    case long = 0x4C  // L
    case binInt2 = 0x4D  // M
    case none = 0x4E  // N
    case persId = 0x50  // P
    case binPersId = 0x51  // Q
    case reduce = 0x52  // R
    case string = 0x53  // S
    case binString = 0x54  // T
    case shortBinString = 0x55  // U
    case unicode = 0x56  // V
    case binUnicode = 0x58  // X
    case append = 0x61  // a
    case build = 0x62  // b
    case global = 0x63  // c
    case dict = 0x64  // d
    case emptyDict = 0x7D  // }
    case appends = 0x65  // e
    case get = 0x67  // g
    case binGet = 0x68  // h
    case inst = 0x69  // i
    case longBinGet = 0x6A  // j
    case list = 0x6C  // l
    case emptyList = 0x5D  // ]
    case obj = 0x6F  // o
    case put = 0x70  // p
    case binPut = 0x71  // q
    case longBinPut = 0x72  // r
    case setItem = 0x73  // s
    case tuple = 0x74  // t
    case emptyTuple = 0x29  // )
    case setItems = 0x75  // u
    case binFloat = 0x47  // G
    case binBytes = 0x42  // B
    case shortBinBytes = 0x43  // C
    case proto = 0x80
    case newObj = 0x81
    case ext1 = 0x82
    case ext2 = 0x83
    case ext4 = 0x84
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case newTrue = 0x88
    case newFalse = 0x89
    case long1 = 0x8A
    case long4 = 0x8B
    case shortBinUnicode = 0x8C
    case binUnicode8 = 0x8D
    case binBytes8 = 0x8E
    case emptySet = 0x8F
    case addItems = 0x90
    case frozenSet = 0x91
    case newObjEx = 0x92
    case stackGlobal = 0x93
    case memoize = 0x94
    case frame = 0x95
    case byteArray8 = 0x96
    case nextBuffer = 0x97
    case readonlyBuffer = 0x98
}

/// Runs a pickle program without executing anything. Opcodes build plain values; the only
/// globals it accepts are those in `PickleGlobal.allowList`, interpreted here (an OrderedDict
/// becomes a dict, `_rebuild_tensor_v2` a `TensorRecipe`). Any other global is an error naming
/// it, raised as soon as the GLOBAL opcode is read, before anything could refer to it.
struct PickleMachine {
    /// Every value built so far; containers refer into this.
    private(set) var arena: [PickleObject] = []
    private var stack: [Int] = []
    private var marks: [Int] = []
    private var memo: [Int: Int] = [:]
    let path: String
    let limits: ReadLimits
    /// Turns a persistent id (PyTorch's storage tuples) into a value, usually `.storage(index)`.
    var persistentLoad: ((inout PickleMachine, Int) throws -> PickleObject)?

    init(path: String, limits: ReadLimits = ReadLimits()) {
        self.path = path
        self.limits = limits
    }

    subscript(ref: Int) -> PickleObject { arena[ref] }

    /// Runs one pickle starting at `start` up to its STOP; returns the result and where it ended.
    mutating func run(_ program: UnsafeRawBufferPointer, from start: Int = 0) throws -> (result: Int, end: Int) {
        stack.removeAll()
        marks.removeAll()
        memo.removeAll()
        if program.count - start > limits.maxPickleBytes {
            throw CheckpointError.limitExceeded(
                path: path,
                what: "pickle of \(program.count - start) bytes exceeds the \(limits.maxPickleBytes)-byte limit")
        }
        var cursor = ByteCursor(program, path: path, position: start)
        while true {
            let at = cursor.position
            let code = try cursor.u8("pickle opcode (no STOP before the end)")
            guard let opcode = PickleOpcode(rawValue: code) else {
                throw CheckpointError.unknownOpcode(path: path, opcode: code, offset: at)
            }
            if opcode == .stop {
                let result = try pop(at)
                return (result, cursor.position)
            }
            try step(opcode, &cursor, at)
        }
    }

    // MARK: - One opcode

    private mutating func step(_ opcode: PickleOpcode, _ cursor: inout ByteCursor, _ at: Int) throws {
        switch opcode {
        case .stop: break
        case .proto:
            let version = try cursor.u8("protocol version")
            if version > 5 { throw unsupported("pickle protocol \(version)", at) }
        case .frame: _ = try cursor.u64("frame length")
        case .mark: marks.append(stack.count)
        case .pop:
            if let mark = marks.last, mark == stack.count { marks.removeLast() } else { _ = try pop(at) }
        case .popMark: _ = try popMark(at)
        case .dup:
            guard let top = stack.last else { throw unsupported("DUP on an empty stack", at) }
            stack.append(top)
        case .none: push(.none)
        case .newTrue: push(.bool(true))
        case .newFalse: push(.bool(false))
        case .binInt: push(.int(Int(try cursor.integer(Int32.self, "BININT"))))
        case .binInt1: push(.int(Int(try cursor.u8("BININT1"))))
        case .binInt2: push(.int(Int(try cursor.u16("BININT2"))))
        case .int:
            let text = try line(&cursor, at)
            if text == "01" {
                push(.bool(true))
            } else if text == "00" {
                push(.bool(false))
            } else {
                guard let value = Int(text) else { throw unsupported("INT '\(text)'", at) }
                push(.int(value))
            }
        case .long:
            var text = try line(&cursor, at)
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int(text) else { throw unsupported("LONG '\(text)' beyond 64 bits", at) }
            push(.int(value))
        case .long1:
            let length = Int(try cursor.u8("LONG1"))
            push(Self.integer(fromLittleEndian: try cursor.bytes(length, "LONG1")))
        case .long4:
            let length = Int(try cursor.integer(Int32.self, "LONG4"))
            guard length >= 0 else { throw unsupported("negative LONG4 length", at) }
            push(Self.integer(fromLittleEndian: try cursor.bytes(length, "LONG4")))
        case .float:
            let text = try line(&cursor, at)
            guard let value = Double(text) else { throw unsupported("FLOAT '\(text)'", at) }
            push(.float(value))
        case .binFloat:
            push(
                .float(
                    Double(
                        bitPattern: UInt64(bigEndian: try cursor.bytes(8, "BINFLOAT").loadUnaligned(as: UInt64.self)))))
        case .binUnicode: push(.string(try utf8(&cursor, Int(try cursor.u32("BINUNICODE")), at)))
        case .shortBinUnicode: push(.string(try utf8(&cursor, Int(try cursor.u8("SHORT_BINUNICODE")), at)))
        case .binUnicode8: push(.string(try utf8(&cursor, try length64(&cursor, at), at)))
        case .unicode: push(.string(try line(&cursor, at)))  // raw-unicode-escape; ASCII in practice
        case .binString: push(.string(latin1(try cursor.bytes(Int(try cursor.u32("BINSTRING")), "BINSTRING"))))
        case .shortBinString:
            push(.string(latin1(try cursor.bytes(Int(try cursor.u8("SHORT_BINSTRING")), "SHORT_BINSTRING"))))
        case .string: push(.string(try quoted(try line(&cursor, at), at)))
        case .binBytes: push(.bytes(Array(try cursor.bytes(Int(try cursor.u32("BINBYTES")), "BINBYTES"))))
        case .shortBinBytes:
            push(.bytes(Array(try cursor.bytes(Int(try cursor.u8("SHORT_BINBYTES")), "SHORT_BINBYTES"))))
        case .binBytes8, .byteArray8: push(.bytes(Array(try cursor.bytes(try length64(&cursor, at), "BINBYTES8"))))
        case .emptyTuple: push(.tuple([]))
        case .tuple: push(.tuple(try popMark(at)))
        case .tuple1: let a = try pop(at); push(.tuple([a]))
        case .tuple2: let b = try pop(at), a = try pop(at); push(.tuple([a, b]))
        case .tuple3: let c = try pop(at), b = try pop(at), a = try pop(at); push(.tuple([a, b, c]))
        case .emptyList: push(.list([]))
        case .list: push(.list(try popMark(at)))
        case .emptyDict: push(.dict([]))
        case .dict:
            let items = try popMark(at)
            guard items.count % 2 == 0 else { throw unsupported("DICT with an odd number of items", at) }
            push(.dict(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }))
        case .emptySet: push(.set([]))
        case .frozenSet: push(.set(try popMark(at)))
        case .append:
            let item = try pop(at)
            try extend(try top(at), with: [item], at)
        case .appends, .addItems:
            let items = try popMark(at)
            try extend(try top(at), with: items, at)
        case .setItem:
            let value = try pop(at), key = try pop(at)
            try insert(into: try top(at), [(key, value)], at)
        case .setItems:
            let items = try popMark(at)
            guard items.count % 2 == 0 else { throw unsupported("SETITEMS with an odd number of items", at) }
            try insert(
                into: try top(at), stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }, at)
        case .put: memo[try memoIndex(try line(&cursor, at), at)] = try top(at)
        case .binPut: memo[Int(try cursor.u8("BINPUT"))] = try top(at)
        case .longBinPut: memo[Int(try cursor.u32("LONG_BINPUT"))] = try top(at)
        case .memoize: memo[memo.count] = try top(at)
        case .get: try pushMemo(try memoIndex(try line(&cursor, at), at), at)
        case .binGet: try pushMemo(Int(try cursor.u8("BINGET")), at)
        case .longBinGet: try pushMemo(Int(try cursor.u32("LONG_BINGET")), at)
        case .global:
            let module = try line(&cursor, at), name = try line(&cursor, at)
            push(try resolveGlobal(module, name, at))
        case .stackGlobal:
            let nameRef = try pop(at), moduleRef = try pop(at)
            guard case let .string(module) = arena[moduleRef], case let .string(name) = arena[nameRef] else {
                throw unsupported("STACK_GLOBAL with non-string operands", at)
            }
            push(try resolveGlobal(module, name, at))
        case .inst:
            let module = try line(&cursor, at), name = try line(&cursor, at)
            let callable = try resolveGlobal(module, name, at)
            let args = try popMark(at)
            push(try call(callable, args, at))
        case .obj:
            let items = try popMark(at)
            guard let first = items.first else { throw unsupported("OBJ without a class", at) }
            push(try call(arena[first], Array(items.dropFirst()), at))
        case .reduce:
            let args = try pop(at), callable = try pop(at)
            guard case let .tuple(members) = arena[args] else {
                throw unsupported("REDUCE with non-tuple arguments", at)
            }
            push(try call(arena[callable], members, at))
        case .newObj:
            let args = try pop(at), cls = try pop(at)
            guard case let .tuple(members) = arena[args] else {
                throw unsupported("NEWOBJ with non-tuple arguments", at)
            }
            push(try call(arena[cls], members, at))
        case .newObjEx:
            let kwargs = try pop(at), args = try pop(at), cls = try pop(at)
            guard case let .tuple(members) = arena[args], case let .dict(keywords) = arena[kwargs], keywords.isEmpty
            else {
                throw unsupported("NEWOBJ_EX with keyword arguments", at)
            }
            push(try call(arena[cls], members, at))
        case .build:
            let state = try pop(at)
            let target = try top(at)
            // State on a dict (OrderedDict's `_metadata`) or a tensor (Parameter attributes) carries
            // nothing a checkpoint needs; on anything else BUILD would mean setting attributes.
            switch arena[target] {
            case .dict, .tensor: _ = state
            default: throw unsupported("BUILD on a \(arena[target].kind)", at)
            }
        case .persId:
            let id = try line(&cursor, at)
            push(.string(id))
            try loadPersistent(at)
        case .binPersId: try loadPersistent(at)
        case .ext1, .ext2, .ext4: throw unsupported("extension registry opcodes (EXT1/2/4)", at)
        case .nextBuffer, .readonlyBuffer: throw unsupported("out-of-band buffers (protocol 5)", at)
        }
    }

    // MARK: - Calls (interpreted, never executed)

    private func resolveGlobal(_ module: String, _ name: String, _ at: Int) throws -> PickleObject {
        switch PickleGlobal.allowList["\(module).\(name)"] {
        case let .callable(global)?: return .global(global)
        case let .dtype(dtype)?: return .dtype(dtype)
        case nil: throw CheckpointError.forbiddenGlobal(path: path, module: module, name: name)
        }
    }

    private mutating func call(_ callable: PickleObject, _ args: [Int], _ at: Int) throws -> PickleObject {
        guard case let .global(global) = callable else { throw unsupported("calling a \(callable.kind)", at) }
        switch global {
        case .orderedDict:
            if args.isEmpty { return .dict([]) }
            guard args.count == 1, case let .list(pairs) = arena[args[0]] else {
                throw unsupported("OrderedDict arguments", at)
            }
            var items = [(key: Int, value: Int)]()
            for pair in pairs {
                guard case let .tuple(kv) = arena[pair], kv.count == 2 else {
                    throw unsupported("OrderedDict item", at)
                }
                items.append((kv[0], kv[1]))
            }
            return .dict(items)
        case .rebuildTensor, .rebuildTensorV2, .rebuildTensorV3:
            let counts: ClosedRange<Int> = global == .rebuildTensor ? 4...4 : global == .rebuildTensorV2 ? 6...7 : 7...8
            guard counts.contains(args.count) else {
                throw unsupported("\(global.qualifiedName) with \(args.count) arguments", at)
            }
            guard case let .storage(storage) = arena[args[0]] else {
                throw unsupported("\(global.qualifiedName) without a storage", at)
            }
            var recipe = TensorRecipe(
                storage: storage, dtype: nil, storageOffset: try int(args[1], "storage offset", at),
                shape: try ints(args[2], "size", at), strides: try ints(args[3], "stride", at),
                requiresGrad: false, isParameter: false)
            if args.count > 4, case let .bool(flag) = arena[args[4]] { recipe.requiresGrad = flag }
            if global == .rebuildTensorV3 {
                guard case let .dtype(dtype) = arena[args[6]] else {
                    throw unsupported("_rebuild_tensor_v3 without a dtype", at)
                }
                recipe.dtype = dtype
            }
            return .tensor(recipe)
        case .rebuildParameter, .rebuildParameterWithState, .parameter:
            guard let first = args.first, case var .tensor(recipe) = arena[first] else {
                throw unsupported("\(global.qualifiedName) without a tensor", at)
            }
            recipe.isParameter = true
            recipe.requiresGrad = true
            if args.count > 1, case let .bool(flag) = arena[args[1]] { recipe.requiresGrad = flag }
            return .tensor(recipe)
        case .torchSize:
            guard args.count == 1, case .tuple = arena[args[0]] else { throw unsupported("torch.Size arguments", at) }
            return arena[args[0]]
        case .codecsEncode:
            guard args.count == 2, case let .string(text) = arena[args[0]] else {
                throw unsupported("_codecs.encode arguments", at)
            }
            // Protocol 2 spells bytes as encode(latin-1 text, 'latin1').
            return .bytes(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        case .set, .frozenset:
            if args.isEmpty { return .set([]) }
            switch arena[args[0]] {
            case let .list(items), let .tuple(items), let .set(items): return .set(items)
            default: throw unsupported("set arguments", at)
            }
        case .storageType:
            throw unsupported("constructing a storage inside the pickle", at)
        }
    }

    private mutating func loadPersistent(_ at: Int) throws {
        let id = try pop(at)
        guard let persistentLoad else { throw unsupported("persistent id without a loader", at) }
        let value = try persistentLoad(&self, id)
        push(value)
    }

    // MARK: - Helpers

    mutating func push(_ value: PickleObject) {
        arena.append(value)
        stack.append(arena.count - 1)
    }

    private mutating func pop(_ at: Int) throws -> Int {
        if let mark = marks.last, mark >= stack.count { throw unsupported("pop past a MARK", at) }
        guard let value = stack.popLast() else { throw unsupported("pop from an empty stack", at) }
        return value
    }

    private func top(_ at: Int) throws -> Int {
        if let mark = marks.last, mark >= stack.count { throw unsupported("no value above the MARK", at) }
        guard let value = stack.last else { throw unsupported("empty stack", at) }
        return value
    }

    private mutating func popMark(_ at: Int) throws -> [Int] {
        guard let mark = marks.popLast() else { throw unsupported("no MARK on the stack", at) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func pushMemo(_ index: Int, _ at: Int) throws {
        guard let ref = memo[index] else { throw unsupported("memo entry \(index) read before it was written", at) }
        stack.append(ref)
    }

    private mutating func extend(_ target: Int, with items: [Int], _ at: Int) throws {
        switch arena[target] {
        case var .list(members):
            arena[target] = .none  // keep the array uniquely referenced while it grows
            members += items
            arena[target] = .list(members)
        case var .set(members):
            arena[target] = .none
            members += items
            arena[target] = .set(members)
        default: throw unsupported("APPEND to a \(arena[target].kind)", at)
        }
    }

    private mutating func insert(into target: Int, _ items: [(Int, Int)], _ at: Int) throws {
        guard case var .dict(members) = arena[target] else {
            throw unsupported("SETITEM on a \(arena[target].kind)", at)
        }
        arena[target] = .none
        for (key, value) in items { members.append((key, value)) }
        arena[target] = .dict(members)
    }

    func int(_ ref: Int, _ what: String, _ at: Int) throws -> Int {
        guard case let .int(value) = arena[ref] else {
            throw unsupported("\(what) is a \(arena[ref].kind), not an int", at)
        }
        return value
    }

    func ints(_ ref: Int, _ what: String, _ at: Int) throws -> [Int] {
        guard case let .tuple(members) = arena[ref] else {
            throw unsupported("\(what) is a \(arena[ref].kind), not a tuple", at)
        }
        return try members.map { try int($0, what, at) }
    }

    func unsupported(_ what: String, _ at: Int) -> CheckpointError {
        .unsupportedPickle(path: path, what: what, offset: at)
    }

    private func line(_ cursor: inout ByteCursor, _ at: Int) throws -> String {
        let start = cursor.position
        while true {
            let byte = try cursor.u8("text operand (no newline before the end)")
            if byte == 0x0A { break }
        }
        let raw = UnsafeRawBufferPointer(rebasing: cursor.buffer[start..<cursor.position - 1])
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw unsupported("text operand is not UTF-8", at)
        }
        return text
    }

    private func utf8(_ cursor: inout ByteCursor, _ length: Int, _ at: Int) throws -> String {
        guard let text = String(validating: try cursor.bytes(length, "string"), as: UTF8.self) else {
            throw unsupported("string is not UTF-8", at)
        }
        return text
    }

    private func length64(_ cursor: inout ByteCursor, _ at: Int) throws -> Int {
        let length = try cursor.u64("length")
        guard length <= UInt64(cursor.remaining) else {
            throw CheckpointError.truncated(path: path, what: "pickle operand of \(length) bytes at offset \(at)")
        }
        return Int(length)
    }

    private func memoIndex(_ text: String, _ at: Int) throws -> Int {
        guard let index = Int(text), index >= 0 else { throw unsupported("memo index '\(text)'", at) }
        return index
    }

    private func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Protocol 0 STRING: a Python literal in single or double quotes with backslash escapes.
    private func quoted(_ text: String, _ at: Int) throws -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2, let quote = scalars.first, quote == "'" || quote == "\"", scalars.last == quote else {
            throw unsupported("STRING operand is not quoted", at)
        }
        var out = String.UnicodeScalarView()
        var index = 1
        while index < scalars.count - 1 {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\", index < scalars.count - 1 else { out.append(scalar); continue }
            let escape = scalars[index]
            index += 1
            switch escape {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "x":
                guard index + 2 <= scalars.count - 1,
                    let value = UInt8(String(String.UnicodeScalarView(scalars[index..<index + 2])), radix: 16)
                else {
                    throw unsupported("bad \\x escape in STRING", at)
                }
                out.append(Unicode.Scalar(value))
                index += 2
            default: out.append(escape)
            }
        }
        return String(out)
    }

    /// LONG1/LONG4 payloads: little-endian two's complement of any length.
    static func integer(fromLittleEndian bytes: UnsafeRawBufferPointer) -> PickleObject {
        if bytes.isEmpty { return .int(0) }
        if bytes.count > 8 { return .bigInt(Array(bytes)) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        let shift = UInt64(64 - 8 * bytes.count)
        return .int(Int(Int64(bitPattern: value << shift) >> shift))
    }
}
