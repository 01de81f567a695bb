import Testing
import ZooTensor
import ZooTrain

/// A 20-step trajectory recorded by real PyTorch (tools/fixtures/make_optimizer_fixtures.py).
struct OptimizerFixture: Decodable, CustomTestStringConvertible {
    struct Group: Decodable {
        let params: [Int]
        let settings: [String: FixtureOption]

        init(from decoder: Decoder) throws {
            struct Key: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
            let container = try decoder.container(keyedBy: Key.self)
            params = try container.decode([Int].self, forKey: Key(stringValue: "params"))
            var settings: [String: FixtureOption] = [:]
            for key in container.allKeys where key.stringValue != "params" {
                settings[key.stringValue] = try container.decode(FixtureOption.self, forKey: key)
            }
            self.settings = settings
        }
    }

    let name: String
    let optimizer: String
    let defaults: [String: FixtureOption]
    let groups: [Group]
    let initial: [FixtureTensor]
    /// Per step, per parameter.
    let grads: [[[Double]]]
    let trajectory: [[[Double]]]

    var testDescription: String { name }

    static func all() throws -> [OptimizerFixture] {
        struct File: Decodable { let cases: [OptimizerFixture] }
        return try loadFixture("optimizers", as: File.self).cases
    }

    /// Fresh parameters at their initial values.
    func makeParameters() -> [Tensor] { initial.map { $0.tensor(requiresGrad: true) } }

    /// The Swift optimizer this fixture describes, over `parameters`.
    func makeOptimizer(_ parameters: [Tensor]) -> Optimizer {
        func number(_ key: String, _ fallback: Double) -> Double {
            if case .number(let n) = defaults[key] { return n }
            return fallback
        }
        func flag(_ key: String) -> Bool {
            if case .flag(let b) = defaults[key] { return b }
            return false
        }
        let groups = groups.map { group in
            var options: [String: Double] = [:], lr: Double?, weightDecay: Double?
            for (key, value) in group.settings {
                switch (key, value) {
                case ("lr", .number(let n)): lr = n
                case ("weight_decay", .number(let n)): weightDecay = n
                case ("betas", .list(let betas)): options["beta1"] = betas[0]; options["beta2"] = betas[1]
                case (_, .number(let n)): options[key] = n
                default: fatalError("unexpected group setting \(key)")
                }
            }
            return ParameterGroup(
                params: group.params.map { parameters[$0] }, lr: lr, weightDecay: weightDecay, options: options)
        }
        var betas = (0.9, 0.999)
        if case .list(let list) = defaults["betas"] { betas = (list[0], list[1]) }
        switch optimizer {
        case "SGD":
            return SGD(
                groups: groups, lr: number("lr", .nan), momentum: number("momentum", 0),
                dampening: number("dampening", 0),
                weightDecay: number("weight_decay", 0), nesterov: flag("nesterov"))
        case "Adam":
            return Adam(
                groups: groups, lr: number("lr", 1e-3), betas: betas, eps: number("eps", 1e-8),
                weightDecay: number("weight_decay", 0), amsgrad: flag("amsgrad"))
        case "AdamW":
            return AdamW(
                groups: groups, lr: number("lr", 1e-3), betas: betas, eps: number("eps", 1e-8),
                weightDecay: number("weight_decay", 1e-2), amsgrad: flag("amsgrad"))
        case "RMSprop":
            return RMSprop(
                groups: groups, lr: number("lr", 1e-2), alpha: number("alpha", 0.99), eps: number("eps", 1e-8),
                weightDecay: number("weight_decay", 0), momentum: number("momentum", 0), centered: flag("centered"))
        default:
            fatalError("no Swift optimizer for \(optimizer)")
        }
    }

    /// Sets PyTorch's gradients of `step` on `parameters` and steps.
    func step(_ step: Int, _ optimizer: Optimizer, _ parameters: [Tensor]) {
        optimizer.zeroGrad()
        for (parameter, gradient) in zip(parameters, grads[step]) {
            parameter.grad = Tensor(gradient.map { Float($0) }, shape: parameter.shape)
        }
        optimizer.step()
    }

    func expectOnTrajectory(
        _ parameters: [Tensor], after step: Int, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (index, (parameter, expected)) in zip(parameters, trajectory[step]).enumerated() {
            let error = scaledError(parameter.toArray(), expected)
            #expect(
                error <= 1e-5, "\(name) \(what) step \(step + 1) parameter \(index): error \(error) vs PyTorch",
                sourceLocation: sourceLocation)
        }
    }
}

@Suite struct OptimizerTests {
    @Test(arguments: try OptimizerFixture.all())
    func trajectoryMatchesPyTorch(_ fixture: OptimizerFixture) {
        let parameters = fixture.makeParameters()
        let optimizer = fixture.makeOptimizer(parameters)
        for step in fixture.trajectory.indices {
            fixture.step(step, optimizer, parameters)
            fixture.expectOnTrajectory(parameters, after: step, "")
        }
    }

