// Quarry — benchmarks: `quarry-bench <area> [options]`, one figure per line.

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "parse":
    try await runParseBenchmark(Array(arguments.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: quarry-bench parse [--mb N] [--hosts-per-page N]\n".utf8))
    exit(2)
}
