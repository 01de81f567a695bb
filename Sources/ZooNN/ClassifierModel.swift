import ZooTensor

/// An image classifier split as timm splits it: `forwardFeatures` (the backbone, an NCHW feature
/// map) then `forwardHead` (pooling, dropout, classifier). `forward` is the two in a row.
/// ```swift
/// let model = try makeResNet("resnet50")
/// let features = model.forwardFeatures(images)                  // [N, 2048, 7, 7]
/// let embedding = model.forwardHead(features, preLogits: true)  // [N, 2048]
/// model.resetClassifier(numClasses: 10)                          // new `fc`, 10 outputs
/// ```
public protocol ClassifierModel: Module {
    /// Outputs of the classifier; 0 when it was removed (features only).
    var numClasses: Int { get }
    /// Channels of the features the head pools (its input width).
    var numFeatures: Int { get }
    /// Key prefix of the classifier in the state dict (timm's `default_cfg["classifier"]`), e.g. "fc".
    var classifierName: String { get }

    func forwardFeatures(_ input: Tensor) -> Tensor
    /// Pooling, dropout and the classifier; `preLogits` stops before the classifier.
    func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor
    /// Replaces the classifier with a freshly initialized one for `numClasses` outputs (0 removes
    /// it: the model then returns pooled features). Its mode follows the model's.
    func resetClassifier(numClasses: Int)
}

extension ClassifierModel {
    public func forwardHead(_ features: Tensor) -> Tensor { forwardHead(features, preLogits: false) }
}
