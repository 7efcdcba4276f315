// Quarry — benchmark runner: `quarry-bench <area> [args]`.

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "write":
    try await runWriteBenchmark(Array(arguments.dropFirst()))
default:
    print("usage: quarry-bench write [ROWS]")
}
