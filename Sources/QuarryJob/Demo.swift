// Quarry — `quarry demo`: the built-in simulator and the default pipeline, on 127.0.0.1.

import Foundation
import QuarryCore
import QuarryQualys
import QuarrySimulator

/// The options of `quarry demo`.
public struct DemoOptions: Sendable {
    public var outputDir: String = "demo-output"
    public var simulator = SimulatorConfig()
    public var groundTruth: String?
    public var snapshotDate: String?
    public var excelCopy = false
    /// The pipeline file to start from; the default one when nil.
    public var pipeline: String?
    /// Pull every API whole (no incremental pull).
    public var full = false

    public init() {}
}

public enum Demo {
    /// Starts the simulator, runs the default pipeline against it, stops the simulator.
    public static func run(_ options: DemoOptions, logger: Logger,
                           counters: RunCounters = RunCounters()) async throws -> JobResult {
        let pipelinePath = try options.pipeline ?? Resources.locate("pipelines/nightly-assets.json")
        var config = try PipelineConfig.load(path: pipelinePath)
        let simulator = Simulator(config: options.simulator, logger: logger)
        try simulator.start(port: 0)
        defer { simulator.stop() }
        if let path = options.groundTruth { try simulator.writeGroundTruth(to: path) }

        config.qualys.platform = nil
        config.qualys.apiURL = simulator.baseURL
        config.qualys.gatewayURL = simulator.baseURL
        config.qualys.credentialsFile = nil
        config.output.dir = absolute(options.outputDir)
        config.output.excelCopy = config.output.excelCopy || options.excelCopy
        if options.pipeline == nil { config.transform.schemasDir = try Resources.locate("schemas") }
        // The simulator's `limits` profile keeps windows short; give the run room to wait them out.
        config.qualys.maxAttempts = max(config.qualys.maxAttempts, 10)

        // The simulated tenant lives on its own calendar (night 1 is 2026-03-02); a snapshot
        // dated today would call every machine "not seen recently".
        let snapshotDate = options.snapshotDate ?? Simulator.nightDate(options.simulator.night)
        let credentials = Credentials(username: options.simulator.username, password: options.simulator.password)
        logger.notice("demo.simulator", [("url", simulator.baseURL.absoluteString),
                                         ("assets", options.simulator.assets), ("seed", options.simulator.seed),
                                         ("night", options.simulator.night),
                                         ("faults", options.simulator.faults.rawValue)])
        var job = JobOptions(config: config, snapshotDate: snapshotDate, credentials: credentials)
        let sim = options.simulator
        // Nights of one tenant share an origin, so night 2 can pull incrementally from night 1.
        job.origin = "simulator assets=\(sim.assets) seed=\(sim.seed)"
        job.full = options.full
        return try await NightlyJob.run(job, logger: logger, counters: counters)
    }

    /// Two queries a user can paste into DuckDB to look at what was published.
    public static func queries(outputDir: String) -> [String] {
        let dir = absolute(outputDir)
        return [
            "SELECT asset_uid, name, os, sensors, ipv4 FROM read_json('\(dir)/ndjson/assets/*/*.ndjson.gz', "
                + "hive_partitioning = true) LIMIT 10;",
            "SELECT sensors, count(*) AS machines, count(*) FILTER (WHERE unmanaged) AS unmanaged FROM "
                + "read_csv('\(dir)/csv/coverage/*/*.csv.gz', hive_partitioning = true) GROUP BY sensors ORDER BY 2 DESC;",
        ]
    }

    static func absolute(_ path: String) -> String {
        resolve(path, base: FileManager.default.currentDirectoryPath)
    }
}

/// Finds files shipped with Quarry (`pipelines/`, `schemas/`): from the working folder, then
/// from the executable's folder upwards (a build under `.build/`), then from this source file's.
public enum Resources {
    public static func locate(_ relative: String) throws -> String {
        var starts = [FileManager.default.currentDirectoryPath]
        if let exe = Bundle.main.executablePath { starts.append(URL(fileURLWithPath: exe).deletingLastPathComponent().path) }
        starts.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().path)
        for start in starts {
            var dir = URL(fileURLWithPath: start).resolvingSymlinksInPath()
            while true {
                let candidate = dir.appendingPathComponent(relative).path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw ConfigError(file: relative, key: "", problem: "cannot find it beside the working folder or the quarry "
            + "executable; run from the Quarry checkout or pass a pipeline file")
    }
}
