import ZooTensor

/// NumPy's `.npy` format for single tensors: magic, version, a Python-literal header
/// (`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`) padded to 64 bytes, raw data.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    static let descriptors: [(String, DType)] = [
        ("f4", .float32), ("f2", .float16), ("f8", .float64), ("i8", .int64), ("i4", .int32),
        ("i2", .int16), ("i1", .int8), ("u1", .uint8), ("b1", .bool),
    ]

    /// Reads a `.npy` file. Fortran-ordered arrays become column-major views; big-endian ones are swapped.
    public static func read(_ path: String) throws -> Tensor {
        try decode(MappedFile(path: path))
    }

    public static func decode(_ bytes: [UInt8], label: String = "<memory>") throws -> Tensor {
        try decode(MappedFile(bytes: bytes, label: label))
    }

    static func decode(_ file: MappedFile) throws -> Tensor {
        let path = file.path
        var cursor = ByteCursor(file.buffer, path: path)
        guard Array(try cursor.bytes(6, "npy magic")) == magic else {
            throw CheckpointError.unknownFormat(path: path, reason: "no .npy magic number")
        }
        let major = try cursor.u8("npy version")
        _ = try cursor.u8("npy version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try cursor.u16("npy header length"))
        case 2, 3: headerLength = Int(try cursor.u32("npy header length"))
        default: throw CheckpointError.unknownFormat(path: path, reason: ".npy version \(major) is not supported")
        }
        let headerBytes = try cursor.bytes(headerLength, "npy header")
        guard let text = String(validating: headerBytes, as: UTF8.self) else {
            throw CheckpointError.corrupt(path: path, what: ".npy header is not text")
        }
        var header = PythonLiteralParser(text: Array(text.unicodeScalars), path: path)
        let fields = try header.parseHeader()
        guard let descr = fields.descr, let shape = fields.shape else {
            throw CheckpointError.corrupt(path: path, what: ".npy header lacks descr or shape")
        }
        let order = descr.first.map(String.init) ?? ""
        guard ["<", ">", "|", "="].contains(order),
            let dtype = descriptors.first(where: { $0.0 == String(descr.dropFirst()) })?.1
        else {
            throw CheckpointError.unsupportedDType(path: path, tensor: "array", dtype: descr)
        }
        guard let byteCount = denseByteCount(shape: shape, elementSize: dtype.byteSize) else {
            throw CheckpointError.invalidTensor(path: path, tensor: "array", reason: "shape \(shape) overflows")
        }
        let count = byteCount / dtype.byteSize
        let data = try cursor.bytes(byteCount, "npy data of shape \(shape)")
        let storage = PyTorchReader.copyStorage(data)
        if order == ">" && dtype.byteSize > 1 {
            let size = dtype.byteSize
            for index in 0..<count {
                var element = UnsafeMutableRawBufferPointer(start: storage.bytes + index * size, count: size)
                element.reverse()
            }
        }
        if fields.fortranOrder {
            var strides = [Int](repeating: 1, count: shape.count)
            var running = 1
            for axis in shape.indices { strides[axis] = running; running *= max(shape[axis], 1) }
            return Tensor(storage: storage, dtype: dtype, shape: shape, strides: strides)
        }
        return Tensor(storage: storage, dtype: dtype, shape: shape)
    }

    /// Encodes a tensor as version 1.0 `.npy` bytes in C order. bfloat16 has no NumPy type.
    public static func encode(_ tensor: Tensor, label: String = "<memory>") throws -> [UInt8] {
        guard let descr = descriptors.first(where: { $0.1 == tensor.dtype })?.0 else {
            throw CheckpointError.unsupportedDType(
                path: label, tensor: "array", dtype: tensor.dtype.rawValue + " (NumPy has no such type)")
        }
        let prefix = tensor.dtype.byteSize == 1 ? "|" : "<"
        let shape =
            tensor.shape.count == 1
            ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(prefix)\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        while (magic.count + 4 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var bytes = magic + [1, 0]
        bytes.append16(UInt16(header.count))
        bytes += header
        tensor.withContiguousBytes { bytes.append(contentsOf: $0) }
        return bytes
    }

    public static func write(_ tensor: Tensor, to path: String) throws {
        let bytes = try encode(tensor, label: path)
        try AtomicFileWriter.write(to: path) { try $0.write(bytes) }
    }
}

/// Just enough of Python's literal syntax for `.npy` headers: a dict of strings, booleans and
/// tuples of integers.
struct PythonLiteralParser {
    let text: [Unicode.Scalar]
    let path: String
    var position = 0

    struct Header { var descr: String?; var fortranOrder = false; var shape: [Int]? }

    init(text: [Unicode.Scalar], path: String) {
        self.text = text
        self.path = path
    }

    private func fail(_ what: String) -> CheckpointError { .corrupt(path: path, what: ".npy header: \(what)") }

    private mutating func skipSpace() {
        while position < text.count, text[position].properties.isWhitespace { position += 1 }
    }

    private mutating func expect(_ scalar: Unicode.Scalar) throws {
        skipSpace()
        guard position < text.count, text[position] == scalar else { throw fail("expected '\(scalar)'") }
        position += 1
    }

    private mutating func peek() -> Unicode.Scalar? { skipSpace(); return position < text.count ? text[position] : nil }

    private mutating func string() throws -> String {
        skipSpace()
        guard position < text.count, text[position] == "'" || text[position] == "\"" else {
            throw fail("expected a string")
        }
        let quote = text[position]
        position += 1
        var out = String.UnicodeScalarView()
        while position < text.count, text[position] != quote { out.append(text[position]); position += 1 }
        try expect(quote)
        return String(out)
    }

    private mutating func integer() throws -> Int {
        skipSpace()
        var digits = ""
        while position < text.count, text[position].properties.numericType != nil || text[position] == "L" {
            if text[position] != "L" { digits.unicodeScalars.append(text[position]) }
            position += 1
        }
        guard let value = Int(digits) else { throw fail("expected an integer") }
        return value
    }

    mutating func parseHeader() throws -> Header {
        var header = Header()
        try expect("{")
        while peek() != "}" {
            let key = try string()
            try expect(":")
            switch key {
            case "descr": header.descr = try string()
            case "fortran_order":
                skipSpace()
                if text[position...].starts(with: "True".unicodeScalars) {
                    header.fortranOrder = true; position += 4
                } else if text[position...].starts(with: "False".unicodeScalars) {
                    position += 5
                } else {
                    throw fail("fortran_order is not True or False")
                }
            case "shape":
                try expect("(")
                var shape = [Int]()
                while peek() != ")" {
                    shape.append(try integer())
                    if peek() == "," { position += 1 } else if peek() != ")" { throw fail("expected ',' in shape") }
                }
                try expect(")")
                header.shape = shape
            default: throw fail("unknown key '\(key)'")
            }
            if peek() == "," { position += 1 }
            guard peek() != nil else { throw fail("unterminated dict") }
        }
        try expect("}")
        return header
    }
}
