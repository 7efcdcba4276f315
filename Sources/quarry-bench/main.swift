// Quarry — benchmark runner: `quarry-bench <name> [args]`; each prints one figure per line.

import Foundation

let benchArgs = Array(CommandLine.arguments.dropFirst())
switch benchArgs.first {
case "channel":
    try await runChannelBenchmark(Array(benchArgs.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: quarry-bench channel [N]\n".utf8))
    exit(2)
}
