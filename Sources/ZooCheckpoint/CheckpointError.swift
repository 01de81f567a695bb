/// Everything that can go wrong reading or writing a checkpoint. Every message names the file and
/// what was wrong with it, so a user can act without a debugger.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, read, written or renamed.
    case io(path: String, operation: String, reason: String)
    /// Neither the extension nor the first bytes say which format this is.
    case unknownFormat(path: String, reason: String)
    /// The file ends before a structure it declares.
    case truncated(path: String, what: String)
    /// A structure is malformed (bad signature, impossible size, inconsistent fields).
    case corrupt(path: String, what: String)
    /// Stored bytes do not match their recorded checksum.
    case checksumMismatch(path: String, entry: String, expected: UInt32, actual: UInt32)
    /// A size (declared or produced) goes past what is allowed: the file, a declared size, or a limit.
    case limitExceeded(path: String, what: String)
    /// A pickle names a global outside the allow-list. Nothing was executed.
    case forbiddenGlobal(path: String, module: String, name: String)
    /// A pickle contains an opcode this reader does not know.
    case unknownOpcode(path: String, opcode: UInt8, offset: Int)
    /// A pickle is well-formed bytes but not something a checkpoint reader understands.
    case unsupportedPickle(path: String, what: String, offset: Int)
    /// A tensor's element type has no zoo `DType`, or cannot be written in the target format.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's description does not fit its data.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// An archive lacks an entry that its header or pickle refers to.
    case missingEntry(path: String, entry: String)
    /// A caller's request cannot be carried out (bad regex, name clash after a remap, ...).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .io(path, operation, reason): "\(path): cannot \(operation): \(reason)"
        case let .unknownFormat(path, reason): "\(path): unknown checkpoint format: \(reason)"
        case let .truncated(path, what): "\(path): file is truncated: \(what)"
        case let .corrupt(path, what): "\(path): file is corrupt: \(what)"
        case let .checksumMismatch(path, entry, expected, actual):
            "\(path): checksum mismatch in '\(entry)': recorded \(hex(expected)), computed \(hex(actual))"
        case let .limitExceeded(path, what): "\(path): refused: \(what)"
        case let .forbiddenGlobal(path, module, name):
            "\(path): pickle refers to global '\(module).\(name)', which is not on the allow-list (nothing was executed)"
        case let .unknownOpcode(path, opcode, offset):
            "\(path): pickle has unknown opcode 0x\(String(opcode, radix: 16)) at byte \(offset)"
        case let .unsupportedPickle(path, what, offset):
            "\(path): unsupported pickle content at byte \(offset): \(what)"
        case let .unsupportedDType(path, tensor, dtype): "\(path): tensor '\(tensor)' has unsupported dtype \(dtype)"
        case let .invalidTensor(path, tensor, reason): "\(path): tensor '\(tensor)' is invalid: \(reason)"
        case let .missingEntry(path, entry): "\(path): archive has no entry '\(entry)'"
        case let .invalidArgument(message): message
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
