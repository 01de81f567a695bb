import CMPI
import Foundation
import ZooTensor

/// Open MPI's `MPI_COMM_WORLD` (Debian's libopenmpi-dev), for processes started by `mpirun`, or
/// Slurm's `srun` with PMIx. MPI starts once per process and stops at exit.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// Whether this process was started by an MPI launcher (`mpirun`, `srun --mpi=pmix`).
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The communicator this process should use: MPI under an MPI launcher (or when `force`), else one process.
    public static func fromEnvironment(force: Bool = false) throws -> any Communicator {
        force || isLaunchedByMPI ? try MPICommunicator() : SingleProcess()
    }

    /// Ranks on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, Slurm's SLURM_NTASKS_PER_NODE).
    public static var ranksOnThisMachine: Int {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"].lazy.compactMap {
            environment[$0].flatMap(Int.init)
        }
        .first ?? 1
    }

    /// Gives each rank its share of this machine's cores, for zoo's loops and OpenBLAS, unless the
    /// user chose (ZOO_THREADS, OPENBLAS_NUM_THREADS): two ranks on two cores each use one thread.
    public func shareCores() {
        let environment = ProcessInfo.processInfo.environment, ranks = Self.ranksOnThisMachine
        guard ranks > 1 else { return }
        let share = max(1, ProcessInfo.processInfo.activeProcessorCount / ranks)
        if environment["ZOO_THREADS"] == nil { Parallel.threads = share }
        if environment["OPENBLAS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil { BLAS.threads = share }
    }

    public init() throws {
        let status = zoo_mpi_init()
        guard status == MPI_SUCCESS else { throw DistributedError(rank: -1, "MPI_Init failed (\(status))") }
        rank = Int(zoo_mpi_rank())
        size = Int(zoo_mpi_size())
        atexit { _ = zoo_mpi_finalize() }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try check(zoo_mpi_allreduce_sum_float(values.baseAddress, Int32(values.count)), "all-reduce")
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBufferPointer {
            try check(zoo_mpi_allreduce_sum_double($0.baseAddress, count), "all-reduce")
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {
        // MPI counts in Int32: large buffers go in chunks.
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            try check(zoo_mpi_broadcast_bytes(bytes.baseAddress! + offset, Int32(chunk), Int32(root)), "broadcast")
            offset += chunk
        }
    }

    public func barrier() throws { try check(zoo_mpi_barrier(), "barrier") }

    /// Ends every process of the job (after an error on one rank that the others cannot see).
    public func abort(code: Int32) -> Never {
        zoo_mpi_abort(code)
        exit(code)
    }

    private func check(_ status: Int32, _ operation: String) throws {
        guard status != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(zoo_mpi_max_error_string()))
        zoo_mpi_error_string(status, &text, Int32(text.count))
        throw DistributedError(rank: rank, "MPI \(operation) failed: \(String(cString: text))")
    }
}
