import Foundation
import Testing
import ZooDistributed

/// PyTorch's DistributedSampler, case by case (tools/fixtures/make_distributed_fixtures.py).
struct SamplerTests {
    struct Case: Decodable {
        let count: Int, size: Int, rank: Int
        let dropLast: Bool
        let indices: [Int]
        let perRank: Int
    }
    struct Fixture: Decodable { let cases: [Case] }

    static func cases() throws -> [Case] {
        let url = try #require(
            Bundle.module.url(forResource: "Fixtures/sampler", withExtension: "json"),
            "missing Fixtures/sampler.json: run tools/fixtures/make_distributed_fixtures.py")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    @Test func shardsAsPyTorchsDistributedSampler() throws {
        let cases = try Self.cases()
        #expect(cases.count > 100)
        for item in cases {
            let sampler = DistributedSampler(rank: item.rank, size: item.size, dropLast: item.dropLast)
            #expect(sampler.shard(0..<item.count) == item.indices, "\(item)")
            #expect(sampler.samplesPerProcess(of: item.count) == item.perRank, "\(item)")
        }
    }

    @Test func theRanksKthBatchesTogetherAreTheKthGlobalBatch() {
        let order = [9, 3, 7, 1, 0, 8, 2, 6, 5, 4, 11, 10], localBatch = 3, size = 2
        let shards = (0..<size).map { DistributedSampler(rank: $0, size: size).shard(order) }
        for k in 0..<order.count / (localBatch * size) {
            let global = Set(order[(k * localBatch * size)..<((k + 1) * localBatch * size)])
            let union = Set(shards.flatMap { $0[(k * localBatch)..<((k + 1) * localBatch)] })
            #expect(union == global)
        }
    }
}
