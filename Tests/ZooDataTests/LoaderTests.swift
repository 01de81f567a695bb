import Foundation
import Testing
import ZooTensor

@testable import ZooData

/// The loader: batching, seeded shuffling, thread-count independence, failures.
@Suite struct LoaderTests {
    /// A folder of two classes from the decode fixtures, plus one hostile file in class `b`.
    static func makeFolder(corrupt: Bool) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-loader-\(UUID().uuidString)").path
        let files = [
            "a": ["decode-chelsea_420_q90.jpg", "decode-coffee_444_q75.jpg", "decode-rgb8.png"],
            "b": [
                "decode-camera_gray.jpg", "decode-palette8.png", "decode-astronaut_422_q85.jpg", "decode-gray16.png",
            ],
        ]
        for (label, names) in files {
            try FileManager.default.createDirectory(atPath: root + "/" + label, withIntermediateDirectories: true)
            for name in names {
                try FileManager.default.copyItem(atPath: Fixtures.path(name), toPath: root + "/" + label + "/" + name)
            }
        }
        if corrupt {
            try FileManager.default.copyItem(
                atPath: Fixtures.path("decode-truncated.jpg"), toPath: root + "/b/broken.jpg")
        }
        return root
    }

    static func batches(_ loader: DataLoader, epoch: Int) throws -> [Batch] {
        let iterator = loader.epoch(epoch)
        var out = [Batch]()
        while let batch = try iterator.next() { out.append(batch) }
        return out
    }

    @Test func sameSeedSameBatchesWhateverTheWorkerCount() throws {
        let root = try Self.makeFolder(corrupt: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try ImageFolder(root: root)
        let transform = try TrainTransform(DataConfig(inputSize: [3, 32, 32]))
        var options = LoaderOptions(batchSize: 3, shuffle: true, seed: 42)
        options.workers = 1
        let one = try Self.batches(DataLoader(data, transform: transform, options: options), epoch: 1)
        options.workers = 4
        options.prefetch = 1
        let four = try Self.batches(DataLoader(data, transform: transform, options: options), epoch: 1)
        #expect(one.map(\.indices) == four.map(\.indices))
        #expect(one.map { $0.inputs.toArray() } == four.map { $0.inputs.toArray() })
        #expect(one.map(\.inputs.shape) == [[3, 3, 32, 32], [3, 3, 32, 32], [1, 3, 32, 32]])
        let otherEpoch = try Self.batches(DataLoader(data, transform: transform, options: options), epoch: 2)
        #expect(
            otherEpoch.map(\.indices) != one.map(\.indices)
                || otherEpoch.map { $0.inputs.toArray() } != one.map { $0.inputs.toArray() })
        #expect(Set(one.flatMap(\.indices)) == Set(0..<7))
    }

    @Test func dropLastAndOrderWithoutShuffle() throws {
        let root = try Self.makeFolder(corrupt: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try ImageFolder(root: root)
        var options = LoaderOptions(batchSize: 3, dropLast: true)
        options.mixup = Mixup(numClasses: 2)
        let batches = try Self.batches(
            DataLoader(data, transform: EvalTransform(DataConfig(inputSize: [3, 24, 24])), options: options), epoch: 0)
        #expect(batches.map(\.indices) == [[0, 1, 2], [3, 4, 5]])
        #expect(batches[0].labels == [0, 0, 0] && batches[1].labels == [1, 1, 1])
        #expect(batches[0].targets?.shape == [3, 2])
    }

    @Test func corruptImagesAreSkippedAndCountedOrFatal() throws {
        let root = try Self.makeFolder(corrupt: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try ImageFolder(root: root)
        let transform = EvalTransform(DataConfig(inputSize: [3, 16, 16]))
        let loader = DataLoader(data, transform: transform, options: LoaderOptions(batchSize: 4))
        let batches = try Self.batches(loader, epoch: 0)
        #expect(batches.map(\.labels.count).reduce(0, +) == 7)
        #expect(loader.failures.count == 1)
        #expect(loader.failures.first?.path == root + "/b/broken.jpg")
        var options = LoaderOptions(batchSize: 4)
        options.skipFailures = false
        #expect(throws: DataError.self) {
            try Self.batches(DataLoader(data, transform: transform, options: options), epoch: 0)
        }
    }

    @Test func csvAndInMemoryDatasets() throws {
        let root = try Self.makeFolder(corrupt: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let csv = root + "/list.csv"
        try "path,label\na/decode-rgb8.png,cat\nb/decode-palette8.png,dog\n\"a/decode-coffee_444_q75.jpg\",cat\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let data = try CSVDataset(csv: csv)
        #expect(data.classNames == ["cat", "dog"] && data.files.map(\.label) == [0, 1, 0])
        #expect(data.files[0].path == root + "/a/decode-rgb8.png")
        try "a/decode-rgb8.png\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try CSVDataset(csv: csv) }

        let inputs = Tensor((0..<24).map(Float.init), shape: [2, 3, 2, 2])
        let memory = InMemoryDataset(inputs: inputs, labels: [1, 0], classNames: ["x", "y"])
        let batch = try #require(
            try DataLoader(memory, transform: EvalTransform(DataConfig()), options: LoaderOptions(batchSize: 2)).epoch(
                0
            ).next())
        #expect(batch.inputs.toArray() == inputs.toArray() && batch.labels == [1, 0])
    }
}
