import Foundation

/// Entry points for the libFuzzer targets (`Sources/ZooFuzz*`, see docs/fuzzing.md). Each parses
/// bytes as one format with small limits and ignores the errors: only crashes, hangs, leaks and
/// sanitizer reports count as findings.
@_spi(Fuzzing) public enum CheckpointFuzzing {
    static var options: LoadOptions {
        var limits = ReadLimits()
        limits.maxEntryBytes = 1 << 24
        limits.maxPickleBytes = 1 << 20
        limits.maxHeaderBytes = 1 << 20
        return LoadOptions(limits: limits)
    }

    /// The pickle machine, through the legacy PyTorch reader (several pickles, then raw storages).
    public static func pickle(_ bytes: UnsafeRawBufferPointer) {
        let file = MappedFile(bytes: bytes, label: "fuzz.pth")
        var machine = PickleMachine(path: file.path, limits: options.limits)
        let session = PyTorchReader.Session(path: file.path)
        machine.persistentLoad = { machine, ref in try session.load(&machine, ref, legacy: true) }
        _ = try? machine.run(file.buffer)
        _ = try? PyTorchReader.readLegacy(file, options: options)
    }

    /// The zip reader, every entry's bytes (inflate, CRC), then the PyTorch and .zoo readers on top.
    public static func zip(_ bytes: UnsafeRawBufferPointer) {
        let file = MappedFile(bytes: bytes, label: "fuzz.zip")
        guard let archive = try? ZipArchive(file: file, limits: options.limits) else { return }
        for entry in archive.entries { _ = try? archive.storage(of: entry, verify: true) }
        if archive.entry(named: ZooFormat.headerEntry) != nil {
            _ = try? ZooFormat.read(archive, options: options)
        } else {
            _ = try? PyTorchReader.read(archive: archive, options: options)
        }
    }

    public static func safetensors(_ bytes: UnsafeRawBufferPointer) {
        _ = try? SafeTensors.read(MappedFile(bytes: bytes, label: "fuzz.safetensors"), options: options)
    }

    /// Without libFuzzer (a plain build), a fuzz target replays the files or directories named on
    /// its command line, e.g. a crash reproducer or the seed corpus.
    public static func replay(_ arguments: [String], _ body: (UnsafeRawBufferPointer) -> Void) -> Int32 {
        var paths = [String]()
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                print("no such file: \(argument)"); return 1
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                paths += names.sorted().map { argument + "/" + $0 }
            } else {
                paths.append(argument)
            }
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            data.withUnsafeBytes { body($0) }
        }
        print("replayed \(paths.count) inputs without a crash")
        return 0
    }

    public static func npy(_ bytes: UnsafeRawBufferPointer) {
        _ = try? NPY.decode(MappedFile(bytes: bytes, label: "fuzz.npy"))
    }
}

#if ZOO_FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif

extension CheckpointFuzzing {
    public typealias Target = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    #if ZOO_FUZZING
        /// A fuzz target's entry point under -sanitize=fuzzer: hands `target` to libFuzzer.
        public static func runLibFuzzer(
            _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
            _ target: Target
        ) -> CInt {
            var argc = argc
            var argv = argv
            return LLVMFuzzerRunDriver(&argc, &argv, target)
        }
    #endif

    /// A fuzz target's entry point in a plain build: feeds the files named on the command line to `target`.
    public static func replay(_ target: Target) -> Never {
        exit(
            replay(Array(CommandLine.arguments.dropFirst())) {
                _ = target($0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count)
            })
    }
}
