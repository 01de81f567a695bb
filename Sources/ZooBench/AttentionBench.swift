import Foundation
import Zoo

/// Eval-mode attention at ViT-S/16's shape (batch 8, 197 tokens, 6 heads of 64): the fused kernel
/// against the unfused chain (q·kᵀ, softmax, ·v) that materializes [N, heads, T, T] scores.
/// Memory is the growth of the process's peak resident set (ru_maxrss) over each variant's runs,
/// fused first, so each figure is what that variant needed beyond what was already resident.
enum AttentionBench {
    static func run() {
        let (n, heads, t, d) = (8, 6, 197, 64)
        DefaultRandom.seed(0)
        let make = { DefaultRandom.with { Tensor.normal([n, heads, t, d], using: &$0) } }
        let q = make(), k = make(), v = make()
        let scoresBytes = n * heads * t * t * 4
        print(
            "attention eval, batch \(n), \(t) tokens, \(heads) heads of \(d); one [N, heads, T, T] block = \(scoresBytes / 1024) KiB, "
                + "one [T, T] block = \(t * t * 4 / 1024) KiB")
        _ = withNoGrad { Tensor.scaledDotProductAttention(q, k, v) }
        let before = peakResidentKiB()
        let fused = medianSeconds(runs: 9) { _ = withNoGrad { Tensor.scaledDotProductAttention(q, k, v) } }
        let fusedPeak = peakResidentKiB() - before
        let unfusedBefore = peakResidentKiB()
        let unfused = medianSeconds(runs: 9) {
            _ = withNoGrad { (q.matmul(k.transpose(-1, -2)) * (1 / Float(d).squareRoot())).softmax(dim: -1).matmul(v) }
        }
        let unfusedPeak = peakResidentKiB() - unfusedBefore
        print(
            "\(pad("fused scaledDotProductAttention", 34)) \(format(fused * 1e3, 2)) ms   peak RSS growth \(fusedPeak) KiB"
        )
        print(
            "\(pad("unfused matmul/softmax/matmul", 34)) \(format(unfused * 1e3, 2)) ms   peak RSS growth \(unfusedPeak) KiB"
        )
    }

    private static func peakResidentKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }
}
