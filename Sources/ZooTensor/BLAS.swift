import CBLAS
import Foundation

#if os(Linux)
    import CDNNL
#endif

/// Which kernels run on this machine, chosen from the CPU's feature flags (never its model number).
///
/// Convolutions and GEMMs go through oneDNN (libdnnl, JIT-compiled for the CPU's widest
/// instruction set) when it is there; `ZOO_CONV=gemm` (or `KernelPath.convolution = .gemm`) keeps
/// the plain path: im2col/shifted GEMMs on the system BLAS. OpenBLAS's own kernel choice is
/// checked when the program starts (`Sources/CBLAS/shim.c`): a core older than the CPU's
/// instruction set is replaced by one from its features unless `OPENBLAS_CORETYPE` is set.
public enum KernelPath {
    public enum Convolution: String, Sendable {
        /// oneDNN's convolution primitives, with fused post-ops.
        case oneDNN = "onednn"
        /// im2col / shifted GEMMs on the system BLAS.
        case gemm
    }

    /// oneDNN is linked and made a CPU engine.
    public static let oneDNNAvailable: Bool = {
        #if os(Linux)
            return zoo_dnnl_available() != 0
        #else
            return false
        #endif
    }()

    /// The convolution path; `ZOO_CONV=gemm|onednn` picks it at start-up.
    nonisolated(unsafe) public static var convolution: Convolution = {
        let wanted = ProcessInfo.processInfo.environment["ZOO_CONV"].flatMap(Convolution.init(rawValue:))
        if wanted == .gemm || !oneDNNAvailable { return .gemm }
        return .oneDNN
    }()

    static var usesOneDNN: Bool { convolution == .oneDNN }

    private static let switchLock = NSLock()

    /// Runs `body` with the given convolution path, then restores the previous one (tests and
    /// benchmarks compare the paths this way; calls of `using` take turns).
    public static func using<R>(_ path: Convolution, _ body: () throws -> R) rethrows -> R {
        switchLock.lock()
        defer { switchLock.unlock() }
        let previous = convolution
        convolution = path == .oneDNN && !oneDNNAvailable ? .gemm : path
        defer { convolution = previous }
        return try body()
    }

    /// The OpenBLAS kernel set in use ("Haswell", "SkylakeX", …; "Accelerate" on macOS).
    public static var blasCore: String { BLAS.coreName }
    /// The kernel set OpenBLAS picked by itself, before zoo looked at the CPU's features.
    public static var blasCoreChosenByOpenBLAS: String { String(cString: zoo_blas_original_core_name()) }

    /// The instruction set of oneDNN's kernels ("avx2", "avx512_core_bf16", …), nil without oneDNN.
    public static var oneDNNISA: String? {
        #if os(Linux)
            return oneDNNAvailable ? String(cString: zoo_dnnl_isa()) : nil
        #else
            return nil
        #endif
    }

    /// Worker threads for GEMMs, convolutions and zoo's own loops, all set at once.
    public static var threads: Int {
        get { Parallel.threads }
        set {
            Parallel.threads = newValue
            BLAS.threads = newValue
            #if os(Linux)
                if oneDNNAvailable { zoo_dnnl_set_threads(Int32(newValue)) }
            #endif
        }
    }

