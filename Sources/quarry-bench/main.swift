// Quarry — benchmark driver: `quarry-bench <area> [args]`.

import Foundation

let benchArgs = Array(CommandLine.arguments.dropFirst())
switch benchArgs.first {
case "sim"?:
    try await runSimBenchmark(Array(benchArgs.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: quarry-bench sim [--assets N] [--baseline N]\n".utf8))
    exit(2)
}
