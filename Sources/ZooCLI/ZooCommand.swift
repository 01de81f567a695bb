import ArgumentParser
import Foundation
import Zoo

@main
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "A model zoo for Swift: find, pull, convert and fine-tune vision models.",
        version: "zoo \(Zoo.version)\nkernels: \(Zoo.kernelPath)",
        subcommands: [
            // One subcommand a file; keep this list one name a line.
            ListCommand.self,
            InfoCommand.self,
            LRCommand.self,
            PullCommand.self,
            PublishCommand.self,
            CacheCommand.self,
            PredictCommand.self,
            EvaluateCommand.self,
            ConvertCommand.self,
            InspectCommand.self,
            FinetuneCommand.self,
            BenchCommand.self,
        ]
    )

    static func main() {
        // Idle OpenMP (oneDNN) and OpenBLAS workers sleep instead of spinning: restarts once with
        // OMP_WAIT_POLICY / OPENBLAS_THREAD_TIMEOUT set, unless the user set them.
        // The core zoo chose for OpenBLAS is in OPENBLAS_CORETYPE now; the restarted program chooses again.
        // Not for the registry-only commands: the restart costs a second process start-up (about
        // 25 ms of CPU, half of `zoo list`'s budget) and they run no kernels.
        if !["list", "info"].contains(CommandLine.arguments.dropFirst().first ?? "") {
            if !KernelPath.idleWorkerSettings(ProcessInfo.processInfo.environment).isEmpty
                && KernelPath.blasCoreChosenByOpenBLAS != KernelPath.blasCore
            {
                unsetenv("OPENBLAS_CORETYPE")
            }
            KernelPath.parkIdleWorkers()
        }
        main(nil)
    }
}
