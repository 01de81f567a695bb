import Dispatch
import Foundation

/// Splits memory-bound loops (im2col, col2im) over the cores between BLAS calls. BLAS runs its own
/// threads inside each GEMM; these loops run only between GEMMs, so the two never overlap.
public enum Parallel {
    /// Worker count for our own loops; 1 turns them off.
    /// `ZOO_THREADS` overrides the default of one per core.
    nonisolated(unsafe) public static var threads: Int = {
        if let value = ProcessInfo.processInfo.environment["ZOO_THREADS"].flatMap(Int.init), value > 0 { return value }
        return min(ProcessInfo.processInfo.activeProcessorCount, 8)
    }()

    /// Calls `body` on contiguous chunks of 0..<count, in parallel when `work` (elements touched) is large.
    static func forEachChunk(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(threads, count)
        guard workers > 1 && work >= 1 << 16 else { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                if lo < hi { task.value(lo..<hi) }
            }
        }
    }
}

extension Parallel {
    /// Calls `body` on blocks of 0..<count (16K elements each), the blocks spread over the cores
    /// when there are enough of them: element-wise loops over large activations.
    public static func forEachBlock(_ count: Int, _ body: (Range<Int>) -> Void) {
        let block = 1 << 14
        guard count > block else { body(0..<count); return }
        forEachChunk((count + block - 1) / block, work: count) { blocks in
            body(blocks.lowerBound * block..<Swift.min(count, blocks.upperBound * block))
        }
    }
}

extension Parallel {
    /// Splits the outermost dimension of more than one element of `shape` over the cores (a tensor
    /// walked in row-major order: layout copies, broadcasting element-wise ops). `body` gets one
    /// part's shape (`shape` with that dimension cut to the part), the dimension, the part's first
    /// index along it and the row-major position of the part's first element.
    static func forEachOuterSlice(
        shape: [Int], _ body: (_ part: [Int], _ axis: Int, _ first: Int, _ position: Int) -> Void
    ) {
        let count = shape.reduce(1, *)
        let axis = shape.firstIndex { $0 > 1 } ?? 0
        let parts = shape.isEmpty ? 1 : shape[axis]
        let inner = parts == 0 ? 0 : count / parts
        forEachChunk(parts, work: count) { range in
            var part = shape
            if !part.isEmpty { part[axis] = range.count }
            body(part, axis, range.lowerBound, range.lowerBound * inner)
        }
    }
}

/// Chunks write disjoint memory, which the type system cannot see.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
