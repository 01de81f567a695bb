import Foundation
import Testing
import ZooTensor

@testable import ZooData

/// The random training transforms against timm's/torchvision's distributions
/// (tools/fixtures/make_augment_fixtures.py), and their reproducibility.
@Suite struct TrainTransformTests {
    struct Augment: Decodable {
        struct Crops: Decodable {
            let width: Int, height: Int, draws: Int
            let area_bins: [Double], area_histogram: [Int], log_ratio_bins: [Double], log_ratio_histogram: [Int]
            let mean_area: Double, fallback_share: Double
        }
        struct MixupFixture: Decodable {
            let draws: Int, mean_lambda: Double, lambda_bins: [Double], lambda_histogram: [Int]
            let labels: [Int], lambda: Double, targets: [Double]
        }
        struct Folder: Decodable { let names: [String], classes: [String] }
        let crops: [Crops]
        let flip_rate: Double
        let mixup: MixupFixture
        let image_folder: Folder
    }

    static func fixture() throws -> Augment { try Fixtures.json("augment.json", as: Augment.self) }

    /// Shares per bin; two samples of 20000 agree within 0.02 per bin.
    static func histogram(_ values: [Double], bins: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: bins.count - 1)
        for v in values {
            let clamped = min(max(v, bins.first!), bins.last!)
            let k = min(bins.lastIndex { $0 <= clamped }!, counts.count - 1)
            counts[k] += 1
        }
        return counts.map { Double($0) / Double(values.count) }
    }

    @Test func randomResizedCropMatchesTimmDistribution() throws {
        for expected in try Self.fixture().crops {
            var rng = RandomGenerator(seed: 7)
            var areas = [Double](), ratios = [Double](), fallback = 0
            for _ in 0..<expected.draws {
                let box = TrainTransform.randomResizedCropBox(
                    width: expected.width, height: expected.height,
                    scale: 0.08...1, ratio: 0.75...(4.0 / 3), using: &rng)
                #expect(
                    box.left >= 0 && box.top >= 0 && box.left + box.width <= expected.width
                        && box.top + box.height <= expected.height)
                areas.append(Double(box.width * box.height) / Double(expected.width * expected.height))
                ratios.append(log(Double(box.width) / Double(box.height)))
                if (box.width == expected.width || box.height == expected.height)
                    && box.top == (expected.height - box.height) / 2 && box.left == (expected.width - box.width) / 2
                {
                    fallback += 1
                }
            }
            let ours = Self.histogram(areas, bins: expected.area_bins)
            let theirs = expected.area_histogram.map { Double($0) / Double(expected.draws) }
            #expect(zip(ours, theirs).allSatisfy { abs($0 - $1) < 0.02 }, "area shares \(ours) vs timm \(theirs)")
            let oursRatio = Self.histogram(ratios, bins: expected.log_ratio_bins)
            let theirsRatio = expected.log_ratio_histogram.map { Double($0) / Double(expected.draws) }
            #expect(
                zip(oursRatio, theirsRatio).allSatisfy { abs($0 - $1) < 0.02 },
                "aspect shares \(oursRatio) vs timm \(theirsRatio)")
            #expect(abs(Double(fallback) / Double(expected.draws) - expected.fallback_share) < 0.01)
        }
    }

    @Test func flipRateMatchesTorchvision() throws {
        let expected = try Self.fixture().flip_rate
        var augmentation = TrainAugmentation()
        augmentation.colorJitter = nil
        augmentation.scale = 1...1
        augmentation.ratio = 1...1
        let transform = try TrainTransform(
            DataConfig(inputSize: [1, 2, 2], interpolation: "bilinear", mean: [0], std: [1]), augmentation)
        let image = Image(width: 2, height: 2, mode: .gray, pixels: [0, 255, 0, 255])
        var flipped = 0
        for i in 0..<4000 {
            var rng = RandomGenerator(seed: 1, stream: UInt64(i))
            if transform.image(image, using: &rng).pixels[0] == 255 { flipped += 1 }
        }
        #expect(
            abs(Double(flipped) / 4000 - expected) < 0.03,
            "flip rate \(Double(flipped) / 4000) vs torchvision \(expected)")
    }

    @Test func mixupMatchesTimm() throws {
        let expected = try Self.fixture().mixup
        let mixup = Mixup(numClasses: 10)
        let targets = mixup.softTargets(expected.labels, lambda: expected.lambda)
        #expect(zip(targets, expected.targets).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        var rng = RandomGenerator(seed: 3)
        var lambdas = [Double]()
        var values = [Float](repeating: 0, count: 8 * 3 * 32 * 32)
        // A quarter of timm's draws keeps the debug build quick; λ has sd 0.33, so 0.02 is 4 standard errors.
        for _ in 0..<5000 {
            lambdas.append(
                mixup.apply(inputs: &values, shape: [8, 3, 32, 32], labels: expected.labels, using: &rng).lambda)
        }
        let mean = lambdas.reduce(0, +) / Double(lambdas.count)
        #expect(abs(mean - expected.mean_lambda) < 0.02, "mean λ \(mean) vs timm \(expected.mean_lambda)")
        let ours = Self.histogram(lambdas, bins: expected.lambda_bins)
        let theirs = expected.lambda_histogram.map { Double($0) / Double(expected.draws) }
        #expect(zip(ours, theirs).allSatisfy { abs($0 - $1) < 0.02 }, "λ shares \(ours) vs timm \(theirs)")
    }

    @Test func mixupMixesPixelsWithTheReversedBatch() {
        var values: [Float] = [1, 1, 0, 0]  // two 1x1x2 samples
        var mixup = Mixup(numClasses: 2, mixupAlpha: 0.8, cutmixAlpha: 0)
        mixup.labelSmoothing = 0
        var rng = RandomGenerator(seed: 5)
        let (lambda, targets) = mixup.apply(inputs: &values, shape: [2, 1, 1, 2], labels: [0, 1], using: &rng)
        #expect(abs(values[0] - Float(lambda)) < 1e-6 && abs(values[2] - Float(1 - lambda)) < 1e-6)
        #expect(abs(targets[0] - Float(lambda)) < 1e-6 && abs(targets[1] - Float(1 - lambda)) < 1e-6)
    }

    @Test func augmentationIsReproducibleAndSeedDependent() throws {
        let photo = try Image(contentsOf: Fixtures.path("decode-chelsea_420_q90.jpg"))
        for policy in [nil, "rand-m9-mstd0.5-inc1", "trivialaugment"] {
            var augmentation = TrainAugmentation()
            augmentation.autoAugment = policy
            augmentation.reProb = 0.5
            let transform = try TrainTransform(DataConfig(inputSize: [3, 48, 48]), augmentation)
            var a = RandomGenerator(seed: 11, stream: 2), b = RandomGenerator(seed: 11, stream: 2),
                c = RandomGenerator(seed: 12, stream: 2)
            let x = transform(photo, using: &a).toArray(), y = transform(photo, using: &b).toArray(),
                z = transform(photo, using: &c).toArray()
            #expect(x == y, "\(policy ?? "jitter"): same seed, different output")
            #expect(x != z, "\(policy ?? "jitter"): another seed, same output")
        }
    }

    @Test func randAugmentParsesTimmPolicies() throws {
        let ra = try AutoAugment("rand-m9-mstd0.5-inc1")
        #expect(
            ra.magnitude == 9 && ra.magnitudeStd == 0.5 && ra.layers == 2 && ra.probability == 0.5
                && ra.ops == AutoAugment.increasing)
        let ta = try AutoAugment("trivialaugment")
        #expect(ta.layers == 1 && ta.probability == 1 && ta.magnitudeStd == .infinity)
        #expect(throws: DataError.self) { try AutoAugment("augmix-m5") }
    }

    @Test func imageFolderOrdersClassesAsTorchvision() throws {
        let expected = try Self.fixture().image_folder
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-folder-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let png = try Fixtures.bytes("decode-rgb8.png")
        for name in expected.names {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + "/" + name + "/x.png", contents: Data(png))
        }
        let folder = try ImageFolder(root: root)
        #expect(folder.classNames == expected.classes)
        #expect(folder.files.map(\.label) == Array(0..<expected.classes.count))
    }
}
