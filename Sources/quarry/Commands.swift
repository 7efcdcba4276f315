// Quarry — the subcommands: parse their options, then hand over to the job or the simulator.

import Foundation
import QuarryCore
import QuarryJob
import QuarryQualys
import QuarrySimulator
import QuarryTransform

enum Commands {
    static func validate(_ words: [String]) async throws -> ExitStatus {
        let args = try Arguments(command: "validate", words: words, options: [], flags: [])
        let path = try args.onePositional("PIPELINE.json")
        let config = try PipelineConfig.load(path: path)
        let schemas = try NightlyJob.loadSchemas(config)
        if let file = config.qualys.credentialsFile {
            do {
                _ = try Credentials.load(file: file)
            } catch {
                throw ConfigError(file: path, key: "qualys.credentialsFile", problem: "\(error)")
            }
        }
        let tables = schemas.tables.map(\.name).joined(separator: ", ")
        print("ok: \(path): pipeline \"\(config.name)\"; sources \(config.qualys.sources.map(\.rawValue).joined(separator: ", "))"
            + "; API \(config.qualys.apiURL.absoluteString), gateway \(config.qualys.gatewayURL.absoluteString)"
            + "; schemas \(config.transform.schemasDir) (tables \(tables)); output \(config.output.dir)")
        return .published
    }

    static func run(_ words: [String]) async throws -> ExitStatus {
        let args = try Arguments(
            command: "run", words: words,
            options: ["output", "snapshot-date", "record", "replay", "log-format", "log-level"],
            flags: ["excel-copy", "full"]
        )
        let path = try args.onePositional("PIPELINE.json")
        let (logger, sink) = try makeLogger(args)
        var config = try PipelineConfig.load(path: path)
        if let out = args.string("output") { config.output.dir = resolve(out, base: FileManager.default.currentDirectoryPath) }
        if args.flags.contains("excel-copy") { config.output.excelCopy = true }
        if args.string("record") != nil, args.string("replay") != nil {
            throw args.usage("--record and --replay cannot be used together")
        }
        let replay = try args.string("replay").map { try existingFolder($0, option: "--replay", args: args) }
        let record = args.string("record").map { URL(fileURLWithPath: $0) }
        var options = JobOptions(config: config, snapshotDate: try args.date("snapshot-date"), record: record,
                                 replay: replay)
        options.full = args.flags.contains("full")
        let counters = RunCounters()
        let jobOptions = options
        let result = try await withProgress(sink: sink, counters: counters) {
            try await NightlyJob.run(jobOptions, logger: logger, counters: counters)
        }
        finish(result, logger: logger)
        return .published
    }

    static func demo(_ words: [String]) async throws -> ExitStatus {
        let args = try Arguments(
            command: "demo", words: words,
            options: ["output", "assets", "seed", "night", "faults", "ground-truth", "snapshot-date", "log-format",
                      "log-level", "pipeline"],
            flags: ["excel-copy", "full"]
        )
        try args.noPositionals()
        let (logger, sink) = try makeLogger(args)
        var options = DemoOptions()
        options.outputDir = args.string("output") ?? "demo-output"
        options.simulator = try simulatorConfig(args)
        options.groundTruth = args.string("ground-truth")
        options.snapshotDate = try args.date("snapshot-date")
        options.excelCopy = args.flags.contains("excel-copy")
        options.pipeline = args.string("pipeline")
        options.full = args.flags.contains("full")
        let counters = RunCounters()
        let demoOptions = options
        let result = try await withProgress(sink: sink, counters: counters) {
            try await Demo.run(demoOptions, logger: logger, counters: counters)
        }
        finish(result, logger: logger)
        var lines = ["", "Published to \(result.report.outputDir)", "Try it in DuckDB:"]
        lines += Demo.queries(outputDir: result.report.outputDir).map { "  " + $0 }
        print(lines.joined(separator: "\n"))
        return .published
    }

    static func sim(_ words: [String]) async throws -> ExitStatus {
        let args = try Arguments(
            command: "sim", words: words,
            options: ["port", "assets", "seed", "night", "faults", "latency", "ground-truth", "log-format", "log-level"],
            flags: []
        )
        try args.noPositionals()
        let (logger, _) = try makeLogger(args, defaultLevel: .info)
        var config = try simulatorConfig(args)
        config.latencyMS = try args.int("latency", range: 0...600_000) ?? 0
        let simulator = Simulator(config: config, logger: logger)
        let port = try simulator.start(port: try args.int("port", range: 0...65_535) ?? 0)
        if let path = args.string("ground-truth") { try simulator.writeGroundTruth(to: path) }
        print("listening on http://127.0.0.1:\(port)")
        fflush(stdout)
        // Serve until a signal cancels this task.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        simulator.stop()
        return .published
    }
}

// MARK: - Shared option handling

extension Commands {
    static func makeLogger(_ args: Arguments, defaultLevel: LogLevel = .notice) throws -> (Logger, StreamSink) {
        let format = try args.choice("log-format", ["text", "json"]).flatMap(StreamSink.Format.init) ?? .text
        let names = LogLevel.allCases.map(\.description)
        let level = try args.choice("log-level", names).flatMap(LogLevel.init(name:)) ?? defaultLevel
        let sink = StreamSink(format: format)
        return (Logger(minimumLevel: level, sink: sink), sink)
    }

    static func simulatorConfig(_ args: Arguments) throws -> SimulatorConfig {
        var c = SimulatorConfig()
        c.assets = try args.int("assets", range: 0...10_000_000) ?? c.assets
        c.seed = try args.uint64("seed") ?? c.seed
        c.night = try args.int("night", range: 1...3650) ?? c.night
        if let f = try args.choice("faults", FaultProfile.allCases.map(\.rawValue)) {
            c.faults = FaultProfile(rawValue: f)!
        }
        return c
    }

    static func existingFolder(_ path: String, option: String, args: Arguments) throws -> URL {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw args.usage("\(option) expects an existing folder, found \"\(path)\"")
        }
        return URL(fileURLWithPath: path)
    }

    /// Shows a progress line on a terminal while `body` runs.
    static func withProgress<T: Sendable>(sink: StreamSink, counters: RunCounters,
                                          _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let c = counters.all
                let parts = SourceAPI.allCases.compactMap { api in c["\(api).records"].map { "\(api) \($0)" } }
                if !parts.isEmpty { sink.progress("extracting: " + parts.joined(separator: ", ") + " records") }
            }
        }
        defer { ticker.cancel() }
        return try await body()
    }

    static func finish(_ result: JobResult, logger: Logger) {
        for line in result.report.lines { logger.notice(line) }
        logger.notice("run.published", [
            ("snapshot_date", result.report.snapshotDate), ("assets", result.report.tableRows["assets"] ?? 0),
            ("manifest", result.manifestPath), ("seconds", String(format: "%.1f", result.report.seconds)),
        ])
    }
}
