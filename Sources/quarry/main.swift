// Quarry — entry point: dispatch to a subcommand, map errors to exit statuses.

import Foundation
import QuarryCore

/// Exit statuses of the contract.
enum ExitStatus: Int32 {
    case published = 0
    case failed = 1
    case usage = 2
}

/// Runs `body`, turning SIGINT/SIGTERM into cancellation so a stopped run publishes nothing.
func runCancellable(_ body: @escaping @Sendable () async throws -> ExitStatus) async -> Result<ExitStatus, Error> {
    let task = Task { try await body() }
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    return await task.result
}

/// Whether the command line asked for JSON log lines (then the final error is one too).
let wantsJSONLog: Bool = {
    let args = CommandLine.arguments
    return args.contains("--log-format=json")
        || zip(args, args.dropFirst()).contains { $0 == "--log-format" && $1 == "json" }
}()

func printError(_ text: String) {
    let line = wantsJSONLog
        ? "{\"time\":\(JSONText.quote(Timestamp.format(Int64(Date().timeIntervalSince1970)))),"
            + "\"level\":\"error\",\"message\":\"run.failed\",\"error\":\(JSONText.quote(text))}"
        : "quarry: \(text)"
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

let words = Array(CommandLine.arguments.dropFirst())
let status: ExitStatus
switch words.first {
case nil, "--help", "-h", "help":
    print(Help.text)
    status = words.isEmpty ? .usage : .published
case "--version":
    print("quarry \(QuarryVersion.current)")
    status = .published
case let command?:
    let rest = Array(words.dropFirst())
    let result = await runCancellable {
        switch command {
        case "validate": return try await Commands.validate(rest)
        case "run": return try await Commands.run(rest)
        case "demo": return try await Commands.demo(rest)
        case "sim": return try await Commands.sim(rest)
        default:
            throw ConfigError(file: "command line", key: "quarry \(command)",
                              problem: "unknown subcommand; expected run, demo, sim or validate (see quarry --help)")
        }
    }
    switch result {
    case .success(let s):
        status = s
    case .failure(let error as ConfigError):
        printError(error.description)
        status = .usage
    case .failure(is CancellationError):
        printError("stopped by a signal; nothing new was published")
        status = .failed
    case .failure(let error):
        printError(String(describing: error))
        status = .failed
    }
}
exit(status.rawValue)
