import Foundation
import Zoo

/// `zoo-bench loader [DIR]`: images/s of zoo's DataLoader over a folder of JPEG photos (decode +
/// RandomResizedCrop(224, bilinear) + flip + normalize, batch 64, shuffled, all cores) against
/// torchvision's DataLoader with the same transforms and one worker per core
/// (tools/bench_loader.py), in one run. The folder defaults to .cache/bench-photos (made by
/// `tools/bench_loader.py --make` when missing).
enum LoaderBench {
    static func run() {
        let arguments = CommandLine.arguments.dropFirst().filter { $0 != "loader" }
        let root = arguments.first ?? ".cache/bench-photos"
        if !FileManager.default.fileExists(atPath: root) {
            guard shell(["/usr/bin/python3", "tools/bench_loader.py", "--make", root]) != nil else { exit(1) }
        }
        do {
            let data = try ImageFolder(root: root)
            var augmentation = TrainAugmentation()
            augmentation.interpolation = "bilinear"  // torchvision's RandomResizedCrop default
            augmentation.colorJitter = nil
            let transform = try TrainTransform(DataConfig(inputSize: [3, 224, 224]), augmentation)
            let loader = DataLoader(
                data, transform: transform, options: LoaderOptions(batchSize: 64, shuffle: true, seed: 0))
            func epoch(_ number: Int) throws -> Int {
                let iterator = loader.epoch(number)
                var count = 0
                while let batch = try iterator.next() { count += batch.labels.count }
                return count
            }
            _ = try epoch(0)
            var rates = [Double]()
            for number in 1...3 {
                var count = 0
                let time = try seconds { count = try epoch(number) }
                rates.append(Double(count) / time)
            }
            let zoo = median(rates)
            print("loader: \(data.count) JPEG photos in \(root), batch 64, \(LoaderOptions().workers) workers")
            print("zoo          \(format(zoo)) images/s")
            guard let line = shell(["/usr/bin/python3", "tools/bench_loader.py", root]),
                let torch = line.split(separator: " ").last.flatMap({
                    Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
                })
            else { exit(1) }
            print("torchvision  \(format(torch)) images/s")
            print("zoo / torchvision: \(format(zoo / torch, 2))x")
        } catch {
            print("loader: \(error)")
            exit(1)
        }
    }

    static func seconds(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs a command, returning its standard output (nil and a message when it fails).
    static func shell(_ command: [String]) -> String? {
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = pipe
        do { try process.run() } catch { print("cannot run \(command[0]): \(error)"); return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { print("\(command.joined(separator: " ")) failed"); return nil }
        return output
    }
}
