import Foundation
import Zoo

/// Whole-model forward speed: resnet50 (and resnet18) in eval mode at batch 8, 224×224.
/// `tools/bench_model.py` runs PyTorch on the same shapes in the same session and prints the ratio.
enum ModelBench {
    static func run(batch: Int = 8, runs: Int = 5) {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([batch, 3, 224, 224], using: &rng)
        for name in ["resnet18", "resnet50"] {
            guard let model = try? createModel(name) else { continue }
            model.eval()
            let seconds = medianSeconds(runs: runs) { _ = withNoGrad { model(x) } }
            print(
                "\(name) forward, batch \(batch): median \(format(seconds * 1000, 1)) ms, \(format(Double(batch) / seconds, 1)) images/s"
            )
            let json = JSONValue.object([
                ("model", .string(name)), ("batch", .int(batch)), ("seconds", .double(seconds)),
            ])
            print("BENCH_JSON " + json.serialized())
        }
    }
}
