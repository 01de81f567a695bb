// Learning-rate schedulers against real PyTorch: Fixtures/schedulers.json was written by
// tools/fixtures/make_scheduler_fixtures.py with torch 1.13, e.g. for StepLR:
//
//     optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
//     scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
//     lrs = [optimizer.param_groups[0]["lr"]]
//     for _ in range(120):
//         optimizer.step(); scheduler.step(); lrs.append(optimizer.param_groups[0]["lr"])

import Foundation
import Testing

@testable import ZooTrain

struct SchedulerFixture: Decodable, Sendable, CustomTestStringConvertible {
    let scheduler: String
    let lr: Double
    let options: [String: SchedulerOption]
    let steps: Int
    let lrs: [Double]
    let metrics: [Double]?

    var testDescription: String {
        let arguments = ["lr=\(lr)"] + options.keys.sorted().map { "\($0)=\(options[$0]!)" }
        return "\(scheduler)(\(arguments.joined(separator: ", ")))"
    }

    static func loadAll() throws -> [SchedulerFixture] {
        struct Document: Decodable { let cases: [SchedulerFixture] }
        guard let url = Bundle.module.url(forResource: "schedulers", withExtension: "json", subdirectory: "Fixtures")
        else {
            throw MissingSchedulerFixture()
        }
        return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).cases
    }
}

struct MissingSchedulerFixture: Error, CustomStringConvertible {
    var description: String {
        "Fixtures/schedulers.json is missing: run /usr/bin/python3 tools/fixtures/make_scheduler_fixtures.py"
    }
}

/// Same relative tolerance everywhere: 1e-9 of the larger magnitude.
func expectClose(
    _ actual: [Double], _ expected: [Double], _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, comment, sourceLocation: sourceLocation)
    for (index, (got, want)) in zip(actual, expected).enumerated()
    where !(abs(got - want) <= 1e-9 * max(abs(got), abs(want))) {
        Issue.record("step \(index): got \(got), PyTorch \(want)", sourceLocation: sourceLocation)
        return
    }
}

// The closures named in the fixtures; keep in sync with FACTORS and FUNCTIONS in the script.
func factor(named name: String) -> (Int) -> Double {
    switch name {
    case "pow_0.95": return { epoch in pow(0.95, Double(epoch)) }
    case "tenth_every_30": return { epoch in pow(0.1, Double(epoch / 30)) }
    case "warm_then_inverse_sqrt":
        return { epoch in min(Double(epoch + 1) / 10, 1 / Double(max(epoch - 8, 1)).squareRoot()) }
    case "constant_0.95": return { _ in 0.95 }
    case "half_every_10th": return { epoch in epoch % 10 == 0 ? 0.5 : 1.0 }
    case "linear_shrink": return { epoch in 1 - 0.004 * Double(epoch) }
    default: fatalError("no factor named \(name) in the test")
    }
}

/// Hand-written `adjust_learning_rate(optimizer, epoch, iteration)` functions.
func learningRateFunction(named name: String, baseLR: Double, stepsPerEpoch: Int) -> (Int, Int) -> Double {
    switch name {
    case "imagenet_step":
        // PyTorch's ImageNet example: divide by 10 every 30 epochs.
        return { epoch, _ in baseLR * pow(0.1, Double(epoch / 30)) }
    case "warmup_then_cosine":
        return { epoch, iteration in
            let total = Double(20 * stepsPerEpoch)
            let t = epoch * stepsPerEpoch + iteration
            if t < 2 * stepsPerEpoch { return baseLR * Double(t + 1) / Double(2 * stepsPerEpoch) }
            return 0.5 * baseLR * (1 + cos(Double.pi * Double(t) / total))
        }
    default: fatalError("no function named \(name) in the test")
    }
}

