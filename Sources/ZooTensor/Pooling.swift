/// 2-d pooling over NCHW with PyTorch's output-size rules (ceil_mode, padding, count_include_pad).
/// Every pool walks the same windows; the gradient of max goes to the first maximum of a window.
struct PoolWindow {
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    let ceilMode: Bool

    /// PyTorch's pooling output length for one axis.
    static func outputLength(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool) -> Int
    {
        let span = size + 2 * padding - dilation * (kernel - 1) - 1
        var length = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        // The last window must start inside the input or its left padding.
        if ceilMode && (length - 1) * stride >= size + padding { length -= 1 }
        return length
    }

    /// Output columns lo..<hi whose taps are all inside: xo·sw − pw ≥ 0 and xo·sw − pw + (kw − 1)·dw < w.
    func interiorColumns(w: Int, ow: Int) -> (Int, Int) {
        let lo = Swift.min(ow, (padding.1 + stride.1 - 1) / stride.1)
        let last = w - 1 - (kernel.1 - 1) * dilation.1 + padding.1  // the largest xo·sw whose taps all fit
        return (lo, last < 0 ? lo : Swift.max(lo, Swift.min(ow, last / stride.1 + 1)))
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        precondition(
            padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
            "pad should be at most half of the kernel size, got padding \(padding) for kernel \(kernel)")
        let oh = PoolWindow.outputLength(
            h, kernel: kernel.0, stride: stride.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode)
        let ow = PoolWindow.outputLength(
            w, kernel: kernel.1, stride: stride.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode)
        precondition(oh > 0 && ow > 0, "pooling output would be empty for input \(h)×\(w)")
        return (oh, ow)
    }
}

