import Foundation
import Testing
import ZooCheckpoint

/// `zoo bench`: the report, its JSON line, the bf16 refusal, and the OpenBLAS core it ends up with.
@Suite struct BenchCommandTests {
    @Test func jsonLineHasTheIssuesFields() throws {
        let result = try ZooProcess.run(
            "bench", "resnet10t", "--batch", "2", "--input-size", "32", "--runs", "1",
            "--train", "--threads", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let last = try #require(result.stdoutLines.last)
        let json = try JSONValue(parsing: Array(last.utf8))
        #expect(json["model"]?.stringValue == "resnet10t")
        #expect(json["batch"]?.intValue == 2)
        #expect(json["threads"]?.intValue == 2)
        for key in ["forward_ms", "train_step_ms", "images_per_s", "gflops", "peak_rss_mb"] {
            let value = try #require(json[key]?.numberValue, "no \(key) in \(last)")
            #expect(value > 0, "\(key) = \(value)")
        }
        #expect(json["backend"]?.stringValue?.contains("OpenBLAS core") == true)
        #expect(result.stdout.contains("kernels: "))
    }

    @Test func plainGEMMPathIsSelectable() throws {
        let result = try ZooProcess.run(
            ["bench", "resnet10t", "--batch", "1", "--input-size", "32", "--runs", "1", "--json"],
            environment: ["ZOO_CONV": "gemm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("conv im2col+GEMM"), "\(result.stdout)")
    }

    /// bf16 runs only where the CPU has AVX512_BF16; elsewhere a clear error, never slow emulation.
    @Test func bfloat16IsRefusedClearlyWithoutAVX512BF16() throws {
        let result = try ZooProcess.run("bench", "resnet10t", "--batch", "1", "--input-size", "32", "--dtype", "bf16")
        #expect(result.status != 0)
        #expect(result.stderr.contains("bfloat16"), "\(result.stderr)")
        #if os(Linux)
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            if !info.contains(" avx512_bf16") {
                #expect(result.stderr.contains("no AVX512_BF16"), "\(result.stderr)")
                // zoo predict takes --dtype too and refuses it the same way, before any work.
                let predict = try ZooProcess.run(
                    "predict", "resnet10t", "--input", "x.npy", "--output", "y.npy", "--dtype", "bf16")
                #expect(predict.status != 0)
                #expect(predict.stderr.contains("no AVX512_BF16"), "\(predict.stderr)")
            }
        #endif
    }

    /// A CPU newer than Debian's OpenBLAS gets a generic SSE3 core; zoo replaces it from the
    /// CPU's features before any GEMM. Simulated here: OpenBLAS is made to start on Prescott.
    @Test func genericOpenBLASCoreIsReplacedFromFeatures() throws {
        #if os(Linux)
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let hasAVX2 = info.contains(" avx2 ") && info.contains(" fma ")
            try #require(hasAVX2, "this test expects an x86-64 CPU with AVX2 and FMA")
            var environment = ["ZOO_BLAS_ASSUME_CORE": "Prescott", "ZOO_CONV": "gemm"]
            let replaced = try ZooProcess.run(
                ["bench", "resnet10t", "--batch", "1", "--input-size", "32", "--runs", "1"],
                environment: environment)
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(replaced.stdout.contains("(OpenBLAS chose Prescott)"), "\(replaced.stdout)")
            #expect(!replaced.stdout.contains("OpenBLAS core Prescott"), "\(replaced.stdout)")
            // A user's OPENBLAS_CORETYPE wins.
            environment["OPENBLAS_CORETYPE"] = "Nehalem"
            environment["ZOO_BLAS_ASSUME_CORE"] = nil
            let kept = try ZooProcess.run(
                ["bench", "resnet10t", "--batch", "1", "--input-size", "32", "--runs", "1"],
                environment: environment)
            #expect(kept.stdout.contains("OpenBLAS core Nehalem"), "\(kept.stdout)")
        #endif
    }

    /// `zoo` restarts itself with idle OpenMP workers sleeping (spinning ones took 10× the time of a
    /// training step on a shared machine); a user's own OMP_WAIT_POLICY wins.
    @Test func idleOpenMPWorkersSleep() throws {
        #if os(Linux)
            let arguments = ["bench", "resnet10t", "--batch", "1", "--input-size", "32", "--runs", "1"]
            let inherited = ProcessInfo.processInfo.environment
            try #require(
                inherited["OMP_WAIT_POLICY"] == nil && inherited["GOMP_SPINCOUNT"] == nil,
                "run the tests without OMP_WAIT_POLICY / GOMP_SPINCOUNT set")
            let parked = try ZooProcess.run(arguments)
            #expect(parked.status == 0, "\(parked.stderr)")
            #expect(parked.stdout.contains("OpenMP wait passive"), "\(parked.stdout)")
            let kept = try ZooProcess.run(arguments, environment: ["OMP_WAIT_POLICY": "active"])
            #expect(kept.stdout.contains("OpenMP wait active"), "\(kept.stdout)")
        #endif
    }
}