    /// The settings `parkIdleWorkers` adds to the environment when the user set none of them:
    /// OpenMP's idle workers (oneDNN's threads) sleep instead of spinning (`OMP_WAIT_POLICY=passive`),
    /// OpenBLAS's stop spinning soon (`OPENBLAS_THREAD_TIMEOUT=4`).
    public static func idleWorkerSettings(_ environment: [String: String]) -> [String: String] {
        var settings: [String: String] = [:]
        if environment["OMP_WAIT_POLICY"] == nil && environment["GOMP_SPINCOUNT"] == nil {
            settings["OMP_WAIT_POLICY"] = "passive"
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil { settings["OPENBLAS_THREAD_TIMEOUT"] = "4" }
        return settings
    }

    /// Restarts the program (same arguments) with `idleWorkerSettings` in its environment, unless
    /// it has them. libgomp and OpenBLAS read these only when they load, so a program sets them
    /// first thing in `main`, as `zoo` and `zoo-bench` do. Why: by default an idle OpenMP worker
    /// spins ~300k rounds after each oneDNN primitive and waits at each barrier for team threads
    /// the kernel has descheduled; on a shared machine (load 25 on 2 cores) a resnet18 training
    /// step took 10× longer spinning than sleeping (docs/benchmarks.md). Returns only when no
    /// restart was needed (or it failed).
    public static func parkIdleWorkers() {
        #if os(Linux)
            let settings = idleWorkerSettings(ProcessInfo.processInfo.environment)
            guard !settings.isEmpty else { return }
            for (key, value) in settings { setenv(key, value, 1) }
            execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }

    /// One line for people: "conv oneDNN 2.6.3 (avx2), sgemm oneDNN, OpenBLAS core Zen".
    public static var summary: String {
        var parts: [String] = []
        #if os(Linux)
            if usesOneDNN {
                parts.append("conv oneDNN \(String(cString: zoo_dnnl_version())) (\(oneDNNISA ?? "?")), sgemm oneDNN")
            } else {
                parts.append("conv im2col+GEMM, sgemm OpenBLAS")
            }
            let original = blasCoreChosenByOpenBLAS
            parts.append("OpenBLAS core \(blasCore)" + (original != blasCore ? " (OpenBLAS chose \(original))" : ""))
            let environment = ProcessInfo.processInfo.environment
            if let policy = environment["OMP_WAIT_POLICY"] ?? environment["GOMP_SPINCOUNT"].map({ "spin \($0)" }) {
                parts.append("OpenMP wait \(policy)")
            }
        #else
            parts.append("conv im2col+GEMM, sgemm Accelerate")
        #endif
        return parts.joined(separator: ", ")
    }

    /// Instruction-set level of an OpenBLAS core name: 3 AVX-512, 2 AVX2+FMA, 1 AVX, 0 older.
    public static func blasCoreLevel(_ core: String) -> Int {
        #if os(Linux)
            return Int(zoo_blas_core_level(core))
        #else
            return 0
        #endif
    }

    /// The OpenBLAS core zoo switches to from `current` on a CPU with these features, nil to keep it.
    public static func blasCoreChoice(
        current: String, avx512: Bool, avx512bf16: Bool, avx2fma: Bool,
        amd: Bool
    ) -> String? {
        #if os(Linux)
            return zoo_blas_choose_core(current, avx512 ? 1 : 0, avx512bf16 ? 1 : 0, avx2fma ? 1 : 0, amd ? 1 : 0)
                .map { String(cString: $0) }
        #else
            return nil
        #endif
    }
}

/// The one door to the system BLAS (OpenBLAS on Linux, Accelerate on macOS).
public enum BLAS {
    /// Threads the BLAS library uses (OpenBLAS; ignored on Accelerate).
    public static var threads: Int {
        get { Int(zoo_blas_threads()) }
        set { zoo_blas_set_threads(Int32(newValue)) }
    }

    /// The kernels OpenBLAS chose for this CPU (its `openblas_get_corename()`, such as "SkylakeX",
    /// or "Prescott" for its generic fallback); "Accelerate" on macOS.
    public static var coreName: String { String(cString: zoo_blas_core_name()) }

    /// The BLAS build (`openblas_get_config()`: version and build options).
    public static var configuration: String { String(cString: zoo_blas_config()) }