    /// Saving after 8 steps, loading into a new optimizer over copied parameters and going on gives
    /// exactly the uninterrupted run, through the plain state and its named-tensor form.
    @Test(arguments: try OptimizerFixture.all())
    func resumeFromSavedState(_ fixture: OptimizerFixture) throws {
        let parameters = fixture.makeParameters()
        let optimizer = fixture.makeOptimizer(parameters)
        for step in 0..<8 { fixture.step(step, optimizer, parameters) }
        let saved = try OptimizerState(tensors: optimizer.stateDict().tensors)

        let resumedParameters = parameters.map { Tensor($0.toArray(), shape: $0.shape, requiresGrad: true) }
        let resumed = fixture.makeOptimizer(resumedParameters)
        resumed.learningRates = resumed.learningRates.map { $0 * 10 }  // overwritten by the load
        try resumed.loadStateDict(saved)
        #expect(resumed.learningRates == optimizer.learningRates)
        for step in 8..<fixture.trajectory.count {
            fixture.step(step, optimizer, parameters)
            fixture.step(step, resumed, resumedParameters)
            for (a, b) in zip(parameters, resumedParameters) { #expect(a.toArray() == b.toArray(), "step \(step + 1)") }
        }
        fixture.expectOnTrajectory(resumedParameters, after: fixture.trajectory.count - 1, "resumed")
    }

    @Test func frozenAndGradientlessParametersAreSkipped() {
        let trained = Tensor([1, 2], requiresGrad: true)
        let frozen = Tensor([3, 4])
        let untouched = Tensor([5, 6], requiresGrad: true)
        let optimizers: [Optimizer] = [
            SGD(parameters: [trained, frozen, untouched], lr: 0.1, momentum: 0.9, weightDecay: 0.1),
            Adam(parameters: [trained, frozen, untouched]),
            AdamW(parameters: [trained, frozen, untouched]),
            RMSprop(parameters: [trained, frozen, untouched], centered: true),
        ]
        for optimizer in optimizers {
            trained.grad = Tensor([1, 1])
            frozen.grad = Tensor([1, 1])  // a stale gradient on a frozen parameter is ignored
            untouched.grad = nil
            optimizer.step()
            #expect(frozen.toArray() == [3, 4], "\(type(of: optimizer))")
            #expect(untouched.toArray() == [5, 6], "\(type(of: optimizer))")
            #expect(optimizer.state(of: frozen) == nil && optimizer.state(of: untouched) == nil)
            #expect(optimizer.state(of: trained) != nil)
        }
        #expect(trained.toArray() != [1, 2])
    }

    @Test func learningRatesPerGroup() {
        let a = Tensor([1], requiresGrad: true), b = Tensor([1], requiresGrad: true)
        let optimizer = SGD(groups: [ParameterGroup(params: [a]), ParameterGroup(params: [b], lr: 0.5)], lr: 0.1)
        #expect(optimizer.learningRates == [0.1, 0.5])
        optimizer.learningRates = [0.2, 0.05]
        a.grad = Tensor([1]); b.grad = Tensor([1])
        optimizer.step()
        #expect(a.item() == 1 - Float(0.2))
        #expect(b.item() == 1 - Float(0.05))
        optimizer.zeroGrad()
        #expect(a.grad == nil && b.grad == nil)
    }

    @Test func loadingMismatchedStateFails() {
        let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3], requiresGrad: true)
        let sgd = SGD(parameters: [a, b], lr: 0.1, momentum: 0.9)
        a.grad = Tensor([1, 1]); b.grad = Tensor([1])
        sgd.step()
        let state = sgd.stateDict()

        let twoGroups = SGD(groups: [ParameterGroup(params: [a]), ParameterGroup(params: [b])], lr: 0.1, momentum: 0.9)
        #expect(throws: OptimizerStateError.groupCountMismatch(saved: 1, current: 2)) {
            try twoGroups.loadStateDict(state)
        }
        let adam = Adam(parameters: [a, b])
        #expect(throws: OptimizerStateError.self) { try adam.loadStateDict(state) }
        let reshaped = SGD(parameters: [Tensor([1, 2, 3], requiresGrad: true), b], lr: 0.1, momentum: 0.9)
        #expect(
            throws: OptimizerStateError.bufferShapeMismatch(
                parameter: 0, buffer: "momentum_buffer", saved: [2], parameterShape: [3])
        ) {
            try reshaped.loadStateDict(state)
        }
    }

    @Test func weightDecayGroupsFollowTimm() {
        func parameter(_ shape: [Int], trainable: Bool = true) -> Tensor {
            let t = Tensor(zeros: shape)
            t.requiresGrad = trainable
            return t
        }
        let named: [(String, Tensor)] = [
            ("conv1.weight", parameter([8, 3, 3, 3])),
            ("bn1.weight", parameter([8])),
            ("bn1.bias", parameter([8])),
            ("fc.weight", parameter([10, 8])),
            ("fc.bias", parameter([10])),
            ("pos_embed", parameter([1, 5, 8])),
            ("cls_token.bias", parameter([1, 8])),  // 2-d, but named like a bias
            ("frozen.weight", parameter([4, 4], trainable: false)),
        ]
        let groups = ParameterGroup.weightDecayGroups(named, weightDecay: 0.05, noWeightDecay: ["pos_embed"])
        func names(_ group: ParameterGroup) -> [String] {
            group.params.map { p in named.first { $0.1 === p }!.0 }
        }
        #expect(groups.count == 2)
        #expect(names(groups[0]) == ["bn1.weight", "bn1.bias", "fc.bias", "pos_embed", "cls_token.bias"])
        #expect(groups[0].weightDecay == 0)
        #expect(names(groups[1]) == ["conv1.weight", "fc.weight"])
        #expect(groups[1].weightDecay == 0.05)
    }
}
