import Foundation

#if os(Linux)
    import CDNNL
#endif

/// oneDNN's convolutions (`Sources/CDNNL`) on zoo's plain NCHW buffers. Each entry returns false
/// when oneDNN cannot take the shape, and the caller runs the GEMM path instead.
enum OneDNN {
    #if os(Linux)
        static func geometry(_ g: Conv2dGeometry) -> zoo_conv_geometry {
            zoo_conv_geometry(
                batch: g.batch, in_channels: g.inChannels, height: g.height, width: g.width,
                out_channels: g.outChannels, kernel_h: g.kernelH, kernel_w: g.kernelW,
                stride_h: g.strideH, stride_w: g.strideW, pad_h: g.padH, pad_w: g.padW,
                dilation_h: g.dilationH, dilation_w: g.dilationW, groups: g.groups,
                out_height: g.outHeight, out_width: g.outWidth)
        }
    #endif

    static func flags(
        bias: Bool, residual: Bool = false, activation: FusedActivation? = nil, inference: Bool = false
    ) -> Int32 {
        #if os(Linux)
            var value: Int32 = 0
            if bias { value |= Int32(ZOO_CONV_BIAS) }
            if residual { value |= Int32(ZOO_CONV_SUM) }
            switch activation {
            case .relu: value |= Int32(ZOO_CONV_RELU)
            case .relu6: value |= Int32(ZOO_CONV_RELU6)
            case .silu: value |= Int32(ZOO_CONV_SILU)
            case .hardswish: value |= Int32(ZOO_CONV_HARDSWISH)
            case .sigmoid: value |= Int32(ZOO_CONV_SIGMOID)
            case nil: break
            }
            if inference { value |= Int32(ZOO_CONV_INFERENCE) }
            return value
        #else
            return 0
        #endif
    }

    static func forward(
        _ g: Conv2dGeometry, flags: Int32, input: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
        prepared: UnsafeRawPointer?, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>
    ) -> Bool {
        #if os(Linux)
            var shape = geometry(g)
            FlopCounter.add(g.flops)
            return zoo_conv_forward(&shape, flags, input, weight, prepared, bias, residual, output) == 0
        #else
            return false
        #endif
    }

    /// Both backward passes (each optional) with the output gradient reordered once.
    static func backward(
        _ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
        gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?
    ) -> Bool {
        #if os(Linux)
            var shape = geometry(g)
            if gradInput != nil { FlopCounter.add(g.flops) }
            if gradWeight != nil { FlopCounter.add(g.flops) }
            return zoo_conv_backward(&shape, input, gradOutput, weight, gradInput, gradWeight, gradBias) == 0
        #else
            return false
        #endif
    }

    /// The implementation oneDNN picks for this forward convolution ("jit_1x1:avx2", …).
    static func implementation(_ g: Conv2dGeometry, flags: Int32) -> String {
        #if os(Linux)
            var shape = geometry(g)
            return String(cString: zoo_conv_forward_implementation(&shape, flags))
        #else
            return "unavailable"
        #endif
    }

    /// Weights reordered into the layout oneDNN's forward primitive for `g` wants, or nil.
    static func prepareWeights(_ g: Conv2dGeometry, flags: Int32, weight: UnsafePointer<Float>) -> TensorStorage? {
        #if os(Linux)
            var shape = geometry(g)
            let bytes = zoo_conv_forward_weights_bytes(&shape, flags)
            guard bytes > 0 else { return nil }
            let storage = TensorStorage(uninitializedByteCount: bytes)
            return zoo_conv_forward_prepare_weights(&shape, flags, weight, storage.bytes) == 0 ? storage : nil
        #else
            return nil
        #endif
    }
}

/// A convolution's weights made ready for inference once: batch norm folded in, and (on oneDNN)
/// reordered into the primitive's blocked layout for each input shape seen. Built and cached by
/// `Conv2d.forward(_:normalizedBy:adding:relu:)` in eval mode. Once oneDNN holds its reordered copy
/// the plain folded weights are dropped (memory: a model's weights are not kept three times); they
/// are folded again from `fold` if another shape or the GEMM path needs them.
public final class PreparedConvolution: @unchecked Sendable {
    public let weightShape: [Int]
    public let bias: Tensor?
    private let fold: () -> Tensor
    private var plain: Tensor?
    private var reordered: [[Int]: TensorStorage] = [:]
    private let lock = NSLock()

    /// `fold` makes the folded weights ([out, in/groups, kh, kw]); `bias` is the folded shift.
    public init(weightShape: [Int], bias: Tensor?, fold: @escaping () -> Tensor) {
        self.weightShape = weightShape
        self.bias = bias?.denseFloats()
        self.fold = fold
    }

    /// The folded weights, plain OIHW.
    public var weight: Tensor {
        lock.withLock {
            if let plain { return plain }
            let folded = fold().denseFloats()
            plain = folded
            return folded
        }
    }

    func reorderedWeights(_ g: Conv2dGeometry, flags: Int32) -> TensorStorage? {
        let key = [g.batch, g.height, g.width, Int(flags)]
        if let cached = lock.withLock({ reordered[key] }) { return cached }
        let folded = weight
        let storage = withExtendedLifetime(folded) { OneDNN.prepareWeights(g, flags: flags, weight: folded.floats) }
        lock.withLock {
            if let storage { reordered[key] = storage; plain = nil }
        }
        return storage
    }
}

