import ZooTensor

/// The processes of a data-parallel run and the collective operations between them (PyTorch's
/// process group). Every process must call the collectives in the same order with buffers of the
/// same length; a process that is alone (`SingleProcess`) makes them no-ops, so the trainer has one
/// code path.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0..<size; rank 0 writes files and prints.
    var rank: Int { get }
    /// How many processes take part.
    var size: Int { get }
    /// Sums `values` element-wise over every process, in place.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    func allReduceSum(_ values: inout [Double]) throws
    /// Overwrites `bytes` on every process with rank `root`'s.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws
    /// Waits until every process has arrived.
    func barrier() throws
}

extension Communicator {
    public var isMain: Bool { rank == 0 }

    /// The sum as a closure for `BatchNorm2d.crossProcessSum`. A failed all-reduce inside a forward
    /// or backward pass cannot be thrown through autograd: it ends the process with the error.
    public var crossProcessSum: CrossProcessSum {
        { [self] values in
            do { try allReduceSum(&values) } catch { fatalError("\(error)") }
        }
    }
}

/// A run of one process: every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ values: inout [Double]) throws {}
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {}
    public func barrier() throws {}
}

/// Why a collective operation failed, with the rank that saw it.
public struct DistributedError: Error, CustomStringConvertible, Equatable {
    public var rank: Int
    public var message: String
    public init(rank: Int, _ message: String) {
        self.rank = rank
        self.message = message
    }
    public var description: String { "rank \(rank): \(message)" }
}
