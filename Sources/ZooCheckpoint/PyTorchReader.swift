import Foundation
import ZooTensor

/// Reads what `torch.save` writes, without executing the pickle:
/// - the zip format (PyTorch ≥ 1.6): `<folder>/data.pkl`, storages in `<folder>/data/<key>`,
///   `byteorder`, `version`; any folder name;
/// - the legacy format: a magic-number pickle, protocol and system-info pickles, the object
///   pickle, the list of storage keys, then each storage as an int64 element count and raw bytes.
///
/// Tensors are views (offset, shape, strides) onto storages shared as in the file; storages of
/// 64-byte-aligned stored entries are views into the mapped file.
enum PyTorchReader {
    /// One storage the pickle refers to. Views of legacy storages point at their root.
    struct StorageSlot {
        let key: String
        /// nil for untyped (byte) storages.
        let dtype: DType?
        let elementCount: Int
        var root: Int?
        var rootElementOffset = 0
        var storage: TensorStorage?
        /// CRC of the whole storage, when a reader verified it.
        var verifiedCRC: UInt32?
        /// CRC recorded for the whole storage, not checked yet (deferred checking).
        var deferredCRC: PendingChecksum?

        var byteCount: Int { elementCount * (dtype?.byteSize ?? 1) }
    }

    final class Session {
        var slots: [StorageSlot] = []
        var slotByKey: [String: Int] = [:]
        let path: String
        init(path: String) { self.path = path }

        /// `persistent_load` for both formats: ('storage', type, key, location, numel[, view]).
        func load(_ machine: inout PickleMachine, _ ref: Int, legacy: Bool) throws -> PickleObject {
            guard case let .tuple(fields) = machine[ref], fields.count >= 5,
                case let .string(kind) = machine[fields[0]], kind == "storage"
            else {
                throw CheckpointError.unsupportedPickle(
                    path: path, what: "persistent id that is not a storage reference", offset: 0)
            }
            guard case let .global(.storageType(dtype)) = machine[fields[1]] else {
                throw CheckpointError.unsupportedPickle(
                    path: path, what: "storage type \(machine[fields[1]].kind)", offset: 0)
            }
            guard case let .string(key) = machine[fields[2]] else {
                throw CheckpointError.unsupportedPickle(
                    path: path, what: "storage key is a \(machine[fields[2]].kind)", offset: 0)
            }
            let count = try machine.int(fields[4], "storage size", 0)
            guard count >= 0 else {
                throw CheckpointError.corrupt(path: path, what: "storage '\(key)' has negative size \(count)")
            }
            let root = try slot(key: key, dtype: dtype, count: count)
            // Legacy storages may be views of a root storage: (view_key, offset, size).
            if legacy, fields.count >= 6, case let .tuple(view) = machine[fields[5]], view.count == 3 {
                guard case let .string(viewKey) = machine[view[0]] else {
                    throw CheckpointError.unsupportedPickle(path: path, what: "storage view key", offset: 0)
                }
                let offset = try machine.int(view[1], "view offset", 0), size = try machine.int(view[2], "view size", 0)
                guard offset >= 0, size >= 0, offset <= count, size <= count - offset else {
                    throw CheckpointError.corrupt(
                        path: path,
                        what: "storage view '\(viewKey)' (\(offset)+\(size)) exceeds storage '\(key)' of \(count)")
                }
                if let existing = slotByKey[viewKey] { return .storage(existing) }
                var view = StorageSlot(key: viewKey, dtype: dtype, elementCount: size)
                view.root = root
                view.rootElementOffset = offset
                slots.append(view)
                slotByKey[viewKey] = slots.count - 1
                return .storage(slots.count - 1)
            }
            return .storage(root)
        }

        private func slot(key: String, dtype: DType?, count: Int) throws -> Int {
            if let existing = slotByKey[key] {
                guard slots[existing].dtype == dtype, slots[existing].elementCount == count else {
                    throw CheckpointError.corrupt(
                        path: path, what: "storage '\(key)' is referenced with two different types or sizes")
                }
                return existing
            }
            guard count.multipliedReportingOverflow(by: dtype?.byteSize ?? 1).overflow == false else {
                throw CheckpointError.corrupt(path: path, what: "storage '\(key)' size \(count) overflows")
            }
            slots.append(StorageSlot(key: key, dtype: dtype, elementCount: count))
            slotByKey[key] = slots.count - 1
            return slots.count - 1
        }
    }

    // MARK: - Zip format

