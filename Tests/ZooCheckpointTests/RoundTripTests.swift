import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

/// Round trips through zoo's writers, judged by real PyTorch 1.13 and the real safetensors library.
@Suite(.serialized) struct RoundTripTests {
    @Test(arguments: ["every_dtype_zip.pth", "every_dtype_legacy.pth"])
    func pthToZooToPthReadByRealTorch(source: String) throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let zoo = directory + "/weights.zoo", pth = directory + "/weights.pth"
        try Checkpoint.load(fixture(source)).save(zoo)
        let fromZoo = try Checkpoint.load(zoo)
        expectMatches(fromZoo, group: "every_dtype")
        try fromZoo.save(pth)
        expectMatches(try readWithPython(pth, reader: "torch"), group: "every_dtype")
        expectMatches(try Checkpoint.load(pth), group: "every_dtype")
    }

    @Test func pthToPthKeepsViewsAndSharedStorages() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let pth = directory + "/views.pth"
        try Checkpoint.load(fixture("every_dtype_zip.pth")).save(pth)
        expectMatches(try Checkpoint.load(pth), group: "every_dtype", layout: true)
        // Real PyTorch sees the same sharing: views of one storage stay views of one storage.
        let shared = try runPython(
            """
            import sys, torch
            sd = torch.load(sys.argv[1], weights_only=True)
            print(sd["shared.a"].storage().data_ptr() == sd["shared.b"].storage().data_ptr(),
                  sd["view.transposed"].stride(), sd["shared.b"].storage_offset())
            """, arguments: [pth])
        #expect(shared.trimmingCharacters(in: .whitespacesAndNewlines) == "True (1, 6) 3")
    }

    @Test func zooToSafetensorsReadByRealLibrary() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let zoo = directory + "/weights.zoo", safetensors = directory + "/weights.safetensors"
        try Checkpoint.load(fixture("every_dtype_zip.pth")).save(zoo)
        try Checkpoint.load(zoo).save(safetensors)
        expectMatches(try readWithPython(safetensors, reader: "safetensors"), group: "every_dtype", ordered: false)
        expectMatches(try Checkpoint.load(safetensors), group: "every_dtype")
    }

    @Test func zooHeaderCarriesConfigMetadataOptimizerAndTraining() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        var checkpoint = try Checkpoint.load(fixture("nested_state_dict.pth"))
        checkpoint.architecture = "resnet50"
        checkpoint.tag = "a1_in1k"
        checkpoint.config = .object([
            ("input_size", .array([.integer(3), .integer(224), .integer(224)])),
            ("mean", .array([.number(0.485), .number(0.456), .number(0.406)])),
            ("classifier", .string("fc")),
        ])
        checkpoint.metadata = ["license": "apache-2.0"]
        let path = directory + "/full.zoo"
        try checkpoint.save(path)
        let back = try Checkpoint.load(path)
        #expect(back.architecture == "resnet50" && back.tag == "a1_in1k")
        #expect(back.config == checkpoint.config)
        #expect(back.metadata == ["license": "apache-2.0"])
        #expect(back.training == checkpoint.training)
        #expect(back.optimizer?.state == checkpoint.optimizer?.state)
        #expect(back.optimizer?.tensors.map(\.name) == checkpoint.optimizer?.tensors.map(\.name))
        #expect(back.names == checkpoint.names)
        // The same survives a trip through safetensors' metadata.
        let safetensors = directory + "/full.safetensors"
        try back.save(safetensors)
        let viaSafetensors = try Checkpoint.load(safetensors)
        #expect(viaSafetensors.config == checkpoint.config && viaSafetensors.architecture == "resnet50")
    }

    @Test(arguments: Compression.allCases)
    func compressedZooRoundTripsAndShufflesFloats(compression: Compression) throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        var checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        let smooth = (0..<4096).map { Double($0) / 4096 }
        checkpoint.tensors.append(("smooth", Tensor(smooth, shape: [64, 64], dtype: .float32)))
        checkpoint.tensors.append(("zeros", Tensor(zeros: [1000], dtype: .int64)))
        let path = directory + "/packed.zoo"
        try checkpoint.save(path, options: SaveOptions(compress: true, compression: compression))
        let back = try Checkpoint.load(path)
        for (name, tensor) in checkpoint.tensors {
            #expect(hexString(back[name]!) == hexString(tensor), "\(name)")
        }
        let archive = try ZipArchive(file: MappedFile(path: path))
        let header = try JSONValue(parsing: archive.bytes(of: archive.entry(named: "zoo.json")!))
        let records = header["tensors"]!.arrayValue!
        let smoothRecord = records.first { $0["name"] == .string("smooth") }!
        #expect(smoothRecord["compression"] == .string(compression.rawValue))
        #expect(smoothRecord["byte_shuffle"] == .bool(true))
        #expect(records.first { $0["name"] == .string("zeros") }!["compression"] == .string(compression.rawValue))
        #expect(archive.entries.contains { $0.method == compression.method })
        // Tiny tensors are not worth compressing and stay stored.
        #expect(records.first { $0["name"] == .string("scalar") }!["compression"] == .string("stored"))
        let packedSize = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        try checkpoint.save(directory + "/plain.zoo")
        let plainSize = try FileManager.default.attributesOfItem(atPath: directory + "/plain.zoo")[.size] as! Int
        #expect(packedSize < plainSize)
    }

    @Test func storedZooEntriesAreAlignedAndValidZip() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/aligned.zoo"
        try Checkpoint.load(fixture("every_dtype_zip.pth")).save(path)
        let archive = try ZipArchive(file: MappedFile(path: path))
        for entry in archive.entries where entry.name.hasPrefix("tensors/") {
            #expect(entry.dataOffset % 64 == 0, "\(entry.name) at \(entry.dataOffset)")
        }
        // Python's zipfile checks every CRC and the directory.
        let check = try runPython(
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), len(z.namelist()))",
            arguments: [path])
        #expect(check.hasPrefix("None "))
    }

    @Test func forcedZip64IsReadByZooPythonAndTorch() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        let zoo = directory + "/zip64.zoo", pth = directory + "/zip64.pth"
        try checkpoint.save(zoo, options: SaveOptions(forceZip64: true))
        try checkpoint.save(pth, options: SaveOptions(forceZip64: true))
        expectMatches(try Checkpoint.load(zoo), group: "every_dtype")
        expectMatches(try Checkpoint.load(pth), group: "every_dtype")
        let check = try runPython(
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())", arguments: [zoo])
        #expect(check.hasPrefix("None"))
        expectMatches(try readWithPython(pth, reader: "torch"), group: "every_dtype")
    }

    @Test func npyRoundTripsAndReadsNumpyFiles() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        for (name, tensor) in checkpoint.tensors where tensor.dtype != .bfloat16 {
            let path = directory + "/\(name).npy"
            try NPY.write(tensor, to: path)
            let back = try NPY.read(path)
            #expect(
                back.shape == tensor.shape && back.dtype == tensor.dtype && hexString(back) == hexString(tensor),
                "\(name)")
        }
        // NumPy reads ours and we read NumPy's, Fortran order and big-endian included.
        let made = try runPython(
            """
            import sys, numpy as np
            d = sys.argv[1]
            a = np.load(d + "/view.transposed.npy"); print(a.shape, a.dtype)
            np.save(d + "/fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
            np.save(d + "/big.npy", np.arange(4, dtype=">i4"))
            """, arguments: [directory])
        #expect(made.hasPrefix("(6, 4) float32"))
        let fortran = try NPY.read(directory + "/fortran.npy")
        #expect(fortran.shape == [2, 3] && fortran.toDoubles() == [0, 1, 2, 3, 4, 5])
        #expect(try NPY.read(directory + "/big.npy").toDoubles() == [0, 1, 2, 3])
        #expect(throws: CheckpointError.self) { try NPY.encode(checkpoint["bfloat16"]!) }
    }
}