extension Tensor {
    /// Inference-only convolution with its epilogue fused: relu?(conv(x, W) + b + residual), one
    /// pass over the output. No graph is recorded.
    public static func conv2dInference(
        _ x: Tensor, prepared: PreparedConvolution, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
        adding residual: Tensor? = nil, relu: Bool
    ) -> Tensor {
        conv2dInference(
            x, prepared: prepared, stride: stride, padding: padding, dilation: dilation, groups: groups,
            adding: residual, activation: relu ? .relu : nil)
    }

    /// Inference-only convolution with its epilogue fused: activation(conv(x, W) + b + residual),
    /// the activation a oneDNN post-op (or one pass over the output on the plain path). No graph.
    public static func conv2dInference(
        _ x: Tensor, prepared: PreparedConvolution, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
        adding residual: Tensor? = nil, activation: FusedActivation? = nil
    ) -> Tensor {
        let g = Conv2dGeometry(
            input: x.shape, weight: prepared.weightShape, stride: stride, padding: padding,
            dilation: dilation, groups: groups)
        let outShape = [g.batch, g.outChannels, g.outHeight, g.outWidth]
        if let residual {
            precondition(residual.shape == outShape, "conv2d: residual \(residual.shape) is not \(outShape)")
        }
        let input = x.denseFloats(), extra = residual?.denseFloats()
        let out = Tensor(empty: outShape)
        let b = prepared.bias
        let done: Bool = withExtendedLifetime((input, extra, b)) {
            guard KernelPath.usesOneDNN else { return false }
            let flags = OneDNN.flags(bias: b != nil, residual: extra != nil, activation: activation, inference: true)
            guard let reordered = prepared.reorderedWeights(g, flags: flags) else { return false }
            return withExtendedLifetime(reordered) {
                OneDNN.forward(
                    g, flags: flags, input: input.floats, weight: nil, prepared: UnsafeRawPointer(reordered.bytes),
                    bias: b?.floats, residual: extra?.floats, output: out.mutableFloats)
            }
        }
        if !done {
            let w = prepared.weight
            withExtendedLifetime((input, extra, w, b)) {
                ConvolutionKernels.forward(
                    g, input: input.floats, weight: w.floats, bias: b?.floats, output: out.mutableFloats)
                Epilogue.apply(out.mutableFloats, count: out.count, adding: extra?.floats, activation: activation)
            }
        }
        return out
    }
}

/// An activation a convolution can end in (a oneDNN post-op), with PyTorch's definitions.
public enum FusedActivation: Sendable, Equatable {
    case relu, relu6, silu, hardswish, sigmoid

    @inline(__always)
    func apply(_ v: Float) -> Float {
        switch self {
        case .relu: v > 0 ? v : 0
        case .relu6: Swift.min(Swift.max(v, 0), 6)
        case .silu: v / (1 + Foundation.exp(-v))
        case .hardswish: v * Swift.min(Swift.max(v + 3, 0), 6) / 6
        case .sigmoid: 1 / (1 + Foundation.exp(-v))
        }
    }
}

/// The residual add and activation after a GEMM-path convolution, in one parallel pass.
enum Epilogue {
    static func apply(
        _ y: UnsafeMutablePointer<Float>, count: Int, adding residual: UnsafePointer<Float>?,
        activation: FusedActivation?
    ) {
        guard residual != nil || activation != nil else { return }
        Parallel.forEachBlock(count) { range in
            if let residual { for i in range { y[i] += residual[i] } }
            if let activation { for i in range { y[i] = activation.apply(y[i]) } }
        }
    }
}

/// What cached, derived weights were made from: the storages, every value of small tensors (a
/// norm's few per channel) and a sample of large ones, so that a load or an optimizer step since
/// makes the cache stale. Cheap next to the layer it guards.
public struct WeightFingerprint: Equatable, Sendable {
    let storages: [ObjectIdentifier]
    let values: [UInt32]

    public init(_ tensors: [Tensor?]) {
        let present = tensors.compactMap { $0 }
        storages = present.map { ObjectIdentifier($0.storage) }
        var values: [UInt32] = []
        for tensor in present {
            let dense = tensor.denseFloats()
            withExtendedLifetime(dense) {
                let step = dense.count <= 4096 ? 1 : dense.count / 97
                for index in stride(from: 0, to: dense.count, by: step) {
                    values.append(dense.floats[index].bitPattern)
                }
            }
        }
        self.values = values
    }
}

/// Counts the floating-point operations of convolutions and matrix products while `measure` runs
/// (2 per multiply-add), for benchmarks' GFLOP/s.
public enum FlopCounter {
    nonisolated(unsafe) static var active = false
    nonisolated(unsafe) static var total = 0.0
    private static let lock = NSLock()

    static func add(_ flops: Double) {
        guard active else { return }
        lock.withLock { total += flops }
    }

    /// The operations `body` performs.
    public static func measure(_ body: () -> Void) -> Double {
        lock.withLock {
            total = 0; active = true
        }
        body()
        return lock.withLock {
            active = false; return total
        }
    }
}