extension Tensor {
    /// PyTorch's `F.max_pool2d`. `stride` defaults to `kernel`.
    public func maxPool2d(
        kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
    ) -> Tensor {
        precondition(rank == 4, "max_pool2d expects NCHW, got \(shape)")
        let window = PoolWindow(
            kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation, ceilMode: ceilMode)
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        let x = denseFloats(), out = Tensor(empty: [n, c, oh, ow])
        let input = x.floats, output = out.mutableFloats
        defer { withExtendedLifetime(x) {} }
        guard GradMode.isEnabled && requiresGrad else {
            // No graph: no winners to remember, and windows inside the image need no bounds checks.
            Parallel.forEachChunk(n * c, work: n * c * h * w) { planes in
                for plane in planes {
                    Self.maxPoolPlane(
                        input + plane * h * w, h, w, output + plane * oh * ow, oh, ow, window, padding, dilation)
                }
            }
            return out
        }
        var argmax = [Int32](repeating: 0, count: out.count)
        argmax.withUnsafeMutableBufferPointer { winners in
            let winners = winners.baseAddress!
            // Planes are independent: spread them over the cores.
            Parallel.forEachChunk(n * c, work: n * c * h * w) { planes in
                for plane in planes {
                    let source = input + plane * h * w
                    let (kh, kw) = window.kernel, (dh, dw) = dilation
                    for y in 0..<oh {
                        let y0 = y * window.stride.0 - padding.0
                        let rowsInside = y0 >= 0 && y0 + (kh - 1) * dh < h
                        for xo in 0..<ow {
                            var best = -Float.infinity, at = -1
                            let x0 = xo * window.stride.1 - padding.1
                            if rowsInside && x0 >= 0 && x0 + (kw - 1) * dw < w {
                                // A window inside the image: the same scan without bounds checks.
                                for i in 0..<kh {
                                    let base = (y0 + i * dh) * w + x0
                                    for j in 0..<kw {
                                        let v = source[base + j * dw]
                                        if v > best || v.isNaN || at < 0 {
                                            best = v; at = base + j * dw; if v.isNaN { break }
                                        }
                                    }
                                }
                                let o = (plane * oh + y) * ow + xo
                                output[o] = best
                                winners[o] = Int32(at)
                                continue
                            }
                            for i in 0..<window.kernel.0 {
                                let iy = y * window.stride.0 - padding.0 + i * dilation.0
                                guard iy >= 0 && iy < h else { continue }
                                for j in 0..<window.kernel.1 {
                                    let ix = xo * window.stride.1 - padding.1 + j * dilation.1
                                    guard ix >= 0 && ix < w else { continue }
                                    let v = source[iy * w + ix]
                                    if v > best || v.isNaN || at < 0 {
                                        best = v; at = iy * w + ix; if v.isNaN { break }
                                    }
                                }
                            }
                            let o = (plane * oh + y) * ow + xo
                            output[o] = best
                            winners[o] = Int32(at)
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return record("max_pool2d", [self], out) { g in
            let grad = Tensor(zeros: inputShape), dense = g.denseFloats(), gd = dense.floats, gi = grad.mutableFloats
            defer { withExtendedLifetime(dense) {} }
            argmax.withUnsafeBufferPointer { winners in
                let winners = winners.baseAddress!
                Parallel.forEachChunk(n * c, work: n * c * h * w) { planes in
                    for plane in planes {
                        for k in 0..<(oh * ow) {
                            let o = plane * oh * ow + k
                            gi[plane * h * w + Int(winners[o])] += gd[o]
                        }
                    }
                }
            }
            return [grad]
        }
    }

    /// One plane's max pool without winners: row by row, each valid kernel row folded into the
    /// output row, columns whose taps all lie inside the image in a loop without bounds checks.
    /// NaN wins, as in PyTorch.
    private static func maxPoolPlane(
        _ source: UnsafePointer<Float>, _ h: Int, _ w: Int, _ target: UnsafeMutablePointer<Float>,
        _ oh: Int, _ ow: Int, _ window: PoolWindow, _ padding: (Int, Int), _ dilation: (Int, Int)
    ) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride
        let (lo, hi) = window.interiorColumns(w: w, ow: ow)
        for y in 0..<oh {
            let row = target + y * ow
            row.initialize(repeating: -Float.infinity, count: ow)
            for i in 0..<kh {
                let iy = y * sh - padding.0 + i * dilation.0
                guard iy >= 0 && iy < h else { continue }
                let line = source + iy * w
                for xo in 0..<lo {
                    var best = row[xo]
                    for j in 0..<kw {
                        let ix = xo * sw - padding.1 + j * dilation.1
                        if ix >= 0 && ix < w { let v = line[ix]; best = v > best || v.isNaN ? v : best }
                    }
                    row[xo] = best
                }
                var xo = lo
                if dilation.1 == 1 && (sw == 1 || sw == 2) {
                    // Eight outputs at a time; a stride-2 tap is the even half of 16 loaded values
                    // (the 16th is read only while a further interior output follows, so in bounds).
                    while xo + 8 < hi {
                        let taps = UnsafeRawPointer(line + (xo * sw - padding.1))
                        var best = UnsafeRawPointer(row + xo).loadUnaligned(as: SIMD8<Float>.self)
                        for j in 0..<kw {
                            let v =
                                sw == 1
                                ? taps.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                                : taps.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self).evenHalf
                            best = best.replacing(with: v, where: (v .> best) .| (v .!= v))
                        }
                        UnsafeMutableRawPointer(row + xo).storeBytes(of: best, as: SIMD8<Float>.self)
                        xo += 8
                    }
                }
                for xo in xo..<hi {
                    let taps = line + (xo * sw - padding.1)
                    var best = row[xo]
                    for j in 0..<kw { let v = taps[j * dilation.1]; best = v > best || v.isNaN ? v : best }
                    row[xo] = best
                }
                for xo in hi..<ow {
                    var best = row[xo]
                    for j in 0..<kw {
                        let ix = xo * sw - padding.1 + j * dilation.1
                        if ix >= 0 && ix < w { let v = line[ix]; best = v > best || v.isNaN ? v : best }
                    }
                    row[xo] = best
                }
            }
        }
    }

    /// PyTorch's `F.avg_pool2d`. `stride` defaults to `kernel`.
    public func avgPool2d(
        kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) -> Tensor {
        precondition(rank == 4, "avg_pool2d expects NCHW, got \(shape)")
        let stride = stride ?? kernel
        let window = PoolWindow(kernel: kernel, stride: stride, padding: padding, dilation: (1, 1), ceilMode: ceilMode)
        let (h, w) = (shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        // Each output's window (clipped to the image) and divisor, shared by forward and backward.
        var windows: [(y0: Int, y1: Int, x0: Int, x1: Int, scale: Float)] = []
        for y in 0..<oh {
            for xo in 0..<ow {
                var y0 = y * stride.0 - padding.0, x0 = xo * stride.1 - padding.1
                var y1 = Swift.min(y0 + kernel.0, h + padding.0), x1 = Swift.min(x0 + kernel.1, w + padding.1)
                let padded = (y1 - y0) * (x1 - x0)
                y0 = Swift.max(y0, 0); x0 = Swift.max(x0, 0); y1 = Swift.min(y1, h); x1 = Swift.min(x1, w)
                let divisor = divisorOverride ?? (countIncludePad ? padded : (y1 - y0) * (x1 - x0))
                windows.append((y0, y1, x0, x1, 1 / Float(divisor)))
            }
        }
        return averagePool("avg_pool2d", windows: windows, outputSize: (oh, ow))
    }

    /// PyTorch's `F.adaptive_avg_pool2d`: window i spans [⌊i·H/O⌋, ⌈(i+1)·H/O⌉).
    public func adaptiveAvgPool2d(_ outputSize: (Int, Int)) -> Tensor {
        precondition(rank == 4, "adaptive_avg_pool2d expects NCHW, got \(shape)")
        let (h, w) = (shape[2], shape[3])
        let (oh, ow) = outputSize
        if oh == 1 && ow == 1 { return mean(dims: [2, 3], keepDim: true) }
        var windows: [(y0: Int, y1: Int, x0: Int, x1: Int, scale: Float)] = []
        for y in 0..<oh {
            for xo in 0..<ow {
                let y0 = y * h / oh, y1 = ((y + 1) * h + oh - 1) / oh
                let x0 = xo * w / ow, x1 = ((xo + 1) * w + ow - 1) / ow
                windows.append((y0, y1, x0, x1, 1 / Float((y1 - y0) * (x1 - x0))))
            }
        }
        return averagePool("adaptive_avg_pool2d", windows: windows, outputSize: (oh, ow))
    }

    /// Output k of each plane is the mean (times `scale`) of window k, clipped to the image; the
    /// gradient spreads back evenly. Shared by avg_pool2d and adaptive_avg_pool2d, which differ
    /// only in their windows.
    private func averagePool(
        _ name: String, windows: [(y0: Int, y1: Int, x0: Int, x1: Int, scale: Float)],
        outputSize: (Int, Int)
    ) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = outputSize
        let x = denseFloats(), out = Tensor(empty: [n, c, oh, ow])
        let input = x.floats, output = out.mutableFloats
        defer { withExtendedLifetime(x) {} }
        for plane in 0..<(n * c) {
            let source = input + plane * h * w
            for (k, win) in windows.enumerated() {
                var total: Float = 0
                for iy in win.y0..<Swift.max(win.y0, win.y1) {
                    for ix in win.x0..<Swift.max(win.x0, win.x1) { total += source[iy * w + ix] }
                }
                output[plane * oh * ow + k] = total * win.scale
            }
        }
        let inputShape = shape
        return record(name, [self], out) { g in
            let grad = Tensor(zeros: inputShape), dense = g.denseFloats(), gd = dense.floats, gi = grad.mutableFloats
            defer { withExtendedLifetime(dense) {} }
            for plane in 0..<(n * c) {
                let target = gi + plane * h * w
                for (k, win) in windows.enumerated() {
                    let share = gd[plane * oh * ow + k] * win.scale
                    for iy in win.y0..<Swift.max(win.y0, win.y1) {
                        for ix in win.x0..<Swift.max(win.x0, win.x1) { target[iy * w + ix] += share }
                    }
                }
            }
            return [grad]
        }
    }
}
