import ZooTensor

extension ParameterGroup {
    /// Two groups, as timm's `param_groups_weight_decay`: biases, norm weights and scales (every
    /// parameter with at most one dimension), names ending in `.bias` and names in `noWeightDecay`
    /// train without weight decay; the rest with `weightDecay`. Frozen parameters are left out.
    /// ```swift
    /// let groups = ParameterGroup.weightDecayGroups(model.namedParameters, weightDecay: 0.05)
    /// let optimizer = AdamW(groups: groups, lr: 1e-3)   // groups[0]: no decay, groups[1]: decay
    /// ```
    public static func weightDecayGroups(
        _ namedParameters: [(String, Tensor)], weightDecay: Double,
        noWeightDecay: Set<String> = []
    ) -> [ParameterGroup] {
        var decay: [Tensor] = [], noDecay: [Tensor] = []
        for (name, parameter) in namedParameters where parameter.requiresGrad {
            if parameter.rank <= 1 || name.hasSuffix(".bias") || noWeightDecay.contains(name) {
                noDecay.append(parameter)
            } else {
                decay.append(parameter)
            }
        }
        return [
            ParameterGroup(params: noDecay, weightDecay: 0), ParameterGroup(params: decay, weightDecay: weightDecay),
        ]
    }
}
