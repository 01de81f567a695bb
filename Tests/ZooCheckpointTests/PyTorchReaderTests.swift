import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

@Suite struct PyTorchReaderTests {
    @Test func readsZipFormatWithViewsAndSharedStorages() throws {
        let checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        expectMatches(checkpoint, group: "every_dtype", layout: true)
    }

    @Test func readsLegacyFormat() throws {
        let checkpoint = try Checkpoint.load(fixture("every_dtype_legacy.pth"))
        expectMatches(checkpoint, group: "every_dtype", layout: true)
    }

    @Test func storedEntriesAreMappedNotCopied() throws {
        let checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        let big = try #require(checkpoint["big"])
        // 64-byte-aligned stored entries are views into the mapped file: the tensor's bytes lie in
        // a mapping of that very file, as the kernel lists it in /proc/self/maps.
        let address = UInt(bitPattern: big.storage.bytes)
        let mapping = try #require(
            try fileMappings().first { $0.range.contains(address) },
            "the tensor's bytes at 0x\(String(address, radix: 16)) are in no file mapping")
        #expect(mapping.path.hasSuffix("/every_dtype_zip.pth"), "mapped from \(mapping.path)")
        #expect(mapping.range.contains(address + UInt(big.storage.byteCount) - 1))
    }

    @Test func readsAnyArchiveFolderName() throws {
        let checkpoint = try Checkpoint.load(fixture("folder_name.pth"))
        expectMatches(checkpoint, group: "folder_name")
    }

    @Test func unwrapsTrainingCheckpointAndStripsModulePrefix() throws {
        let checkpoint = try Checkpoint.load(fixture("nested_state_dict.pth"))
        #expect(checkpoint.names.allSatisfy { !$0.hasPrefix("module.") })
        #expect(checkpoint.names.first == "0.weight")
        #expect(checkpoint.training?["epoch"] == .integer(7))
        #expect(checkpoint.training?["arch"] == .string("tiny"))
        #expect(checkpoint.training?["metric"] == .number(0.5))
        let optimizer = try #require(checkpoint.optimizer)
        #expect(optimizer.tensors.map(\.name).contains("state.0.momentum_buffer"))
        #expect(optimizer.state["param_groups"]?.arrayValue?.first?["lr"] == .number(0.1))
    }

    @Test func keepsModulePrefixWhenAsked() throws {
        let checkpoint = try Checkpoint.load(
            fixture("nested_state_dict.pth"), options: LoadOptions(stripModulePrefix: false))
        #expect(checkpoint.names.first == "module.0.weight")
    }

    @Test func choosesModelOrEMAWeights() throws {
        let model = try Checkpoint.load(fixture("nested_model_ema.pth"))
        expectMatches(model, group: "nested_model")
        let ema = try Checkpoint.load(fixture("nested_model_ema.pth"), options: LoadOptions(preferEMA: true))
        expectMatches(ema, group: "nested_ema")
    }

    @Test func readsReferenceSafetensors() throws {
        let checkpoint = try Checkpoint.load(fixture("every_dtype.safetensors"))
        // The reference writer orders tensors by alignment, then name.
        expectMatches(checkpoint, group: "safetensors", ordered: false)
        #expect(checkpoint.metadata["source"] == "fixtures")
    }
}
