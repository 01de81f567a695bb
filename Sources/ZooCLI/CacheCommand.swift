import ArgumentParser
import Foundation
import Zoo

/// `zoo cache list|rm|verify`: look after the local cache.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "List, remove or verify cached models ($ZOO_HOME, default ~/.cache/zoo).",
        subcommands: [List.self, Remove.self, Verify.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Cached models with their sizes.")
        func run() throws {
            let cache = HubCache(home: .fromEnvironment())
            for item in cache.entries() {
                print(
                    "\(item.name)\t\(ProgressBar.bytes(Double(item.modelSize)))\t\(item.verified ? "verified" : "unverified")\t\(item.source)"
                )
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove cached models matching a pattern.")
        @Argument(help: "A wildcard such as 'resnet50*'.") var pattern: String
        func run() throws {
            let removed = try HubCache(home: .fromEnvironment()).remove(matching: pattern)
            if removed.isEmpty { printError("nothing cached matches \"\(pattern)\"") }
            for name in removed { print("removed \(name)") }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Recompute every cached file's SHA-256.")
        func run() throws {
            let problems = try HubCache(home: .fromEnvironment()).verify { name, ok in
                print("\(ok ? "ok" : "CORRUPT")\t\(name)")
            }
            if problems > 0 { throw ExitCode(1) }
        }
    }
}
