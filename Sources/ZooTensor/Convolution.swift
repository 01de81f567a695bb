/// 2-d convolution as GEMM in NCHW (PyTorch's `F.conv2d`): per group,
/// Y[Cout, cols] = W[Cout, Cin·kh·kw] × im2col(X)[Cin·kh·kw, cols], where the columns of several
/// images are laid side by side so late layers (7×7 maps) still make one wide GEMM. A 1×1,
/// stride-1, unpadded convolution of one image reads its input directly, with no im2col.
public struct Conv2dGeometry: Sendable, Equatable {
    public let batch, inChannels, height, width: Int
    public let outChannels, kernelH, kernelW: Int
    public let strideH, strideW, padH, padW, dilationH, dilationW, groups: Int
    public var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    var groupIn: Int { inChannels / groups }
    var groupOut: Int { outChannels / groups }
    /// Rows of a group's column matrix: Cin/groups · kh · kw.
    var patch: Int { groupIn * kernelH * kernelW }
    public var outPlane: Int { outHeight * outWidth }
    var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }

    public init(input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int)
    {
        precondition(input.count == 4, "conv2d expects NCHW input, got \(input)")
        precondition(weight.count == 4, "conv2d expects a [Cout, Cin/groups, kh, kw] weight, got \(weight)")
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (outChannels, kernelH, kernelW) = (weight[0], weight[2], weight[3])
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
        precondition(
            groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        precondition(
            weight[1] == inChannels / groups,
            "conv2d: weight \(weight) expects \(weight[1] * groups) input channels, input has \(inChannels)")
        precondition(outHeight > 0 && outWidth > 0, "conv2d: input \(input) is smaller than the kernel")
    }

    /// Images whose columns share one GEMM: enough to make it about 3000 columns wide.
    var imagesPerTile: Int { Swift.max(1, Swift.min(batch, 3136 / Swift.max(outPlane, 1))) }

    /// Stride-1, undilated convolutions on large maps skip im2col: one GEMM per kernel tap over a
    /// zero-padded copy of the input (`ConvolutionKernels.shiftedForward`). Small maps keep im2col,
    /// whose tiles of several images make wider GEMMs.
    var usesShiftedGEMMs: Bool {
        strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 && kernelH * kernelW > 1 && outPlane >= 784
    }

    /// Multiply-adds ×2 of the forward pass.
    public var flops: Double {
        2 * Double(batch) * Double(outChannels) * Double(outPlane) * Double(patch)
    }
}

extension Tensor {
    /// PyTorch's `F.conv2d(x, weight, bias, stride, padding, dilation, groups)`.
    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
        stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) -> Tensor {
        let geometry = Conv2dGeometry(
            input: x.shape, weight: weight.shape, stride: stride,
            padding: padding, dilation: dilation, groups: groups)
        let input = x.denseFloats(), w = weight.denseFloats(), b = bias?.denseFloats()
        let out = Tensor(empty: [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth])
        withExtendedLifetime((input, w, b)) {
            let flags = OneDNN.flags(bias: b != nil, inference: !GradMode.isEnabled)
            if KernelPath.usesOneDNN
                && OneDNN.forward(
                    geometry, flags: flags, input: input.floats, weight: w.floats,
                    prepared: nil, bias: b?.floats, residual: nil,
                    output: out.mutableFloats)
            {
                return
            }
            ConvolutionKernels.forward(
                geometry, input: input.floats, weight: w.floats, bias: b?.floats, output: out.mutableFloats)
        }
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        return record("conv2d", inputs, out) { g in
            let grad = g.denseFloats()
            let gradInput = x.requiresGrad ? Tensor(empty: x.shape) : nil
            let gradWeight = weight.requiresGrad ? Tensor(empty: weight.shape) : nil
            let gradBias = bias?.requiresGrad == true ? Tensor(empty: [geometry.outChannels]) : nil
            let viaOneDNN: Bool = withExtendedLifetime((input, w, grad)) {
                guard KernelPath.usesOneDNN, gradInput != nil || gradWeight != nil else { return false }
                // Both passes in one call: the output gradient is reordered once for the two.
                guard
                    OneDNN.backward(
                        geometry, input: input.floats, gradOutput: grad.floats, weight: w.floats,
                        gradInput: gradInput?.mutableFloats, gradWeight: gradWeight?.mutableFloats,
                        gradBias: gradWeight == nil ? nil : gradBias?.mutableFloats)
                else { return false }
                if let gradBias, gradWeight == nil { gradBias.assign(grad.sum(dims: [0, 2, 3])) }
                return true
            }
            // The weight's (and bias's) gradient is this closure's own: a leaf takes it uncopied.
            if viaOneDNN {
                return [gradInput, deliverFresh(gradWeight, to: weight), deliverFresh(gradBias, to: bias)]
            }
            withExtendedLifetime((input, w, grad)) {
                ConvolutionKernels.backward(
                    geometry, input: input.floats, weight: w.floats, gradOutput: grad.floats,
                    gradInput: gradInput?.mutableFloats, gradWeight: gradWeight?.mutableFloats)
            }
            return [
                gradInput, deliverFresh(gradWeight, to: weight),
                deliverFresh(gradBias.map { _ in grad.sum(dims: [0, 2, 3]) }, to: bias),
            ]
        }
    }
}