func makeScheduler(for fixture: SchedulerFixture) throws -> any LRScheduler {
    guard case .string(let name)? = fixture.options["function"] else {
        return try SchedulerSpec(name: fixture.scheduler, lr: fixture.lr, options: fixture.options).makeScheduler()
    }
    switch fixture.scheduler {
    case "LambdaLR": return LambdaLR(baseLRs: [fixture.lr], factor: factor(named: name))
    case "MultiplicativeLR": return MultiplicativeLR(baseLRs: [fixture.lr], factor: factor(named: name))
    case "FunctionLR":
        guard case .int(let stepsPerEpoch)? = fixture.options["steps_per_epoch"] else {
            throw SchedulerSpecError.missingOption("steps_per_epoch", scheduler: .lambdaLR)
        }
        return FunctionLR(
            stepsPerEpoch: stepsPerEpoch,
            learningRate: learningRateFunction(named: name, baseLR: fixture.lr, stepsPerEpoch: stepsPerEpoch))
    default: fatalError("\(fixture.scheduler) takes no function")
    }
}

@Suite struct PyTorchAgreement {
    @Test func fixturesCoverEveryScheduler() throws {
        let fixtures = try SchedulerFixture.loadAll()
        let names = Set(fixtures.map(\.scheduler))
        for kind in SchedulerKind.allCases {
            let cases = fixtures.filter { $0.scheduler == kind.rawValue && $0.options["warmup_steps"] == nil }
            #expect(cases.count >= 3, "\(kind.rawValue): default and two non-default settings")
            let longEnough = cases.allSatisfy { $0.steps >= ([.cyclicLR, .oneCycleLR].contains(kind) ? 200 : 100) }
            #expect(longEnough, "\(kind.rawValue): 100+ epochs or 200+ iterations")
        }
        #expect(names.contains("FunctionLR"))
        #expect(fixtures.contains { $0.options["warmup_steps"] != nil })
    }

    @Test(arguments: try SchedulerFixture.loadAll())
    func sequenceMatchesPyTorch(_ fixture: SchedulerFixture) throws {
        let scheduler = try makeScheduler(for: fixture)
        var lrs = [scheduler.lrs[0]]
        for step in 0..<fixture.steps {
            scheduler.step(metric: fixture.metrics?[step])
            lrs.append(scheduler.lrs[0])
        }
        expectClose(lrs, fixture.lrs)
        #expect(scheduler.lastEpoch == fixture.steps)
    }
}

@Suite struct SchedulerBehaviour {
    @Test func stepLRExampleFromTheDocs() {
        let scheduler = StepLR(baseLRs: [0.05], stepSize: 30, gamma: 0.1)
        var lrs: [Double] = []
        for _ in 0..<100 {
            lrs.append(scheduler.lrs[0])
            scheduler.step()
        }
        #expect(lrs[0] == 0.05 && lrs[29] == 0.05)
        #expect(abs(lrs[30] - 0.005) < 1e-15 && abs(lrs[60] - 0.0005) < 1e-16)
    }

    @Test func everyParameterGroupIsScheduled() {
        let scheduler = CosineAnnealingLR(baseLRs: [0.1, 0.01], tMax: 10)
        for _ in 0..<5 { scheduler.step() }
        #expect(abs(scheduler.lrs[0] - 0.05) < 1e-12 && abs(scheduler.lrs[1] - 0.005) < 1e-12)
    }

    @Test func cosineAnnealingComesBackUpPastTMax() {
        let scheduler = CosineAnnealingLR(baseLRs: [0.1], tMax: 10, etaMin: 0.001)
        var lrs = [scheduler.lrs[0]]
        for _ in 0..<20 {
            scheduler.step()
            lrs.append(scheduler.lrs[0])
        }
        #expect(abs(lrs[10] - 0.001) < 1e-12)
        #expect(abs(lrs[20] - 0.1) < 1e-12)
        #expect(lrs[15] > lrs[14])
    }

    @Test func linearWarmupThenTheWrappedScheduler() {
        let warm = LinearWarmup(StepLR(baseLRs: [0.1], stepSize: 2), warmupSteps: 4, warmupStartFactor: 0)
        var lrs = [warm.lrs[0]]
        for _ in 0..<8 {
            warm.step()
            lrs.append(warm.lrs[0])
        }
        let expected = [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.01, 0.01, 0.001]
        #expect(zip(lrs, expected).allSatisfy { abs($0 - $1) < 1e-15 }, "\(lrs)")
        #expect(LinearWarmup(ExponentialLR(baseLRs: [0.3], gamma: 0.5), warmupSteps: 0).lrs == [0.3])
    }

