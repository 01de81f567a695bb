/// Emits pickle protocol 2, the subset `torch.save` uses for a state dict.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [PickleOpcode.proto.rawValue, 2]

    mutating func op(_ opcode: PickleOpcode) { bytes.append(opcode.rawValue) }

    mutating func global(_ module: String, _ name: String) {
        op(.global)
        bytes += Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(.binUnicode)
        bytes.append32(UInt32(utf8.count))
        bytes += utf8
    }

    mutating func int(_ value: Int) {
        if value >= 0 && value < 256 {
            op(.binInt1); bytes.append(UInt8(value))
        } else if value >= 0 && value < 65536 {
            op(.binInt2); bytes.append16(UInt16(value))
        } else if let small = Int32(exactly: value) {
            op(.binInt); bytes.append32(UInt32(bitPattern: small))
        } else {
            op(.long1); bytes.append(8); bytes.append64(UInt64(bitPattern: Int64(value)))
        }
    }

    mutating func bool(_ value: Bool) { op(value ? .newTrue : .newFalse) }

    mutating func tuple(_ items: [Int]) {
        switch items.count {
        case 0: op(.emptyTuple)
        case 1: int(items[0]); op(.tuple1)
        case 2: int(items[0]); int(items[1]); op(.tuple2)
        case 3: int(items[0]); int(items[1]); int(items[2]); op(.tuple3)
        default:
            op(.mark)
            for item in items { int(item) }
            op(.tuple)
        }
    }

    /// `collections.OrderedDict()`: the state dict itself and every tensor's empty backward hooks.
    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(.emptyTuple)
        op(.reduce)
    }
}
