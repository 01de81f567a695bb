import Foundation
import Testing
import ZooModels

/// The arch-string decoder against timm's `decode_arch_def` on every definition timm's EfficientNet
/// and MobileNetV3 generators pass it (tools/fixtures/make_efficientnet_arch_fixtures.py).
struct EfficientNetArchDefTests {
    struct Fixture: Decodable {
        struct Call: Decodable, CustomTestStringConvertible {
            let arch: [[String]]
            let depthMultiplier: [Double]
            let depthTrunc: String
            let expertsMultiplier: Int
            let fixFirstLast: Bool
            let groupSize: Int?
            let stages: [[Block]]
            var testDescription: String { "\(arch.first?.first ?? "")… ×\(depthMultiplier)" }
        }
        struct Block: Decodable, Equatable {
            let type: String, out: Int, stride: Int, act: String?, groupSize: Int?
            let kernel: [Int]
            var startKernel: [Int]?, endKernel: [Int]?
            var expRatio: Double?, seRatio: Double?, noskip: Bool?, experts: Int?, forceIn: Int?, s2d: Int?
            var skip: Bool?, heads: Int?, keyDim: Int?, kvStride: Int?
        }
        struct Malformed: Decodable { let string: String; let timmError: String? }
        let calls: [Call]
        let malformed: [Malformed]
    }

    /// Read once; missing or unreadable, every test that needs it fails with the reason.
    static func fixture() throws -> Fixture { try loaded.get() }

    private static let loaded = Result { () throws -> Fixture in
        guard let url = Bundle.module.url(forResource: "Fixtures/efficientnet_arch", withExtension: "json") else {
            throw MissingFixture(
                name: "efficientnet_arch.json", script: "tools/fixtures/make_efficientnet_arch_fixtures.py")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The spec's fields in the fixture's terms (only those timm sets for the block type).
    static func describe(_ spec: EfficientNetBlockSpec) -> Fixture.Block {
        var block = Fixture.Block(
            type: spec.type.rawValue, out: spec.outChannels, stride: spec.stride,
            act: spec.act?.rawValue, groupSize: spec.groupSize, kernel: spec.kernel)
        switch spec.type {
        case .ir, .ds, .dsa, .er:
            (block.startKernel, block.endKernel) = (spec.type == .ir ? spec.startKernel : [1], spec.endKernel)
            (block.expRatio, block.seRatio, block.noskip) = (spec.expRatio, spec.seRatio, spec.noskip)
            (block.experts, block.forceIn, block.s2d) = (spec.numExperts, spec.forceInChannels, spec.spaceToDepth)
        case .cn:
            block.skip = spec.skip
        case .uir:
            (block.startKernel, block.endKernel) = (spec.startKernel, spec.endKernel)
            (block.expRatio, block.noskip) = (spec.expRatio, spec.noskip)
        case .mha, .mqa:
            (block.heads, block.keyDim, block.kvStride, block.noskip) = (
                spec.numHeads, spec.keyDim, spec.kvStride, spec.noskip
            )
        }
        return block
    }

    @Test(arguments: try fixture().calls)
    func decodesAsTimm(call: Fixture.Call) throws {
        let stages = try EfficientNetArchDef.decode(
            call.arch, depthMultiplier: call.depthMultiplier,
            depthRounding: call.depthTrunc == "round" ? .round : .ceil,
            expertsMultiplier: call.expertsMultiplier, fixFirstLast: call.fixFirstLast, groupSize: call.groupSize)
        #expect(stages.map { $0.count } == call.stages.map { $0.count })
        for (ours, theirs) in zip(stages.joined(), call.stages.joined()) where Self.describe(ours) != theirs {
            Issue.record("ours \(Self.describe(ours))\ntimm \(theirs)")
            break
        }
    }

    /// Strings timm rejects get an error naming the string and what is wrong.
    @Test func malformedStringsAreRejectedWithTheirName() throws {
        let malformed = try Self.fixture().malformed
        #expect(!malformed.isEmpty)
        for entry in malformed {
            #expect(entry.timmError != nil, "timm accepts \(entry.string)")
            do {
                _ = try EfficientNetArchDef.decodeBlock(entry.string)
                Issue.record("\(entry.string) decoded; timm raises \(entry.timmError ?? "nothing")")
            } catch {
                #expect(error.description.contains(entry.string), "\(error)")
            }
        }
    }
}