    static func read(archive: ZipArchive, options: LoadOptions) throws -> Checkpoint {
        let path = archive.path
        // The pickle is `<folder>/data.pkl`; the folder name varies (archive, the file's stem, ...).
        let candidates = archive.entries.filter {
            $0.name.hasSuffix("data.pkl") && $0.name.split(separator: "/").count == 2
        }
        guard let pickleEntry = candidates.first else {
            if archive.entries.contains(where: { $0.name.hasSuffix("constants.pkl") }) {
                throw CheckpointError.unknownFormat(
                    path: path,
                    reason: "TorchScript archives hold code, not a state dict; save model.state_dict() instead")
            }
            throw CheckpointError.unknownFormat(
                path: path, reason: "zip archive without a zoo.json or <folder>/data.pkl entry")
        }
        guard candidates.count == 1 else {
            throw CheckpointError.corrupt(path: path, what: "archive has more than one data.pkl")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: try archive.bytes(of: order, verify: options.verifyChecksums), as: UTF8.self)
            guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointError.unknownFormat(
                    path: path, reason: "byteorder '\(text)' (only little-endian checkpoints are supported)")
            }
        }
        if let versionEntry = archive.entry(named: prefix + ".data/version") ?? archive.entry(named: prefix + "version")
        {
            let text = String(
                decoding: try archive.bytes(of: versionEntry, verify: options.verifyChecksums), as: UTF8.self)
            guard let version = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), (1...10).contains(version)
            else {
                throw CheckpointError.unknownFormat(
                    path: path, reason: "archive version '\(text)' is not a PyTorch serialization version")
            }
        }
        if pickleEntry.uncompressedSize > options.limits.maxPickleBytes {
            throw CheckpointError.limitExceeded(
                path: path, what: "data.pkl of \(pickleEntry.uncompressedSize) bytes exceeds the pickle limit")
        }
        let program = try archive.bytes(of: pickleEntry, verify: options.verifyChecksums)
        let session = Session(path: path)
        var machine = PickleMachine(path: path, limits: options.limits)
        machine.persistentLoad = { machine, ref in try session.load(&machine, ref, legacy: false) }
        let (root, end) = try program.withUnsafeBytes { try machine.run($0) }
        _ = end
        for index in session.slots.indices {
            let key = session.slots[index].key
            guard let entry = archive.entry(named: prefix + "data/" + key) else {
                throw CheckpointError.missingEntry(path: path, entry: prefix + "data/" + key)
            }
            guard entry.uncompressedSize >= session.slots[index].byteCount else {
                throw CheckpointError.truncated(
                    path: path,
                    what:
                        "storage '\(key)' needs \(session.slots[index].byteCount) bytes, entry has \(entry.uncompressedSize)"
                )
            }
            if entry.method == .deflate, entry.uncompressedSize > session.slots[index].byteCount + (1 << 20) {
                throw CheckpointError.limitExceeded(
                    path: path,
                    what:
                        "storage '\(key)' entry declares \(entry.uncompressedSize) bytes for \(session.slots[index].byteCount)"
                )
            }
            let exact = entry.uncompressedSize == session.slots[index].byteCount
            let deferred = options.verifyChecksums && options.deferChecksums && exact && entry.method == .stored
            session.slots[index].storage = try archive.storage(of: entry, verify: options.verifyChecksums && !deferred)
            if deferred {
                session.slots[index].deferredCRC = PendingChecksum(expected: entry.crc32, path: path, entry: entry.name)
            } else if options.verifyChecksums && exact {
                session.slots[index].verifiedCRC = entry.crc32
            }
        }
        return try assemble(machine, root: root, session: session, options: options)
    }

    // MARK: - Legacy format

    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c

    static func readLegacy(_ file: MappedFile, options: LoadOptions) throws -> Checkpoint {
        let path = file.path
        let session = Session(path: path)
        var machine = PickleMachine(path: path, limits: options.limits)
        machine.persistentLoad = { machine, ref in try session.load(&machine, ref, legacy: true) }
        let buffer = file.buffer
        var (magic, offset) = try machine.run(buffer)
        guard case let .bigInt(magicBytes) = machine[magic], magicBytes == legacyMagic else {
            throw CheckpointError.unknownFormat(
                path: path,
                reason: "pickle file without PyTorch's magic number (a plain pickle, or a pre-0.4 tar checkpoint)")
        }
        let protocolVersion: Int
        (magic, offset) = try machine.run(buffer, from: offset)
        protocolVersion = (try? machine.int(magic, "protocol version", offset)) ?? -1
        guard protocolVersion == 1001 else {
            throw CheckpointError.unknownFormat(
                path: path, reason: "legacy protocol version \(protocolVersion), expected 1001")
        }
        let (systemInfo, afterInfo) = try machine.run(buffer, from: offset)
        if case let .dict(items) = machine[systemInfo] {
            for (key, value) in items {
                if case .string("little_endian") = machine[key], case .bool(false) = machine[value] {
                    throw CheckpointError.unknownFormat(
                        path: path, reason: "big-endian legacy checkpoints are not supported")
                }
            }
        }
        let (root, afterObject) = try machine.run(buffer, from: afterInfo)
        let (keysRef, dataStart) = try machine.run(buffer, from: afterObject)
        guard case let .list(keyRefs) = machine[keysRef] else {
            throw CheckpointError.corrupt(path: path, what: "legacy storage key list is a \(machine[keysRef].kind)")
        }
        // Raw storages follow in key order, each as an int64 element count and its bytes.
        var cursor = ByteCursor(buffer, path: path, position: dataStart)
        for keyRef in keyRefs {
            guard case let .string(key) = machine[keyRef], let index = session.slotByKey[key] else {
                throw CheckpointError.corrupt(
                    path: path, what: "legacy storage key list names a storage the pickle never used")
            }
            let slot = session.slots[index]
            let count = try cursor.integer(Int64.self, "size of storage '\(key)'")
            guard count == Int64(slot.elementCount) else {
                throw CheckpointError.corrupt(
                    path: path, what: "storage '\(key)' holds \(count) elements, pickle says \(slot.elementCount)")
            }
            let start = cursor.position
            _ = try cursor.bytes(slot.byteCount, "storage '\(key)'")
            session.slots[index].storage =
                start % 64 == 0
                ? file.storage(viewing: start, slot.byteCount)
                : copyStorage(try file.slice(start, slot.byteCount, "storage '\(key)'"))
        }
        // Views share their root's bytes.
        for index in session.slots.indices {
            guard let root = session.slots[index].root else { continue }
            guard let rootStorage = session.slots[root].storage else {
                throw CheckpointError.missingEntry(path: path, entry: "storage '\(session.slots[root].key)'")
            }
            let size = session.slots[index].dtype?.byteSize ?? 1
            session.slots[index].storage = TensorStorage(
                viewing: rootStorage.bytes + session.slots[index].rootElementOffset * size,
                byteCount: session.slots[index].byteCount, owner: rootStorage)
        }
        return try assemble(machine, root: root, session: session, options: options)
    }

    static func copyStorage(_ bytes: UnsafeRawBufferPointer) -> TensorStorage {
        let storage = TensorStorage(uninitializedByteCount: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.bytes.copyMemory(from: base, byteCount: bytes.count)
        }
        return storage
    }

    // MARK: - From pickle values to a checkpoint

    static func assemble(_ machine: PickleMachine, root: Int, session: Session, options: LoadOptions) throws
        -> Checkpoint
    {
        let path = session.path
        var builder = TensorBuilder(machine: machine, session: session, limits: options.limits)
        guard case let .dict(items) = machine[root] else {
            if case .tensor = machine[root] {
                let tensor = try builder.tensor(root, name: "tensor")
                return Checkpoint(tensors: [("tensor", tensor)])
            }
            throw CheckpointError.unsupportedPickle(
                path: path, what: "top-level object is a \(machine[root].kind), not a dict", offset: 0)
        }
        let keyed = try items.map { (try builder.key($0.key), $0.value) }
        // A training checkpoint nests the weights; a state dict holds tensors at the top.
        let preferred =
            options.preferEMA
            ? ["state_dict_ema", "model_ema", "state_dict", "model", "module", "net"]
            : ["state_dict", "model", "module", "net", "state_dict_ema", "model_ema"]
        let holdsTensors = keyed.contains { if case .tensor = machine[$0.1] { true } else { false } }
        var checkpoint = Checkpoint()
        var weightsKey: String?
        if !holdsTensors {
            weightsKey = preferred.first { key in keyed.contains { $0.0 == key && machine.isDict($0.1) } }
            guard weightsKey != nil else {
                throw CheckpointError.unsupportedPickle(
                    path: path,
                    what:
                        "no tensors at the top level and no state_dict/model entry (keys: \(keyed.map(\.0).prefix(10).joined(separator: ", ")))",
                    offset: 0)
            }
        }
        if let weightsKey, let weights = keyed.first(where: { $0.0 == weightsKey })?.1 {
            try builder.flatten(weights, prefix: "", into: &checkpoint.tensors, depth: 0)
            var training = [(String, JSONValue)]()
            for (key, value) in keyed where key != weightsKey {
                if key == "optimizer" && machine.isDict(value) {
                    var optimizer = OptimizerState()
                    optimizer.state = try builder.json(value, tensorsInto: &optimizer.tensors, prefix: "", depth: 0)
                    checkpoint.optimizer = optimizer
                } else if !preferred.contains(key), let json = try? builder.plainJSON(value, depth: 0) {
                    training.append((key, json))
                }
            }
            if !training.isEmpty { checkpoint.training = .object(training) }
        } else {
            try builder.flatten(root, prefix: "", into: &checkpoint.tensors, depth: 0)
        }
        if options.stripModulePrefix {
            checkpoint.tensors = checkpoint.tensors.map {
                ($0.name.hasPrefix("module.") ? String($0.name.dropFirst(7)) : $0.name, $0.tensor)
            }
        }
        try checkpoint.checkUniqueNames(path)
        checkpoint.verifiedChecksums = builder.verifiedChecksums
        // A deferred CRC may wait for the writer only when a single tensor is all of its storage;
        // every other storage is checked now.
        var tensorsBySlot = [Int: [Tensor]]()
        for (slot, tensor) in builder.builtTensors { tensorsBySlot[slot, default: []].append(tensor) }
        for (index, slot) in session.slots.enumerated() {
            guard let pending = slot.deferredCRC, let storage = slot.storage else { continue }
            let users = tensorsBySlot[index] ?? []
            if users.count == 1, users[0].storageOffset == 0, users[0].isContiguous,
                users[0].count * users[0].dtype.byteSize == slot.byteCount
            {
                checkpoint.pendingChecksums[ObjectIdentifier(users[0])] = pending
            } else {
                try pending.check(crc32(UnsafeRawBufferPointer(start: storage.bytes, count: storage.byteCount)))
            }
        }
        return checkpoint
    }

    /// Turns recipes into tensors; tensors of one storage share one `TensorStorage`.
    struct TensorBuilder {
        let machine: PickleMachine
        let session: Session
        let limits: ReadLimits
        var verifiedChecksums: [ObjectIdentifier: UInt32] = [:]
        private var built: [Int: Tensor] = [:]
        /// (storage slot, tensor) for every distinct tensor built.
        private(set) var builtTensors: [(Int, Tensor)] = []

        init(machine: PickleMachine, session: Session, limits: ReadLimits) {
            self.machine = machine
            self.session = session
            self.limits = limits
        }

        var path: String { session.path }

        func key(_ ref: Int) throws -> String {
            switch machine[ref] {
            case let .string(text): text
            case let .int(value): String(value)
            default:
                throw CheckpointError.unsupportedPickle(
                    path: path, what: "dict key is a \(machine[ref].kind)", offset: 0)
            }
        }

        /// Collects tensors of nested dicts under dotted names; other values are skipped.
        mutating func flatten(
            _ ref: Int, prefix: String, into tensors: inout [(name: String, tensor: Tensor)], depth: Int
        ) throws {
            guard depth <= limits.maxNesting else {
                throw CheckpointError.limitExceeded(
                    path: path, what: "containers nest deeper than \(limits.maxNesting)")
            }
            guard case let .dict(items) = machine[ref] else { return }
            for (keyRef, valueRef) in items {
                let name = prefix + (try key(keyRef))
                switch machine[valueRef] {
                case .tensor: tensors.append((name, try tensor(valueRef, name: name)))
                case .dict: try flatten(valueRef, prefix: name + ".", into: &tensors, depth: depth + 1)
                default: continue
                }
            }
        }

        /// JSON for a value, with tensors moved to `tensors` and replaced by `{"$tensor": name}`.
        mutating func json(
            _ ref: Int, tensorsInto tensors: inout [(name: String, tensor: Tensor)], prefix: String, depth: Int
        ) throws -> JSONValue {
            guard depth <= limits.maxNesting else {
                throw CheckpointError.limitExceeded(
                    path: path, what: "containers nest deeper than \(limits.maxNesting)")
            }
            switch machine[ref] {
            case .tensor:
                let name = String(prefix.dropLast())
                tensors.append((name, try tensor(ref, name: name)))
                return .object([("$tensor", .string(name))])
            case let .dict(items):
                var pairs = [(String, JSONValue)]()
                for (keyRef, valueRef) in items {
                    let name = try key(keyRef)
                    pairs.append(
                        (name, try json(valueRef, tensorsInto: &tensors, prefix: prefix + name + ".", depth: depth + 1))
                    )
                }
                return .object(pairs)
            case let .list(members), let .tuple(members), let .set(members):
                var items = [JSONValue]()
                for (index, member) in members.enumerated() {
                    items.append(
                        try json(member, tensorsInto: &tensors, prefix: prefix + "\(index).", depth: depth + 1))
                }
                return .array(items)
            default: return try plainJSON(ref, depth: depth)
            }
        }

        /// JSON for values without tensors (epoch, metrics, arguments); throws on anything else.
        func plainJSON(_ ref: Int, depth: Int) throws -> JSONValue {
            guard depth <= limits.maxNesting else {
                throw CheckpointError.limitExceeded(
                    path: path, what: "containers nest deeper than \(limits.maxNesting)")
            }
            switch machine[ref] {
            case .none: return .null
            case let .bool(value): return .bool(value)
            case let .int(value): return .integer(Int64(value))
            case let .float(value): return .number(value)
            case let .string(value): return .string(value)
            case let .list(members), let .tuple(members), let .set(members):
                return .array(try members.map { try plainJSON($0, depth: depth + 1) })
            case let .dict(items):
                return .object(try items.map { (try key($0.key), try plainJSON($0.value, depth: depth + 1)) })
            default:
                throw CheckpointError.unsupportedPickle(path: path, what: "\(machine[ref].kind) in metadata", offset: 0)
            }
        }

        mutating func tensor(_ ref: Int, name: String) throws -> Tensor {
            if let existing = built[ref] { return existing }
            guard case let .tensor(recipe) = machine[ref] else {
                throw CheckpointError.invalidTensor(path: path, tensor: name, reason: "not a tensor")
            }
            let slot = session.slots[recipe.storage]
            guard let dtype = recipe.dtype ?? slot.dtype else {
                throw CheckpointError.invalidTensor(path: path, tensor: name, reason: "untyped storage without a dtype")
            }
            guard let storage = slot.storage else {
                throw CheckpointError.missingEntry(path: path, entry: "storage '\(slot.key)'")
            }
            try checkView(recipe, dtype: dtype, capacity: storage.byteCount / dtype.byteSize, name: name)
            let tensor = Tensor(
                storage: storage, dtype: dtype, shape: recipe.shape, strides: recipe.strides,
                storageOffset: recipe.storageOffset)
            if let crc = slot.verifiedCRC, recipe.storageOffset == 0, tensor.isContiguous,
                tensor.count * dtype.byteSize == slot.byteCount, slot.root == nil
            {
                verifiedChecksums[ObjectIdentifier(tensor)] = crc
            }
            built[ref] = tensor
            builtTensors.append((recipe.storage, tensor))
            return tensor
        }

        /// Every element the view can reach must lie inside the storage.
        func checkView(_ recipe: TensorRecipe, dtype: DType, capacity: Int, name: String) throws {
            func fail(_ reason: String) -> CheckpointError { .invalidTensor(path: path, tensor: name, reason: reason) }
            guard recipe.shape.count == recipe.strides.count else {
                throw fail("size \(recipe.shape) and stride \(recipe.strides) differ in length")
            }
            guard recipe.shape.allSatisfy({ $0 >= 0 }), recipe.strides.allSatisfy({ $0 >= 0 }),
                recipe.storageOffset >= 0
            else {
                throw fail("negative size, stride or offset")
            }
            guard denseByteCount(shape: recipe.shape, elementSize: dtype.byteSize) != nil else {
                throw fail("size \(recipe.shape) overflows")
            }
            var count = 1
            var last = recipe.storageOffset
            for (size, stride) in zip(recipe.shape, recipe.strides) {
                let (c, o1) = count.multipliedReportingOverflow(by: size)
                guard !o1 else { throw fail("size \(recipe.shape) overflows") }
                count = c
                if size > 0 {
                    let (span, o2) = (size - 1).multipliedReportingOverflow(by: stride)
                    let (next, o3) = last.addingReportingOverflow(span)
                    guard !o2, !o3 else { throw fail("strides \(recipe.strides) overflow") }
                    last = next
                }
            }
            if count > 0 && last >= capacity {
                throw fail(
                    "view (offset \(recipe.storageOffset), size \(recipe.shape), stride \(recipe.strides)) reaches element \(last) of a \(capacity)-element \(dtype) storage"
                )
            }
            if count == 0 && recipe.storageOffset > capacity {
                throw fail("offset \(recipe.storageOffset) is past a \(capacity)-element storage")
            }
        }
    }
}

extension PickleMachine {
    func isDict(_ ref: Int) -> Bool { if case .dict = self[ref] { true } else { false } }
}
