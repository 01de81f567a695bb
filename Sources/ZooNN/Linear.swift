import ZooTensor

/// y = x·Wᵀ + b over the last dimension (PyTorch's `nn.Linear`). Keys `weight` [out, in], `bias` [out].
/// Initialized as PyTorch's: kaiming-uniform weight (a = √5) and bias uniform on ±1/√in.
/// ```swift
/// let fc = Linear(512, 10)
/// let logits = fc(features)        // [N, 512] → [N, 10]
/// ```
public final class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = WeightInitialization.parameter([outFeatures, inFeatures]) {
            Tensor.kaimingUniform([outFeatures, inFeatures], using: &$0)
        }
        self.bias =
            bias
            ? WeightInitialization.parameter([outFeatures]) {
                Tensor.biasUniform(outFeatures, fanIn: inFeatures, using: &$0)
            } : nil
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.linear(input, weight: weight, bias: bias)
    }
}
