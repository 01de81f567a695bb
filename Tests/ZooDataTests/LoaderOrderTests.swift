// The shuffled loader's order is a documented algorithm (docs/data.md, "Data order"): the
// reference script tools/parity/make_finetune_recipe_fixtures.py reproduces it in Python
// (`zoo_order`) to train PyTorch in the order `zoo finetune --seed S` takes. Here the two agree.

import Foundation
import Testing
import ZooData

@Suite struct LoaderOrderTests {
    struct Recipe: Decodable {
        struct CLI: Decodable { let seed: UInt64, order: [[Int]] }
        let cli: CLI
    }

    @Test func pythonsReproductionOfTheOrderIsTheLoaders() throws {
        let path = ParityFixtures.directory + "/finetune_recipe.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw FixtureError.missing("\(path) (run tools/parity/make_finetune_recipe_fixtures.py)")
        }
        let recipe = try JSONDecoder().decode(Recipe.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/photos/train").path
        let loader = DataLoader(
            try ImageFolder(root: photos), transform: EvalTransform(DataConfig(inputSize: [3, 32, 32])),
            options: LoaderOptions(batchSize: 16, shuffle: true, seed: recipe.cli.seed))
        #expect(!recipe.cli.order.isEmpty)
        for (epoch, order) in recipe.cli.order.enumerated() {
            #expect(loader.order(epoch: epoch) == order, "epoch \(epoch)")
        }
    }
}