    /// Row-major C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C. `sequential` runs it on the
    /// calling thread alone (oneDNN), for callers that split their work over the cores themselves.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, sequential: Bool = false
    ) {
        guard m > 0 && n > 0 else { return }
        FlopCounter.add(2 * Double(m) * Double(n) * Double(k))
        if k == 0 {
            // BLAS leaves C untouched when k == 0 only if beta == 1; make the empty product explicit.
            for row in 0..<m { for col in 0..<n { c[row * ldc + col] *= beta } }
            return
        }
        #if os(Linux)
            // oneDNN's sgemm is JIT-compiled for the CPU and shares OpenMP's threads with the convolutions.
            if KernelPath.usesOneDNN
                && (sequential
                    ? zoo_dnnl_sgemm_sequential(
                        transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                    : zoo_dnnl_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
                    == 0
            {
                return
            }
        #endif
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// A 2-d float32 view as BLAS sees it: a base pointer, whether it is stored transposed, and its
/// leading dimension. Views with a unit stride on either axis need no copy.
struct MatrixOperand {
    let pointer: UnsafePointer<Float>
    let transposed: Bool
    let leading: Int
    let owner: Tensor  // keeps the memory alive

    init(_ matrix: Tensor) {
        precondition(matrix.rank == 2)
        let rows = matrix.shape[0], cols = matrix.shape[1]
        if matrix.dtype == .float32 && (matrix.strides[1] == 1 || cols == 1) && matrix.strides[0] >= Swift.max(cols, 1)
        {
            self.init(matrix, transposed: false, leading: rows == 1 ? Swift.max(cols, 1) : matrix.strides[0])
        } else if matrix.dtype == .float32 && (matrix.strides[0] == 1 || rows == 1)
            && matrix.strides[1] >= Swift.max(rows, 1)
        {
            self.init(matrix, transposed: true, leading: cols == 1 ? Swift.max(rows, 1) : matrix.strides[1])
        } else {
            let dense = matrix.denseFloats()
            self.init(dense, transposed: false, leading: Swift.max(cols, 1))
        }
    }

    private init(_ owner: Tensor, transposed: Bool, leading: Int) {
        self.owner = owner
        self.pointer = UnsafePointer(owner.floats)
        self.transposed = transposed
        self.leading = leading
    }
}

extension Tensor {
    /// [m×k] · [k×n] for 2-d views, no autograd.
    static func gemm(_ a: Tensor, _ b: Tensor) -> Tensor {
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        precondition(b.shape[0] == k, "matmul: \(a.shape) and \(b.shape) do not chain")
        let out = Tensor(empty: [m, n])
        let left = MatrixOperand(a), right = MatrixOperand(b)
        withExtendedLifetime((left, right)) {
            BLAS.sgemm(
                transA: left.transposed, transB: right.transposed, m: m, n: n, k: k,
                a: left.pointer, lda: left.leading, b: right.pointer, ldb: right.leading,
                c: out.mutableFloats, ldc: Swift.max(n, 1))
        }
        return out
    }

    /// Matrix product with `torch.matmul`'s rules: 1-d operands are promoted and the added
    /// dimension removed, leading dimensions broadcast as batches.
    public func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        precondition(a.rank >= 1 && b.rank >= 1, "matmul needs tensors of at least one dimension")
        if a.rank == 1 && b.rank == 1 { return a.unsqueeze(0).matmul(b.unsqueeze(1)).reshape([]) }
        if a.rank == 1 { return a.unsqueeze(0).matmul(b).squeeze(-2) }
        if b.rank == 1 { return a.matmul(b.unsqueeze(1)).squeeze(-1) }

        let n = a.shape[a.rank - 2], k = a.shape[a.rank - 1], m = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: \(a.shape) and \(b.shape) do not chain")
        let out: Tensor
        if a.rank == 2 && b.rank == 2 {
            out = Tensor.gemm(a, b)
        } else {
            let batch = broadcastShapes(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
            let batches = batch.reduce(1, *)
            let ea = a.detach().expand(batch + [n, k]).reshape([batches, n, k])
            let eb = b.detach().expand(batch + [k, m]).reshape([batches, k, m])
            out = Tensor(empty: batch + [n, m])
            for i in 0..<batches {
                let product = Tensor.gemm(ea.select(0, i), eb.select(0, i))
                withExtendedLifetime(product) {
                    (out.mutableFloats + i * n * m).update(from: product.floats, count: n * m)
                }
            }
        }
        return record("matmul", [a, b], out) { g in
            [
                a.requiresGrad ? g.matmul(b.detach().transpose(-1, -2)).sum(toShape: a.shape) : nil,
                b.requiresGrad ? a.detach().transpose(-1, -2).matmul(g).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// The activations a linear layer can run fused with its GEMM (oneDNN post-ops) in eval mode.
    public enum LinearActivation: Sendable {
        case gelu, geluTanh
    }

    /// act(x · Wᵀ + b): with a graph to record, `linear` then the activation; without one (eval,
    /// `withNoGrad`), one oneDNN matmul with the bias and GELU applied while the output tile is in
    /// cache (no extra pass over the [rows, out] activations).
    public static func linear(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil, activation: LinearActivation
    ) -> Tensor {
        let needsGraph =
            GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
        if !needsGraph, let fused = fusedLinear(x, weight: weight, bias: bias, activation: activation, scale: nil) {
            return fused
        }
        let y = linear(x, weight: weight, bias: bias)
        switch activation {
        case .gelu: return y.gelu()
        case .geluTanh: return y.gelu(approximateTanh: true)
        }
    }

    /// y = x · Wᵀ + b over the last dimension (PyTorch's `F.linear`); W is [out, in].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures) features")
        let rows = x.count / Swift.max(inFeatures, 1)
        let x2 = x.detach().reshape([rows, inFeatures])
        let y: Tensor
        if let fused = fusedLinear(x, weight: weight, bias: bias, activation: nil, scale: nil) {
            y = fused
        } else {
            let out = Tensor(empty: [rows, outFeatures])
            if let bias {
                let dense = bias.denseFloats()
                withExtendedLifetime(dense) {
                    for r in 0..<rows {
                        (out.mutableFloats + r * outFeatures).update(from: dense.floats, count: outFeatures)
                    }
                }
            }
            let left = MatrixOperand(x2), w = MatrixOperand(weight)
            withExtendedLifetime((left, w)) {
                BLAS.sgemm(
                    transA: left.transposed, transB: !w.transposed, m: rows, n: outFeatures, k: inFeatures,
                    a: left.pointer, lda: left.leading, b: w.pointer, ldb: w.leading,
                    beta: bias == nil ? 0 : 1, c: out.mutableFloats, ldc: outFeatures)
            }
            y = out.reshape(Array(x.shape.dropLast()) + [outFeatures])
        }
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        return record("linear", inputs, y) { g in
            let g2 = g.reshape([rows, outFeatures])
            return [
                x.requiresGrad ? Tensor.gemm(g2, weight.detach()).reshape(x.shape) : nil,
                weight.requiresGrad ? Tensor.gemm(g2.T, x2) : nil,
                bias.map { _ in g2.sum(dim: 0) },
            ]
        }
    }

    /// (x · Wᵀ + b) · γ over the last dimension (a linear layer then a layer scale, ConvNeXt's
    /// block): one oneDNN matmul with the scale as a post-op when there is no graph to record.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, scaledBy gamma: Tensor) -> Tensor {
        let needsGraph =
            GradMode.isEnabled
            && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true || gamma.requiresGrad)
        if !needsGraph, gamma.count == weight.shape[0],
            let fused = fusedLinear(x, weight: weight, bias: bias, activation: nil, scale: gamma)
        {
            return fused
        }
        return linear(x, weight: weight, bias: bias) * gamma
    }

    /// act?(x · Wᵀ + b) · scale? as one oneDNN matmul primitive (bias, activation and scale fused),
    /// without autograd; nil when oneDNN is not in use or the operands' layouts do not fit it (x's
    /// rows with unit stride, a dense row-major W, dense bias and scale).
    static func fusedLinear(
        _ x: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation?, scale: Tensor?
    ) -> Tensor? {
        #if os(Linux)
            let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
            let rows = x.count / Swift.max(inFeatures, 1)
            guard KernelPath.usesOneDNN, rows > 0, inFeatures > 0, outFeatures > 0, x.dtype == .float32,
                weight.dtype == .float32, weight.isContiguous,
                bias.map({ $0.dtype == .float32 && $0.isContiguous }) ?? true,
                scale.map({ $0.dtype == .float32 && $0.isContiguous && $0.count == outFeatures }) ?? true
            else { return nil }
            let x2 = x.detach().reshape([rows, inFeatures])
            guard x2.strides[1] == 1 || inFeatures == 1 else { return nil }
            let ldx = rows == 1 ? inFeatures : x2.strides[0]
            guard ldx >= inFeatures else { return nil }
            var flags = (bias == nil ? 0 : Int32(ZOO_LINEAR_BIAS)) | (scale == nil ? 0 : Int32(ZOO_LINEAR_SCALE))
            switch activation {
            case .gelu: flags |= Int32(ZOO_LINEAR_GELU_ERF)
            case .geluTanh: flags |= Int32(ZOO_LINEAR_GELU_TANH)
            case nil: break
            }
            let out = Tensor(empty: Array(x.shape.dropLast()) + [outFeatures])
            let status = withExtendedLifetime((x2, weight, bias, scale)) {
                zoo_dnnl_linear(
                    rows, outFeatures, inFeatures, x2.floats, ldx, weight.floats, bias?.floats, scale?.floats, flags,
                    out.mutableFloats)
            }
            guard status == 0 else { return nil }
            FlopCounter.add(2 * Double(rows) * Double(outFeatures) * Double(inFeatures))
            return out
        #else
            return nil
        #endif
    }
}