/// The loops behind conv2d. Pointers are to dense NCHW float32 buffers.
enum ConvolutionKernels {
    static func forward(
        _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    ) {
        let tile = g.imagesPerTile
        let inPlane = g.height * g.width, plane = g.outPlane
        if g.usesShiftedGEMMs { return shiftedForward(g, input: input, weight: weight, bias: bias, output: output) }
        // Pointwise on maps of 14×14 and up: GEMM straight from each input image into its output,
        // no copies. Smaller maps go through tiles below, so the GEMM is wide enough to run well.
        if g.isPointwise && plane >= 196 {
            for n in 0..<g.batch {
                for group in 0..<g.groups {
                    let y = output + (n * g.outChannels + group * g.groupOut) * plane
                    fillBias(bias.map { $0 + group * g.groupOut }, y, rows: g.groupOut, cols: plane, ld: plane)
                    BLAS.sgemm(
                        m: g.groupOut, n: plane, k: g.groupIn,
                        a: weight + group * g.groupOut * g.patch, lda: g.patch,
                        b: input + (n * g.inChannels + group * g.groupIn) * inPlane, ldb: inPlane,
                        beta: bias == nil ? 0 : 1, c: y, ldc: plane)
                }
            }
            return
        }
        Workspace.shared.withFloats(g.patch * tile * plane + g.groupOut * tile * plane) { scratch in
            let columns = scratch, product = scratch + g.patch * tile * plane
            for first in stride(from: 0, to: g.batch, by: tile) {
                let images = Swift.min(tile, g.batch - first), width = images * plane
                for group in 0..<g.groups {
                    for i in 0..<images {
                        im2col(
                            g, input + ((first + i) * g.inChannels + group * g.groupIn) * inPlane,
                            columns + i * plane, ld: width)
                    }
                    // A single image writes its output plane directly; a tile goes through `product`.
                    let direct = images == 1
                    let y = direct ? output + (first * g.outChannels + group * g.groupOut) * plane : product
                    fillBias(bias.map { $0 + group * g.groupOut }, y, rows: g.groupOut, cols: width, ld: width)
                    BLAS.sgemm(
                        m: g.groupOut, n: width, k: g.patch,
                        a: weight + group * g.groupOut * g.patch, lda: g.patch,
                        b: columns, ldb: width, beta: bias == nil ? 0 : 1, c: y, ldc: width)
                    if !direct {
                        for i in 0..<images {
                            for o in 0..<g.groupOut {
                                (output + ((first + i) * g.outChannels + group * g.groupOut + o) * plane)
                                    .update(from: product + o * width + i * plane, count: plane)
                            }
                        }
                    }
                }
            }
        }
    }

