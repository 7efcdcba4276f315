// Quarry — benchmarks: `quarry-bench <area> [options]`, figures one per line.

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "resolve":
    try await runResolveBenchmark(Array(arguments.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: quarry-bench resolve [--machines N] [--schemas DIR] [--score]\n".utf8))
    exit(2)
}
