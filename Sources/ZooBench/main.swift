import Foundation
import Zoo

// zoo-bench: prints medians and ratios. Build with -c release; never run as a test.
// usage: zoo-bench [conv] ...
let arguments = Array(CommandLine.arguments.dropFirst())
let suites = arguments.isEmpty ? ["conv"] : arguments
for suite in suites {
    switch suite {
    case "conv": ConvBench.run()
    default:
        FileHandle.standardError.write("zoo-bench: unknown suite '\(suite)' (known: conv)\n".data(using: .utf8)!)
        exit(2)
    }
}
