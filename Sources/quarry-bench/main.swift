// Quarry — benchmark runner: `quarry-bench <name> [args]`; each prints one figure per line.

import Foundation

let benchArgs = Array(CommandLine.arguments.dropFirst())
let rest = Array(benchArgs.dropFirst())
switch benchArgs.first {
case "channel": try await runChannelBenchmark(rest)
case "write": try await runWriteBenchmark(rest)
case "parse": try await runParseBenchmark(rest)
case "baseline": try await runBaselineBenchmark(rest)
case "resolve": try await runResolveBenchmark(rest)
case "sim": try await runSimBenchmark(rest)
default:
    FileHandle.standardError.write(Data("usage: quarry-bench channel|write|parse|baseline|resolve|sim [args]\n".utf8))
    exit(2)
}
