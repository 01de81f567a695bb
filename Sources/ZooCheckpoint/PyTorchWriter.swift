import ZooTensor

/// Writes the zip format of `torch.save(state_dict)`: an OrderedDict of `_rebuild_tensor_v2`
/// calls over storages in `archive/data/<key>`, readable by `torch.load(weights_only=True)` in
/// PyTorch 1.13 and 2.x. Tensors sharing a `TensorStorage` (views) share a storage in the file.
enum PyTorchWriter {
    static func write(
        _ checkpoint: Checkpoint, to path: String, forceZip64: Bool = false,
        checksums: WriterChecksums = WriterChecksums()
    ) throws {
        try checkpoint.checkUniqueNames(path)
        // One file storage per distinct TensorStorage when its tensors agree on a dtype; views
        // keep their offsets and strides. Otherwise each tensor gets its own contiguous copy.
        struct FileStorage { let dtype: DType; let bytes: UnsafeRawBufferPointer; let keepAlive: AnyObject }
        var storages = [FileStorage]()
        var placement = [(storage: Int, offset: Int, strides: [Int])]()
        var sharedIndex = [ObjectIdentifier: Int]()
        var dtypesByStorage = [ObjectIdentifier: Set<DType>]()
        for (_, tensor) in checkpoint.tensors {
            dtypesByStorage[ObjectIdentifier(tensor.storage), default: []].insert(tensor.dtype)
        }
        for (_, tensor) in checkpoint.tensors {
            let id = ObjectIdentifier(tensor.storage)
            let shareable = dtypesByStorage[id]!.count == 1 && tensor.storage.byteCount % tensor.dtype.byteSize == 0
            if shareable {
                if sharedIndex[id] == nil {
                    sharedIndex[id] = storages.count
                    storages.append(
                        FileStorage(
                            dtype: tensor.dtype,
                            bytes: UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.storage.byteCount),
                            keepAlive: tensor.storage))
                }
                placement.append((sharedIndex[id]!, tensor.storageOffset, tensor.strides))
            } else {
                let bytes = tensor.contiguousBytes()
                let copy = TensorStorage(uninitializedByteCount: bytes.count)
                bytes.withUnsafeBytes {
                    if let base = $0.baseAddress { copy.bytes.copyMemory(from: base, byteCount: bytes.count) }
                }
                storages.append(
                    FileStorage(
                        dtype: tensor.dtype, bytes: UnsafeRawBufferPointer(start: copy.bytes, count: copy.byteCount),
                        keepAlive: copy))
                placement.append((storages.count - 1, 0, Tensor.contiguousStrides(tensor.shape)))
            }
        }

        var pickle = PickleWriter()
        pickle.emptyOrderedDict()
        pickle.op(.mark)
        for ((name, tensor), place) in zip(checkpoint.tensors, placement) {
            let storage = storages[place.storage]
            pickle.string(name)
            pickle.global("torch._utils", "_rebuild_tensor_v2")
            pickle.op(.mark)
            // Persistent id: ('storage', torch.<Type>Storage, key, 'cpu', numel)
            pickle.op(.mark)
            pickle.string("storage")
            pickle.global("torch", storageTypeName(storage.dtype))
            pickle.string(String(place.storage))
            pickle.string("cpu")
            pickle.int(storage.bytes.count / storage.dtype.byteSize)
            pickle.op(.tuple)
            pickle.op(.binPersId)
            pickle.int(place.offset)
            pickle.tuple(tensor.shape)
            pickle.tuple(place.strides)
            pickle.bool(false)
            pickle.emptyOrderedDict()
            pickle.op(.tuple)
            pickle.op(.reduce)
        }
        pickle.op(.setItems)
        pickle.op(.stop)

        // A known CRC applies to a storage only when one tensor covers all of it.
        var known = [ObjectIdentifier: UInt32]()
        var pending = [ObjectIdentifier: PendingChecksum]()
        for (_, tensor) in checkpoint.tensors
        where tensor.storageOffset == 0 && tensor.isContiguous
            && tensor.count * tensor.dtype.byteSize == tensor.storage.byteCount
        {
            known[ObjectIdentifier(tensor.storage)] = checksums.known[ObjectIdentifier(tensor)]
            pending[ObjectIdentifier(tensor.storage)] = checksums.pending[ObjectIdentifier(tensor)]
        }
        // Storages are checksummed on a second thread while earlier ones are written.
        let ahead = storages.map { known[ObjectIdentifier($0.keepAlive)] == nil ? $0.bytes : nil }
        let pipeline = ChecksumPipeline(buffers: ahead, owners: storages.map(\.keepAlive))
        defer { pipeline.cancel() }
        try AtomicFileWriter.write(to: path) { output in
            let zip = ZipWriter(output: output, forceZip64: forceZip64)
            try zip.addStored("archive/data.pkl", pickle.bytes)
            try zip.addStored("archive/byteorder", Array("little".utf8))
            for (index, storage) in storages.enumerated() {
                let id = ObjectIdentifier(storage.keepAlive)
                let crc = known[id] ?? pipeline.crc(index)
                try pending[id]?.check(crc)
                try zip.addStored("archive/data/\(index)", storage.bytes, crc32: crc)
            }
            try zip.addStored("archive/version", Array("3\n".utf8))
            try zip.finish()
            withExtendedLifetime(storages) {}
        }
    }

    static func storageTypeName(_ dtype: DType) -> String {
        switch dtype {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }
}
