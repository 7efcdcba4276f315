// Quarry — the subcommands: parse their options, then hand over to the job or the simulator.

import Foundation
import QuarryCore

enum Commands {
    static func validate(_ words: [String]) async throws -> ExitStatus {
        let args = try Arguments(command: "validate", words: words, options: [], flags: [])
        let path = try args.onePositional("PIPELINE.json")
        let config = try PipelineConfig.load(path: path)
        print("ok: \(path): pipeline \"\(config.name)\", sources \(config.qualys.sources.map(\.rawValue).joined(separator: ", ")), output \(config.output.dir)")
        return .published
    }

    static func run(_ words: [String]) async throws -> ExitStatus {
        _ = try Arguments(command: "run", words: words, options: [], flags: [])
        throw ConfigError(file: "command line", key: "quarry run", problem: "not wired yet")
    }

    static func demo(_ words: [String]) async throws -> ExitStatus {
        _ = try Arguments(command: "demo", words: words, options: [], flags: [])
        throw ConfigError(file: "command line", key: "quarry demo", problem: "not wired yet")
    }

    static func sim(_ words: [String]) async throws -> ExitStatus {
        _ = try Arguments(command: "sim", words: words, options: [], flags: [])
        throw ConfigError(file: "command line", key: "quarry sim", problem: "not wired yet")
    }
}
