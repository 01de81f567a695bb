// Where the data path meets the fine-tuning loop: a loader's epoch as the trainer's batches.

/// A loader's epoch as a sequence of (images, class indices) batches for `FineTune` and
/// `Trainer`; an error (a fatal unreadable image) ends the epoch and goes to `failed`.
public struct LoaderBatches: Sequence, IteratorProtocol {
    let iterator: EpochIterator
    let failed: (Error) -> Void

    public mutating func next() -> Trainer.Batch? {
        do {
            guard let batch = try iterator.next() else { return nil }
            return (batch.inputs, batch.targets ?? Tensor(indices: batch.labels))  // soft under mixup
        } catch {
            failed(error)
            return nil
        }
    }
}

extension DataLoader {
    /// The batches of `epoch` (the same ones for the same epoch and seed, so a resumed run sees
    /// what a whole run would).
    ///
    /// ```swift
    /// try run.fit(train: { loader.trainerBatches(epoch: $0) }, validation: { validation.trainerBatches(epoch: 0) })
    /// ```
    public func trainerBatches(epoch: Int, failed: @escaping (Error) -> Void = { _ in }) -> LoaderBatches {
        LoaderBatches(iterator: self.epoch(epoch), failed: failed)
    }
}
