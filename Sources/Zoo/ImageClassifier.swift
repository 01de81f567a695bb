import Foundation

/// A classifier on image files: a model with its cfg's eval preprocessing (timm's
/// `resolve_data_config` + `create_transform`) and its class names.
///
/// ```swift
/// let classifier = try ImageClassifier("resnet50.a1_in1k", pretrained: true)
/// for guess in try classifier.predict(files: ["cat.jpg"], topK: 3)[0] { print(guess.name, guess.probability) }
/// let result = try classifier.evaluate(try ImageFolder(root: "val"))   // loss, top-1, top-5
/// ```
public final class ImageClassifier: @unchecked Sendable {
    public let name: String
    public let model: Module
    public let transform: EvalTransform
    /// Names of the model's outputs: the checkpoint's own (`.zoo` cfg key `class_names`), else
    /// ImageNet-1k's for 1000 outputs, else `class N`.
    public let classNames: [String]

    /// The model `name` with weights from `checkpointPath`, the cache (`pretrained`), or fresh;
    /// `inputSize` overrides the cfg's square input side.
    public init(
        _ name: String, pretrained: Bool = false, checkpointPath: String? = nil, inputSize: Int? = nil,
        registry: ModelRegistry = Zoo.registry
    ) throws {
        let resolved = try registry.resolve(name)
        let cfg = resolved.cfg ?? PretrainedCfg(architecture: resolved.architecture.name)
        let stored = try checkpointPath.flatMap { try Self.classNames(inCheckpoint: $0) }
        let model = try createModel(
            name, pretrained: pretrained && checkpointPath == nil, numClasses: stored?.count,
            checkpointPath: checkpointPath, imgSize: inputSize, registry: registry)
        model.eval()
        self.name = name
        self.model = model
        self.transform = EvalTransform(DataConfig(cfg: cfg, inputSize: inputSize))
        let outputs = stored?.count ?? cfg.numClasses
        if let stored {
            classNames = stored
        } else if outputs == ImageNetClasses.names.count {
            classNames = ImageNetClasses.names
        } else {
            classNames = (0..<outputs).map { "class \($0)" }
        }
    }

    /// The class names a checkpoint carries: the `class_names` list of a `.zoo` file's cfg.
    public static func classNames(inCheckpoint path: String) throws -> [String]? {
        guard CheckpointFormat(pathExtension: path) == .zoo else { return nil }
        guard let list = try Checkpoint.load(path).config?["class_names"]?.arrayValue else { return nil }
        return list.compactMap(\.stringValue)
    }

    /// Logits [N, classes] of model-ready inputs [N, C, H, W].
    public func logits(_ inputs: Tensor) -> Tensor { withNoGrad { model(inputs) } }

    /// Logits [N, classes] of image files, in order (decoded and transformed on all cores).
    public func logits(files: [String]) throws -> Tensor {
        var results = [Result<Tensor, Error>?](repeating: nil, count: files.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeSendableSlots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: files.count) { i in
                slots.base[i] = Result { transform(try Image(contentsOf: files[i])) }
            }
        }
        return logits(Tensor.stack(try results.map { try $0!.get() }))
    }

    /// The `topK` most probable classes of each image file (softmax over the logits).
    public func predict(files: [String], topK: Int = 5) throws -> [[Prediction]] {
        try Self.top(logits(files: files), k: topK, names: classNames)
    }

    /// One guess: class index, name, softmax probability.
    public struct Prediction: Sendable, Equatable {
        public let index: Int
        public let name: String
        public let probability: Float
    }

    /// The `k` most probable classes of each row of `logits` [N, classes].
    public static func top(_ logits: Tensor, k: Int, names: [String]) -> [[Prediction]] {
        let probabilities = logits.softmax(dim: 1).toArray(), classes = logits.shape[1]
        return (0..<logits.shape[0]).map { row in
            let p = probabilities[row * classes..<(row + 1) * classes]
            let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
            return order.prefix(k).map { i in
                Prediction(
                    index: i - row * classes,
                    name: names.indices.contains(i - row * classes)
                        ? names[i - row * classes] : "class \(i - row * classes)",
                    probability: p[i])
            }
        }
    }

    /// Loss, accuracy and speed over a labelled dataset.
    public struct Evaluation: Sendable, Equatable {
        public var images = 0
        public var loss = 0.0
        public var top1 = 0.0
        public var top5 = 0.0
        public var imagesPerSecond = 0.0
        /// Images that could not be read (skipped).
        public var failures: [LoadFailure] = []
    }

    /// Evaluates on `dataset` in batches (mean cross-entropy, top-1 and top-5 accuracy in %);
    /// `progress` gets (images done, images total) after each batch.
    public func evaluate(
        _ dataset: any ImageDataset, batchSize: Int = 32,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Evaluation {
        let loader = DataLoader(dataset, transform: transform, options: LoaderOptions(batchSize: batchSize))
        let epoch = loader.epoch(0)
        let start = Date()
        var result = Evaluation(), lossSum = 0.0, hits1 = 0, hits5 = 0, seen = 0
        while let batch = try epoch.next() {
            let logits = self.logits(batch.inputs)
            let loss = Loss.crossEntropy(logits, Tensor(indices: batch.labels), reduction: .sum)
            lossSum += Double(loss.item())
            for (row, guesses) in Self.top(logits, k: 5, names: classNames).enumerated() {
                if guesses.first?.index == batch.labels[row] { hits1 += 1 }
                if guesses.contains(where: { $0.index == batch.labels[row] }) { hits5 += 1 }
            }
            seen += batch.labels.count
            progress?(seen + loader.failures.count, dataset.count)
        }
        let elapsed = Date().timeIntervalSince(start)
        result.images = seen
        result.failures = loader.failures
        if seen > 0 {
            result.loss = lossSum / Double(seen)
            result.top1 = 100 * Double(hits1) / Double(seen)
            result.top5 = 100 * Double(hits5) / Double(seen)
            result.imagesPerSecond = Double(seen) / max(elapsed, 1e-9)
        }
        return result
    }
}

/// Worker threads write disjoint slots.
private struct UnsafeSendableSlots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