    @Test func functionLRDividesByTenEveryThirtyEpochs() {
        // The hand-written adjust_learning_rate of PyTorch's ImageNet example.
        let scheduler = FunctionLR { epoch, _ in 0.1 * pow(0.1, Double(epoch / 30)) }
        var lrs: [Double] = []
        for _ in 0..<91 {
            lrs.append(scheduler.lrs[0])
            scheduler.step()
        }
        #expect(lrs[29] == 0.1 && abs(lrs[30] - 0.01) < 1e-15 && abs(lrs[90] - 0.0001) < 1e-18)
    }

    @Test func functionLRSeesIterationsWithinTheEpoch() {
        var seen: [[Int]] = []
        let scheduler = FunctionLR(stepsPerEpoch: 3) { epoch, iteration in
            seen.append([epoch, iteration])
            return 0.1
        }
        for _ in 0..<4 { scheduler.step() }
        #expect(seen == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]])
    }

    @Test func plateauReducesAfterPatienceAndRespectsCooldownAndFloor() {
        let scheduler = ReduceLROnPlateau(baseLRs: [1], factor: 0.5, patience: 1, cooldown: 1, minLR: 0.3)
        let metrics = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
        var lrs: [Double] = []
        for metric in metrics {
            scheduler.step(metric: metric)
            lrs.append(scheduler.lrs[0])
        }
        // Bad epochs at steps 2, 3 → reduce at 3; cooldown swallows step 4; reduce again at 6 to the floor.
        #expect(lrs == [1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3])
    }

    @Test func learningRatesReachTheOptimizer() {
        final class Optimizer: LearningRateControlled { var learningRates: [Double] = [0, 0] }
        let optimizer = Optimizer()
        let scheduler = ExponentialLR(baseLRs: [1, 2], gamma: 0.5)
        scheduler.step()
        scheduler.apply(to: optimizer)
        #expect(optimizer.learningRates == [0.5, 1])
    }
}

@Suite struct SchedulerSpecs {
    @Test(arguments: [
        ("StepLR", SchedulerKind.stepLR), ("steplr", .stepLR), ("step", .stepLR),
        ("Multi_Step", .multiStepLR), ("cosine", .cosineAnnealingLR),
        ("COSINEANNEALINGLR", .cosineAnnealingLR), ("plateau", .reduceLROnPlateau),
        ("one-cycle", .oneCycleLR), ("1cycle", .oneCycleLR), ("OneCycle", .oneCycleLR),
        ("sgdr", .cosineAnnealingWarmRestarts), ("cyclic", .cyclicLR), ("exp", .exponentialLR),
    ])
    func namesAndAliases(name: String, kind: SchedulerKind) {
        #expect(SchedulerKind(name: name) == kind)
    }

