import Foundation
import Testing
import ZooTensor

/// Kernel choice from CPU features: OpenBLAS's core, and oneDNN against the plain GEMM path.
@Suite struct KernelPathTests {
    /// The rule in Sources/CBLAS/shim.c: replace a core that uses less of the instruction set than
    /// the CPU has; keep OpenBLAS's choice otherwise.
    @Test func blasCoreChoiceFollowsFeatures() {
        typealias Case = (current: String, avx512: Bool, bf16: Bool, avx2: Bool, amd: Bool, expected: String?)
        let cases: [Case] = [
            ("Prescott", true, true, true, false, "Cooperlake"),  // the Xeon that Debian's OpenBLAS does not know
            ("Prescott", true, false, true, false, "SkylakeX"),
            ("Haswell", true, false, true, false, "SkylakeX"),
            ("Prescott", false, false, true, true, "Zen"),
            ("Nehalem", false, false, true, false, "Haswell"),
            ("Sandybridge", false, false, true, false, "Haswell"),
            ("Zen", false, false, true, true, nil),  // this session's EPYC: OpenBLAS knows it
            ("Haswell", false, false, true, false, nil),
            ("SkylakeX", true, false, true, false, nil),
            ("Cooperlake", true, true, true, false, nil),
            ("Prescott", false, false, false, false, nil),  // an old CPU: nothing better to pick
        ]
        for c in cases {
            let choice = KernelPath.blasCoreChoice(
                current: c.current, avx512: c.avx512, avx512bf16: c.bf16,
                avx2fma: c.avx2, amd: c.amd)
            #expect(choice == c.expected, "\(c)")
        }
    }

    /// Idle workers told to sleep, unless the user said how they should wait.
    @Test func idleWorkerSettingsKeepTheUsersChoice() {
        #expect(KernelPath.idleWorkerSettings([:]) == ["OMP_WAIT_POLICY": "passive", "OPENBLAS_THREAD_TIMEOUT": "4"])
        #expect(KernelPath.idleWorkerSettings(["OMP_WAIT_POLICY": "active"]) == ["OPENBLAS_THREAD_TIMEOUT": "4"])
        #expect(KernelPath.idleWorkerSettings(["GOMP_SPINCOUNT": "1000"]) == ["OPENBLAS_THREAD_TIMEOUT": "4"])
        #expect(
            KernelPath.idleWorkerSettings(["OMP_WAIT_POLICY": "passive", "OPENBLAS_THREAD_TIMEOUT": "1"]).isEmpty)
    }

    /// On this machine, whatever it is: the core in use is at the level the CPU's flags allow.
    @Test func runningCoreMatchesThisCPU() throws {
        #if os(Linux)
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags = Set(
                info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init)
                    ?? [])
            let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains)
            let level = avx512 ? 3 : flags.contains("avx2") && flags.contains("fma") ? 2 : 0
            let core = KernelPath.blasCore
            if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
                // Zen 4 has AVX-512 and OpenBLAS 0.3.21 gives it its AVX2 "Zen" core: a known, fast choice.
                #expect(
                    KernelPath.blasCoreLevel(core) >= min(level, 2), "OpenBLAS runs \(core) on a CPU of level \(level)")
            }
            #expect(KernelPath.summary.contains(core))
        #endif
    }

    /// oneDNN's convolutions and the GEMM path agree, forward and both backward passes, on
    /// strided, padded, dilated, grouped and pointwise shapes.
    @Test(arguments: [
        (shape: [2, 8, 9, 9], weight: [16, 8, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
        (shape: [2, 8, 9, 9], weight: [16, 8, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
        (shape: [1, 3, 17, 17], weight: [8, 3, 7, 7], stride: 2, padding: 3, dilation: 1, groups: 1),
        (shape: [2, 8, 10, 10], weight: [8, 2, 3, 3], stride: 1, padding: 2, dilation: 2, groups: 4),
        (shape: [2, 16, 7, 7], weight: [32, 16, 1, 1], stride: 2, padding: 0, dilation: 1, groups: 1),
    ])
    func oneDNNMatchesGEMMPath(
        _ c: (shape: [Int], weight: [Int], stride: Int, padding: Int, dilation: Int, groups: Int)
    ) throws {
        try #require(
            KernelPath.oneDNNAvailable, "oneDNN (libdnnl) must be installed: tools/setup.sh installs libdnnl-dev")
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.normal(c.shape, using: &rng), w = Tensor.normal(c.weight, using: &rng)
        let b = Tensor.normal([c.weight[0]], using: &rng)
        func leaf(_ t: Tensor) -> Tensor { Tensor(t.toArray(), shape: t.shape, requiresGrad: true) }
        func run(_ path: KernelPath.Convolution) -> [[Float]] {
            let (xi, wi, bi) = (leaf(x), leaf(w), leaf(b))
            let y = KernelPath.using(path) {
                let y = Tensor.conv2d(
                    xi, weight: wi, bias: bi, stride: (c.stride, c.stride), padding: (c.padding, c.padding),
                    dilation: (c.dilation, c.dilation), groups: c.groups)
                (y * y).sum().backward()
                return y
            }
            return [y.toArray(), xi.grad!.toArray(), wi.grad!.toArray(), bi.grad!.toArray()]
        }
        let fast = run(.oneDNN), plain = run(.gemm)
        for (name, (a, e)) in zip(["output", "dx", "dw", "db"], zip(fast, plain)) {
            let scale = e.map(abs).max() ?? 1
            let error = zip(a, e).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-4 * max(scale, 1), "\(name): oneDNN and GEMM paths differ by \(error) (scale \(scale))")
        }
    }
}