    static func backward(
        _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
        gradWeight: UnsafeMutablePointer<Float>?
    ) {
        let tile = g.imagesPerTile
        let inPlane = g.height * g.width, plane = g.outPlane
        gradWeight?.initialize(repeating: 0, count: g.outChannels * g.patch)
        if g.isPointwise {
            for n in 0..<g.batch {
                for group in 0..<g.groups {
                    let x = input + (n * g.inChannels + group * g.groupIn) * inPlane
                    let dy = gradOutput + (n * g.outChannels + group * g.groupOut) * plane
                    let w = weight + group * g.groupOut * g.patch
                    if let gradWeight {  // dW += dY · Xᵀ
                        BLAS.sgemm(
                            transB: true, m: g.groupOut, n: g.groupIn, k: plane, a: dy, lda: plane, b: x, ldb: inPlane,
                            beta: 1, c: gradWeight + group * g.groupOut * g.patch, ldc: g.patch)
                    }
                    if let gradInput {  // dX = Wᵀ · dY
                        BLAS.sgemm(
                            transA: true, m: g.groupIn, n: plane, k: g.groupOut, a: w, lda: g.patch, b: dy, ldb: plane,
                            c: gradInput + (n * g.inChannels + group * g.groupIn) * inPlane, ldc: inPlane)
                    }
                }
            }
            return
        }
        gradInput?.initialize(repeating: 0, count: g.batch * g.inChannels * inPlane)
        Workspace.shared.withFloats(2 * g.patch * tile * plane + g.groupOut * tile * plane) { scratch in
            let columns = scratch, gradColumns = scratch + g.patch * tile * plane
            let gathered = gradColumns + g.patch * tile * plane
            for first in stride(from: 0, to: g.batch, by: tile) {
                let images = Swift.min(tile, g.batch - first), width = images * plane
                for group in 0..<g.groups {
                    // dY of the tile as [groupOut, images·plane].
                    for i in 0..<images {
                        for o in 0..<g.groupOut {
                            (gathered + o * width + i * plane).update(
                                from: gradOutput + ((first + i) * g.outChannels + group * g.groupOut + o) * plane,
                                count: plane)
                        }
                    }
                    let w = weight + group * g.groupOut * g.patch
                    if let gradWeight {
                        for i in 0..<images {
                            im2col(
                                g, input + ((first + i) * g.inChannels + group * g.groupIn) * inPlane,
                                columns + i * plane, ld: width)
                        }
                        // dW += dY · colsᵀ
                        BLAS.sgemm(
                            transB: true, m: g.groupOut, n: g.patch, k: width,
                            a: gathered, lda: width, b: columns, ldb: width,
                            beta: 1, c: gradWeight + group * g.groupOut * g.patch, ldc: g.patch)
                    }
                    if let gradInput {
                        // dcols = Wᵀ · dY, then scatter-add back onto the input planes.
                        BLAS.sgemm(
                            transA: true, m: g.patch, n: width, k: g.groupOut,
                            a: w, lda: g.patch, b: gathered, ldb: width,
                            c: gradColumns, ldc: width)
                        for i in 0..<images {
                            col2im(
                                g, gradColumns + i * plane, ld: width,
                                gradInput + ((first + i) * g.inChannels + group * g.groupIn) * inPlane)
                        }
                    }
                }
            }
        }
    }

    /// Forward without im2col. With the input zero-padded to rows of `wp = W + 2·pw` values, the
    /// output computed on a grid of `oh × wp` (the last kw − 1 columns of each row are junk) is
    /// Σ over taps (i, j) of W[:, :, i, j] · Xpad shifted by i·wp + j: kh·kw GEMMs with K = Cin
    /// reading the padded input in place, then the valid columns are copied out.
    static func shiftedForward(
        _ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    ) {
        let taps = g.kernelH * g.kernelW
        let wp = g.width + 2 * g.padW, hp = g.height + 2 * g.padH
        let paddedPlane = (hp + 1) * wp  // one spare row: the last tap's junk columns read past hp·wp
        let wide = g.outHeight * wp
        let inPlane = g.height * g.width, plane = g.outPlane
        let repacked = taps * g.outChannels * g.groupIn, padded = g.groupIn * paddedPlane
        Workspace.shared.withFloats(repacked + padded + g.groupOut * wide) { scratch in
            // Weights as [tap][out][in], so each tap's matrix is contiguous.
            let tapWeights = scratch, xpad = scratch + repacked, y = xpad + padded
            for o in 0..<g.outChannels {
                for c in 0..<g.groupIn {
                    for t in 0..<taps {
                        tapWeights[(t * g.outChannels + o) * g.groupIn + c] = weight[(o * g.groupIn + c) * taps + t]
                    }
                }
            }
            xpad.initialize(repeating: 0, count: padded)
            for n in 0..<g.batch {
                for group in 0..<g.groups {
                    let x = input + (n * g.inChannels + group * g.groupIn) * inPlane
                    Parallel.forEachChunk(g.groupIn, work: padded) { channels in
                        for c in channels {
                            for row in 0..<g.height {
                                (xpad + c * paddedPlane + (row + g.padH) * wp + g.padW).update(
                                    from: x + c * inPlane + row * g.width, count: g.width)
                            }
                        }
                    }
                    for t in 0..<taps {
                        let (i, j) = (t / g.kernelW, t % g.kernelW)
                        BLAS.sgemm(
                            m: g.groupOut, n: wide, k: g.groupIn,
                            a: tapWeights + (t * g.outChannels + group * g.groupOut) * g.groupIn, lda: g.groupIn,
                            b: xpad + i * wp + j, ldb: paddedPlane, beta: t == 0 ? 0 : 1, c: y, ldc: wide)
                    }
                    let out = output + (n * g.outChannels + group * g.groupOut) * plane
                    for o in 0..<g.groupOut {
                        let shift = bias?[group * g.groupOut + o] ?? 0
                        for row in 0..<g.outHeight {
                            let source = y + o * wide + row * wp, target = out + o * plane + row * g.outWidth
                            for col in 0..<g.outWidth { target[col] = source[col] + shift }
                        }
                    }
                }
            }
        }
    }

