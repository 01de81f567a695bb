import Foundation
import ZooTensor

/// conv2d forward and backward GFLOP/s on ResNet-50's layer shapes, each next to CBLAS sgemm on the
/// GEMM the convolution reduces to (M = Cout, N = batch·Ho·Wo, K = Cin·kh·kw), measured in the same run.
enum ConvBench {
    struct Shape {
        let name: String, cin: Int, cout: Int, size: Int, kernel: Int, stride: Int
        var padding: Int { kernel / 2 }
    }

    static let resnet50: [Shape] = [
        Shape(name: "stem 7x7/2", cin: 3, cout: 64, size: 224, kernel: 7, stride: 2),
        Shape(name: "l1 1x1 64>64", cin: 64, cout: 64, size: 56, kernel: 1, stride: 1),
        Shape(name: "l1 3x3 64", cin: 64, cout: 64, size: 56, kernel: 3, stride: 1),
        Shape(name: "l1 1x1 64>256", cin: 64, cout: 256, size: 56, kernel: 1, stride: 1),
        Shape(name: "l1 1x1 256>64", cin: 256, cout: 64, size: 56, kernel: 1, stride: 1),
        Shape(name: "l2 1x1 256>128", cin: 256, cout: 128, size: 56, kernel: 1, stride: 1),
        Shape(name: "l2 3x3/2 128", cin: 128, cout: 128, size: 56, kernel: 3, stride: 2),
        Shape(name: "l2 3x3 128", cin: 128, cout: 128, size: 28, kernel: 3, stride: 1),
        Shape(name: "l2 1x1 128>512", cin: 128, cout: 512, size: 28, kernel: 1, stride: 1),
        Shape(name: "l2 1x1 512>128", cin: 512, cout: 128, size: 28, kernel: 1, stride: 1),
        Shape(name: "l3 3x3 256", cin: 256, cout: 256, size: 14, kernel: 3, stride: 1),
        Shape(name: "l3 1x1 256>1024", cin: 256, cout: 1024, size: 14, kernel: 1, stride: 1),
        Shape(name: "l3 1x1 1024>256", cin: 1024, cout: 256, size: 14, kernel: 1, stride: 1),
        Shape(name: "l4 3x3 512", cin: 512, cout: 512, size: 7, kernel: 3, stride: 1),
        Shape(name: "l4 1x1 512>2048", cin: 512, cout: 2048, size: 7, kernel: 1, stride: 1),
        Shape(name: "l4 1x1 2048>512", cin: 2048, cout: 512, size: 7, kernel: 1, stride: 1),
    ]

    static func run(batch: Int = 8, runs: Int = 9) {
        print(
            "conv2d on ResNet-50 layer shapes, batch \(batch), BLAS threads \(BLAS.threads); GFLOP/s, medians of \(runs) runs"
        )
        print(pad("layer", 18) + pad("sgemm", 8) + pad("fwd", 8) + pad("fwd/gemm", 10) + pad("bwd", 8) + "bwd/gemm")
        var totals: [Int: (gemm: Double, fwd: Double, bwd: Double, flops: Double)] = [:]
        var rng = RandomGenerator(seed: 1)
        for s in resnet50 {
            let x = Tensor.normal([batch, s.cin, s.size, s.size], using: &rng)
            let w = Tensor.normal([s.cout, s.cin, s.kernel, s.kernel], std: 0.05, using: &rng)
            let geometry = Conv2dGeometry(
                input: x.shape, weight: w.shape, stride: (s.stride, s.stride),
                padding: (s.padding, s.padding), dilation: (1, 1), groups: 1)
            let m = s.cout, n = batch * geometry.outPlane, k = s.cin * s.kernel * s.kernel
            let flops = geometry.flops
            // The GEMM alone on buffers allocated once, forward and backward, interleaved run by run
            // so all three see the machine in the same state (its speed drifts on shared hosts).
            let a = Tensor.normal([m, k], using: &rng), b = Tensor.normal([k, n], using: &rng),
                c = Tensor.zeros([m, n])
            let xg = Tensor(x.toArray(), shape: x.shape, requiresGrad: true)
            let wg = Tensor(w.toArray(), shape: w.shape, requiresGrad: true)
            let upstream = Tensor.normal([batch, s.cout, geometry.outHeight, geometry.outWidth], using: &rng)
            var gemmSamples: [Double] = [], forwardSamples: [Double] = [], backwardSamples: [Double] = []
            for run in 0...runs {
                let gemm = seconds {
                    a.withUnsafeFloats { pa in
                        b.withUnsafeFloats { pb in
                            c.withUnsafeMutableFloats { pc in
                                BLAS.sgemm(m: m, n: n, k: k, a: pa, lda: k, b: pb, ldb: n, c: pc, ldc: n)
                            }
                        }
                    }
                }
                let forward = seconds {
                    _ = Tensor.conv2d(x, weight: w, stride: (s.stride, s.stride), padding: (s.padding, s.padding))
                }
                let y = Tensor.conv2d(xg, weight: wg, stride: (s.stride, s.stride), padding: (s.padding, s.padding))
                let backward = seconds { y.backward(upstream) }
                xg.grad = nil; wg.grad = nil
                if run > 0 {  // the first run warms caches and buffer pools
                    gemmSamples.append(gemm); forwardSamples.append(forward); backwardSamples.append(backward)
                }
            }
            let gemmTime = median(gemmSamples), forwardTime = median(forwardSamples),
                backwardTime = median(backwardSamples)
            let gemm = flops / gemmTime / 1e9, fwd = flops / forwardTime / 1e9, bwd = 2 * flops / backwardTime / 1e9
            print(
                pad(s.name, 18) + pad(format(gemm), 8) + pad(format(fwd), 8)
                    + pad(format(100 * fwd / gemm, 0) + "%", 10)
                    + pad(format(bwd), 8) + format(100 * bwd / gemm, 0) + "%")
            let key = s.kernel == 1 ? 1 : (s.kernel == 3 ? 3 : 7)
            let t = totals[key] ?? (0, 0, 0, 0)
            totals[key] = (t.gemm + gemmTime, t.fwd + forwardTime, t.bwd + backwardTime, t.flops + flops)
        }
        for key in [3, 1, 7] {
            guard let t = totals[key] else { continue }
            let gemm = t.flops / t.gemm / 1e9, fwd = t.flops / t.fwd / 1e9, bwd = 2 * t.flops / t.bwd / 1e9
            print(
                "all \(key)x\(key): sgemm \(format(gemm)) GFLOP/s, forward \(format(fwd)) (\(format(100 * fwd / gemm, 0))% of sgemm), "
                    + "backward \(format(bwd)) (\(format(100 * bwd / gemm, 0))%)")
        }
    }
}
