import Foundation

/// Computes CRC-32s of buffers, in order, on a background thread, so a writer can copy entry i
/// while entry i+1 is being checksummed: one pass over the bytes, overlapped with the writes.
final class ChecksumPipeline: @unchecked Sendable {
    private var results: [UInt32?]
    private let condition = NSCondition()
    private var cancelled = false
    /// Keeps the buffers' owners (tensors, storages) alive while the thread reads them.
    private let owners: [AnyObject]
    private let buffers: [UnsafeRawBufferPointer?]

    /// `buffers[i] == nil` means the caller computes that one itself.
    init(buffers: [UnsafeRawBufferPointer?], owners: [AnyObject]) {
        results = Array(repeating: nil, count: buffers.count)
        self.owners = owners
        self.buffers = buffers
        guard buffers.contains(where: { $0 != nil }) else { return }
        let thread = Thread { [self] in
            for (index, buffer) in self.buffers.enumerated() {
                guard let buffer else { continue }
                condition.lock()
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let crc = crc32(buffer)
                condition.lock()
                results[index] = crc
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The CRC of buffer `index`, waiting for the thread if it has not got there yet.
    func crc(_ index: Int) -> UInt32 {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        return results[index]!
    }

    /// Stops the thread early (the writer failed); it finishes at most the buffer in hand.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.unlock()
    }

    deinit { cancel() }
}

/// A CRC recorded by a file but not yet checked: the converter checks it while writing, when
/// the bytes are read anyway.
struct PendingChecksum {
    let expected: UInt32
    let path: String
    let entry: String

    func check(_ actual: UInt32) throws {
        if actual != expected {
            throw CheckpointError.checksumMismatch(path: path, entry: entry, expected: expected, actual: actual)
        }
    }
}

/// What a writer may know about its tensors' CRCs, keyed by tensor identity: `known` ones were
/// verified by a reader and are reused; `pending` ones are checked against the bytes written.
/// Only the converter passes these: nothing can change the tensors between its read and write.
struct WriterChecksums {
    var known: [ObjectIdentifier: UInt32] = [:]
    var pending: [ObjectIdentifier: PendingChecksum] = [:]
}

/// Hands out the indices below a limit, each once, to the threads that ask: work spread over the
/// cores in turn (`DispatchQueue.concurrentPerform` workers taking the next piece).
final class WorkCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