    @Test func unknownNamesAreRejected() {
        #expect(SchedulerKind(name: "StepLRX") == nil)
        #expect(throws: SchedulerSpecError.unknownScheduler("warmup")) {
            try SchedulerSpec(name: "warmup", lr: 0.1)
        }
    }

    @Test func mistakesAreReportedWithTheFlagToFix() throws {
        let missing = #expect(throws: SchedulerSpecError.self) {
            try SchedulerSpec(name: "CosineAnnealingLR", lr: 0.1).makeScheduler()
        }
        #expect(missing?.description == "CosineAnnealingLR needs --t-max (T_max)")

        let foreign = #expect(throws: SchedulerSpecError.self) {
            try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(3), "T_max": .int(3)])
        }
        #expect(foreign?.description.hasPrefix("--t-max (T_max) does not apply to StepLR") == true)

        #expect(throws: SchedulerSpecError.self) {
            try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(0)]).makeScheduler()
        }
        #expect(throws: SchedulerSpecError.missingLearningRate(.stepLR, alternative: nil)) {
            try SchedulerSpec(name: "StepLR", lr: nil, options: ["step_size": .int(3)]).makeScheduler()
        }
        #expect(throws: SchedulerSpecError.needsFunction(.lambdaLR)) {
            try SchedulerSpec(name: "LambdaLR", lr: 0.1)
        }
        #expect(throws: SchedulerSpecError.self) {
            try SchedulerSpec(name: "CyclicLR", lr: 0.1, options: ["max_lr": .double(1), "mode": .string("sine")])
                .makeScheduler()
        }
    }

    @Test(arguments: ["30,x", "", "30,,80"])
    func badMilestoneListsDoNotParse(text: String) {
        #expect(throws: SchedulerSpecError.self) { try SchedulerOption(integerList: text, for: "milestones") }
    }

    @Test(arguments: [[80, 30], [-5, 10], []])
    func badMilestonesAreRejected(milestones: [Int]) {
        #expect(throws: SchedulerSpecError.self) {
            try SchedulerSpec(name: "MultiStepLR", lr: 0.1, options: ["milestones": .integers(milestones)])
                .makeScheduler()
        }
    }

    @Test func milestonesParse() throws {
        #expect(try SchedulerOption(integerList: "30, 80", for: "milestones") == .integers([30, 80]))
    }

    @Test func runsAreCheckedBeforeAnythingIsProduced() throws {
        let step = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)])
        #expect(throws: SchedulerSpecError.self) { try step.trace(epochs: -1) }
        #expect(throws: SchedulerSpecError.self) { try step.trace(epochs: 10, stepsPerEpoch: 0) }
        #expect(throws: SchedulerSpecError.self) { try step.trace(epochs: 10, metrics: [1, 2]) }

        let plateau = try SchedulerSpec(name: "ReduceLROnPlateau", lr: 0.1)
        #expect(throws: SchedulerSpecError.self) { try plateau.trace(epochs: 10, metrics: [1, 2]) }
        #expect(try plateau.trace(epochs: 3, metrics: [1, 2]).rows.count == 3)

        let oneCycle = try SchedulerSpec(name: "OneCycleLR", lr: 0.1, options: ["total_steps": .int(100)])
        #expect(throws: SchedulerSpecError.self) { try oneCycle.trace(epochs: 10, stepsPerEpoch: 20) }
        #expect(try oneCycle.trace(epochs: 101).rows.count == 101)  // PyTorch allows step number total_steps
    }

    @Test func oneCycleSpansTheRunWhenNotToldOtherwise() throws {
        // Same as PyTorch's OneCycleLR(max_lr=0.05, epochs=10, steps_per_epoch=25, ...) in the fixtures.
        let fixture = try #require(
            try SchedulerFixture.loadAll().first {
                $0.scheduler == "OneCycleLR" && $0.options["epochs"] == .int(10)
            })
        var options = fixture.options
        options["epochs"] = nil
        options["steps_per_epoch"] = nil
        let trace = try SchedulerSpec(name: "OneCycleLR", lr: nil, options: options).trace(
            epochs: 10, stepsPerEpoch: 25)
        #expect(trace.rows.count == 250)
        #expect(trace.rows.last?.epoch == 9 && trace.rows.last?.iteration == 249)
        expectClose(trace.rows.map(\.lr), Array(fixture.lrs.prefix(250)))
    }

    @Test func epochSchedulersHoldTheirRateThroughTheEpoch() throws {
        let spec = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(2)])
        let trace = try spec.trace(epochs: 3, stepsPerEpoch: 2)
        #expect(trace.rows.map(\.lr) == [0.1, 0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1])
        let perIteration = try spec.trace(epochs: 3, stepsPerEpoch: 2, stepEvery: .iteration)
        #expect(perIteration.rows.map(\.lr)[2] == 0.1 * 0.1)
    }

    @Test func csvHasAHeaderAndRoundTrippingRates() throws {
        let spec = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)])
        let lines = try spec.trace(epochs: 100).csv().split(separator: "\n")
        #expect(lines.count == 101)
        #expect(lines[0] == "epoch,lr" && lines[1] == "0,0.1" && lines[31] == "30,0.010000000000000002")
        let perIteration = try spec.trace(epochs: 2, stepsPerEpoch: 3).csv().split(separator: "\n")
        #expect(
            perIteration == ["epoch,iteration,lr", "0,0,0.1", "0,1,0.1", "0,2,0.1", "1,3,0.1", "1,4,0.1", "1,5,0.1"])
    }

    @Test func optionsDescribeTheCall() throws {
        let spec = try SchedulerSpec(name: "step", lr: 0.1, options: ["gamma": .double(0.5), "step_size": .int(30)])
        #expect(spec.description == "StepLR(lr=0.1, step_size=30, gamma=0.5)")
    }
}