    private static func fillBias(
        _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int
    ) {
        guard let bias else { return }
        for r in 0..<rows { (y + r * ld).initialize(repeating: bias[r], count: cols) }
    }

    /// Unfolds one image's group channels into columns[patch, plane] (row stride `ld`).
    /// Row (c, i, j) holds x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] for every output (oh, ow), 0 outside.
    static func im2col(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, ld: Int)
    {
        Parallel.forEachChunk(g.groupIn, work: g.patch * g.outPlane) { channels in
            im2col(g, x, columns, ld: ld, channels: channels)
        }
    }

    private static func im2col(
        _ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
        ld: Int, channels: Range<Int>
    ) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        for c in channels {
            let channel = x + c * g.height * g.width
            for i in 0..<g.kernelH {
                for j in 0..<g.kernelW {
                    let row = columns + ((c * g.kernelH + i) * g.kernelW + j) * ld
                    let dx = j * g.dilationW - g.padW
                    // Output columns whose input column lies inside the image.
                    let lo = Swift.min(ow, Swift.max(0, (-dx + g.strideW - 1) / g.strideW))
                    let hi = Swift.max(lo, Swift.min(ow, (g.width - dx + g.strideW - 1) / g.strideW))
                    for y in 0..<oh {
                        let out = row + y * ow
                        let iy = y * g.strideH - g.padH + i * g.dilationH
                        guard iy >= 0 && iy < g.height else { out.initialize(repeating: 0, count: ow); continue }
                        let source = channel + iy * g.width + dx
                        // Plain loops: rows are short (7 to 112 values), where memcpy calls cost more than they move.
                        for xo in 0..<lo { out[xo] = 0 }
                        if g.strideW == 1 {
                            for xo in lo..<hi { out[xo] = source[xo] }
                        } else {
                            for xo in lo..<hi { out[xo] = source[xo * g.strideW] }
                        }
                        for xo in hi..<ow { out[xo] = 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds columns back onto the image they came from.
    static func col2im(_ g: Conv2dGeometry, _ columns: UnsafePointer<Float>, ld: Int, _ x: UnsafeMutablePointer<Float>)
    {
        // Channels are disjoint in the image, so they can be scattered in parallel.
        Parallel.forEachChunk(g.groupIn, work: g.patch * g.outPlane) { channels in
            col2im(g, columns, ld: ld, x, channels: channels)
        }
    }

    private static func col2im(
        _ g: Conv2dGeometry, _ columns: UnsafePointer<Float>, ld: Int, _ x: UnsafeMutablePointer<Float>,
        channels: Range<Int>
    ) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        for c in channels {
            let channel = x + c * g.height * g.width
            for i in 0..<g.kernelH {
                for j in 0..<g.kernelW {
                    let row = columns + ((c * g.kernelH + i) * g.kernelW + j) * ld
                    let dx = j * g.dilationW - g.padW
                    let lo = Swift.min(ow, Swift.max(0, (-dx + g.strideW - 1) / g.strideW))
                    let hi = Swift.max(lo, Swift.min(ow, (g.width - dx + g.strideW - 1) / g.strideW))
                    for y in 0..<oh {
                        let iy = y * g.strideH - g.padH + i * g.dilationH
                        guard iy >= 0 && iy < g.height else { continue }
                        let target = channel + iy * g.width + dx, source = row + y * ow
                        if g.strideW == 1 {
                            for xo in lo..<hi { target[xo] += source[xo] }
                        } else {
                            for xo in lo..<hi { target[xo * g.strideW] += source[xo] }
                        }
                    }
                }
            }
        }
    }
}
