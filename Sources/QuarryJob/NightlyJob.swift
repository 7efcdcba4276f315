// Quarry — the nightly job: extract → map → resolve → load, then checks, then publication.

import Foundation
import QuarryCore
import QuarryLoad
import QuarryQualys
import QuarryTransform

/// Why a run refused to publish although every stage worked.
public enum JobError: Error, Equatable, CustomStringConvertible {
    /// A source returned no records at all.
    case emptySource(api: String)
    /// The snapshot has no machine.
    case emptySnapshot
    /// Far fewer machines than the last published snapshot.
    case collapsed(assets: Int, previous: Int, previousDate: String, minRatio: Double)

    public var description: String {
        switch self {
        case .emptySource(let api):
            return "source \(api) returned no records; nothing was published "
                + "(set quality.allowEmpty to publish anyway)"
        case .emptySnapshot:
            return "the snapshot would hold no machine; nothing was published (set quality.allowEmpty to publish anyway)"
        case let .collapsed(assets, previous, date, ratio):
            return "the snapshot would hold \(assets) machines against \(previous) on \(date) "
                + "(below quality.minRatioToPrevious \(ratio)); nothing was published"
        }
    }
}

/// What a published run leaves behind.
public struct JobResult: Sendable {
    public var manifest: Manifest
    public var report: RunReport
    public var manifestPath: String
}

/// Runs the pipeline of one night and publishes its snapshot.
public enum NightlyJob {
    /// - Parameter counters: the run's counters (pass your own to watch progress).
    public static func run(_ options: JobOptions, logger: Logger,
                           counters: RunCounters = RunCounters()) async throws -> JobResult {
        let config = options.config
        let started = Date()
        let cpuAtStart = ProcessStats.cpuSeconds()
        let runID = makeRunID(started)
        let outputDir = config.output.dir
        let state = StateFiles(outputDir: outputDir)

        let schemas = try loadSchemas(config)
        let identity = try IdentityState.load(path: state.identityPath)
        let credentials = try resolveCredentials(options)
        let extractor: QualysExtractor
        do {
            extractor = try QualysExtractor(settings: config.qualys, credentials: credentials, logger: logger,
                                            counters: counters, record: options.record, replay: options.replay)
        } catch let error as ExtractError {
            if case .replay(let detail) = error {
                throw ConfigError(file: "command line", key: "--replay", problem: detail)
            }
            throw error
        } catch {
            // Only the recorder's folder can fail here.
            throw ConfigError(file: "command line", key: "--record",
                              problem: "cannot create the folder \(options.record?.path ?? "?") "
                                  + "(\((error as NSError).localizedDescription))")
        }
        // The transform counts into its own bag so that a checkpoint keeps only what extraction
        // found (the transform finds its warnings again when spooled records are replayed).
        let transformCounters = RunCounters()
        let transformer = try Transformer(schemas: schemas, state: identity, settings: config.transform,
                                          counters: transformCounters, logger: logger)
        try prepareOutput(config)
        let writer = try SnapshotWriter(outputDir: outputDir, snapshotDate: options.snapshotDate, runID: runID,
                                        tables: schemas.tables, settings: config.output, logger: logger)
        let sources = SourceState(outputDir: outputDir)
        // Checkpoints make no sense when the responses come from a folder already.
        let checkpoint = options.replay == nil
            ? Checkpoint(outputDir: outputDir, snapshotDate: options.snapshotDate, settings: config.qualys,
                         origin: options.origin) : nil
        logger.notice("run.started", [
            ("run_id", runID), ("pipeline", config.name), ("snapshot_date", options.snapshotDate),
            ("sources", config.qualys.sources.map(\.rawValue).joined(separator: ",")), ("output", outputDir),
            ("mode", options.replay != nil ? "replay" : "live"),
        ])

        do {
            let collected = Collected()
            let drift = DriftSampler(schemas: schemas)
            let repaired = RepairLog()
            var pipeline = Pipeline(logger: logger)
            let records = pipeline.channel(SourceRecord.self, capacity: config.channelCapacity)
            let rows = pipeline.channel(RowBatch.self, capacity: config.channelCapacity)
            let fanIn = FanIn(records, producers: config.qualys.sources.count)
            for api in config.qualys.sources {
                pipeline.stage("extract.\(api)", outputs: [fanIn]) { ctx in
                    var resumed = 0
                    let entry = checkpoint?.entry(api)
                    let incremental = checkpoint.flatMap {
                        sources.since(api, settings: config.qualys, fingerprint: $0.fingerprint,
                                      snapshotDate: options.snapshotDate, forceFull: options.full)
                    }
                    let tracker = PullTracker(api: api, incremental: incremental != nil)
                    if let checkpoint, let entry {
                        try await checkpoint.replay(api, entry: entry, batchSize: config.batchSize,
                                                    counters: counters) { batch in
                            tracker.saw(batch)
                            try await ctx.send(batch, to: records)
                        }
                        resumed = entry.records
                        ctx.logger.notice("extract.resumed", [("api", api.rawValue), ("records", resumed),
                                                              ("from", entry.cursor.position)])
                    }
                    try checkpoint?.open(api, entry: entry)
                    if let incremental {
                        ctx.logger.notice("extract.incremental", [
                            ("api", api.rawValue), ("changed_since", Timestamp.format(Int64(incremental.since.timeIntervalSince1970))),
                            ("last_full_pull", incremental.mark.lastFullPull),
                        ])
                    }
                    var summary = try await extractor.extract(
                        api, batchSize: config.batchSize, since: incremental?.since, resumeFrom: entry?.cursor,
                        onPage: { cursor in
                            try checkpoint?.pageDone(api, cursor: cursor, records: cursor.recordsDone,
                                                     counters: counters)
                        },
                        emit: { batch in
                            tracker.saw(batch)
                            checkpoint?.append(api, batch)
                            try await ctx.send(batch, to: records)
                        }
                    )
                    summary.records += resumed
                    summary.pages = summary.cursor.pagesDone
                    if let incremental {
                        // The records that did not change come from last night's spool.
                        let unchanged = try await sources.replay(
                            api, mark: incremental.mark, skip: tracker.changedIDs, batchSize: config.batchSize
                        ) { batch in
                            tracker.sawUnchanged(batch)
                            checkpoint?.append(api, batch)
                            try await ctx.send(batch, to: records)
                        }
                        summary.records += unchanged
                        tracker.unchanged = unchanged
                    }
                    if let length = try checkpoint?.finishSpool(api) {
                        tracker.spoolLength = length
                        tracker.lastFullPull = incremental?.mark.lastFullPull ?? options.snapshotDate
                        tracker.records = summary.records
                        collected.add(tracker)
                    }
                    collected.add(summary)
                    ctx.logger.info("stage.finished", [("stage", "extract.\(api)"), ("records", summary.records),
                                                       ("pages", summary.pages), ("retries", summary.retries)])
                }
            }
            pipeline.stage("transform", outputs: [rows]) { ctx in
                while let batch = try await ctx.receive(from: records) {
                    drift.observe(batch)
                    repaired.observe(batch)
                    let mapped = transformer.map(batch)
                    try await ctx.send(mapped, to: rows, records: mapped.reduce(0) { $0 + $1.rows.count })
                }
                let (newState, stats) = try await transformer.finish(
                    snapshotDate: options.snapshotDate, batchRows: config.batchSize
                ) { batch in
                    try await ctx.send([batch], to: rows, records: batch.rows.count)
                }
                collected.set(state: newState, stats: stats)
                counters.absorb(transformCounters)
                let rejects = FixedTables.rejectRows(counters.rejects)
                try await ctx.send([rejects], to: rows, records: rejects.rows.count)
            }
            pipeline.stage("load") { ctx in
                let observer = ReportObserver(tables: schemas.tables)
                while let batches = try await ctx.receive(from: rows) {
                    for batch in batches {
                        observer.observe(batch)
                        try writer.write(batch)
                    }
                    try Task.checkCancellation()
                }
                collected.set(observer: observer)
            }
            let stageReports = try await pipeline.run()

            var report = makeReport(runID: runID, options: options, counters: counters, collected: collected,
                                    stages: stageReports, tables: schemas.tables, writer: writer)
            report.quality += drift.findings()
            report.repairedRecords = repaired.entries
            try checkQuality(config: config, report: &report, collected: collected, state: state,
                             snapshotDate: options.snapshotDate, logger: logger)
            report.seconds = Date().timeIntervalSince(started)
            report.cpuSeconds = ProcessStats.cpuSeconds() - cpuAtStart
            report.peakRSSBytes = ProcessStats.peakRSSBytes()

            var sourceCounts: [String: Int] = [:]
            for s in report.sources { sourceCounts[s.api] = s.records }
            // Records left out count as rejects; values dropped from records that were kept
            // ("warning: …") are counted apart, as `warnings.<source>`.
            var rejectCounts: [String: Int] = [:]
            for r in counters.rejects {
                rejectCounts[r.reason.hasPrefix("warning:") ? "warnings.\(r.source)" : r.source, default: 0] += 1
            }
            let manifest = try writer.publish(summary: ManifestSummary(
                startedAt: Int64(started.timeIntervalSince1970), sources: sourceCounts, rejects: rejectCounts,
                report: report.json
            ))
            if let checkpoint {
                for t in collected.trackers {
                    let mark = SourceState.Mark(fingerprint: checkpoint.fingerprint, highWaterMark: t.highWaterMark,
                                                lastFullPull: t.lastFullPull, records: t.records,
                                                spoolLength: t.spoolLength)
                    do {
                        try sources.promote(t.api, spool: checkpoint.spoolPath(t.api), mark: mark)
                    } catch {
                        // The snapshot is published; tomorrow pulls this API whole instead.
                        logger.warning("state.sources_not_saved", [("api", t.api.rawValue), ("error", "\(error)")])
                    }
                }
                checkpoint.clear()
            }
            if let newState = collected.identity {
                do {
                    try newState.save(path: state.identityPath)
                } catch {
                    logger.critical("state.not_saved", [("path", state.identityPath), ("error", "\(error)")])
                    throw error
                }
            }
            let manifestPath = "\(outputDir)/_manifests/snapshot_date=\(options.snapshotDate)/manifest.json"
            return JobResult(manifest: manifest, report: report, manifestPath: manifestPath)
        } catch {
            writer.abort()
            throw error
        }
    }

    static func makeRunID(_ date: Date) -> String {
        let stamp = Timestamp.format(Int64(date.timeIntervalSince1970))
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return "\(stamp)-\(String(format: "%08x", UInt32.random(in: 0...UInt32.max)))"
    }

    /// The schema folder of the pipeline, with an error that names the pipeline's key.
    public static func loadSchemas(_ config: PipelineConfig) throws -> SchemaSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.transform.schemasDir, isDirectory: &isDir), isDir.boolValue
        else {
            throw ConfigError(file: config.file, key: "transform.schemas",
                              problem: "the schema folder \(config.transform.schemasDir) does not exist "
                                  + "(relative paths are taken from the pipeline file's folder; the default is ../schemas)")
        }
        return try SchemaSet.load(directory: config.transform.schemasDir)
    }

    /// Creates the output folder, or says which setting points where it cannot be.
    static func prepareOutput(_ config: PipelineConfig) throws {
        let dir = config.output.dir
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw ConfigError(file: config.file, key: "output.dir (or --output)",
                                  problem: "\(dir) is a file, expected a folder")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw ConfigError(file: config.file, key: "output.dir (or --output)",
                                  problem: "cannot create the folder \(dir) (\((error as NSError).localizedDescription))")
            }
        }
        guard access(dir, W_OK) == 0 else {
            throw ConfigError(file: config.file, key: "output.dir (or --output)", problem: "\(dir) is not writable")
        }
    }

    static func resolveCredentials(_ options: JobOptions) throws -> Credentials? {
        if let given = options.credentials { return given }
        if options.replay != nil { return nil }
        do {
            return try Credentials.resolve(settings: options.config.qualys, environment: options.environment)
        } catch let error as ExtractError {
            // Missing or unsafe credentials are a set-up problem: exit status 2.
            throw ConfigError(file: options.config.qualys.credentialsFile ?? "environment",
                              key: options.config.qualys.credentialsFile == nil ? "QUALYS_USERNAME/QUALYS_PASSWORD" : "",
                              problem: error.description)
        }
    }
}

// MARK: - Report and checks

extension NightlyJob {
    static func makeReport(runID: String, options: JobOptions, counters: RunCounters, collected: Collected,
                           stages: [StageReport], tables: [TableSchema], writer: SnapshotWriter) -> RunReport {
        var report = RunReport(runID: runID, snapshotDate: options.snapshotDate, outputDir: options.config.output.dir)
        for s in collected.summaries.sorted(by: { $0.api < $1.api }) {
            report.sources.append(.init(api: s.api.rawValue, records: s.records, pages: s.pages, requests: s.requests,
                                        retries: s.retries, http409: s.http409, duplicates: s.duplicates,
                                        repairs: s.repairs))
            if let t = collected.trackers.first(where: { $0.api == s.api }), t.isIncremental {
                report.sources[report.sources.count - 1].mode = "incremental"
                report.sources[report.sources.count - 1].unchanged = t.unchanged
            }
        }
        for r in counters.rejects { report.rejectsByReason["\(r.source): \(r.reason)", default: 0] += 1 }
        if let stats = collected.stats {
            report.recordsBeforeDedup = stats.records
            report.assetsAfterDedup = stats.assets
            report.recordsByMatchRule = stats.rules
            report.identity = ["new": stats.uidsNew, "kept": stats.uidsReused, "merged": stats.uidsMerged,
                               "refused_conflicts": stats.refusedConflicts, "shared_keys": stats.sharedKeys]
        }
        if let observer = collected.observer {
            report.recordsBySensor = observer.recordsBySensor
            report.coverage = observer.coverage
        }
        report.stages = stages
        for t in tables { report.tableRows[t.name] = writer.rowCount(t.name) }
        for api in SourceAPI.allCases {
            for (k, v) in counters.withPrefix("\(api).unknown_element.") { report.unknownElements["\(api).\(k)"] = v }
        }
        report.textRepairs = counters.withPrefix("text_repairs.")
        return report
    }

    static func checkQuality(config: PipelineConfig, report: inout RunReport, collected: Collected,
                             state: StateFiles, snapshotDate: String, logger: Logger) throws {
        let allow = config.quality.allowEmpty
        for s in report.sources where s.records == 0 {
            report.quality.append("source \(s.api) returned no records")
            if !allow { throw JobError.emptySource(api: s.api) }
            logger.warning("quality.empty_source", [("source", s.api)])
        }
        let assets = report.tableRows["assets"] ?? 0
        if assets == 0 {
            report.quality.append("the snapshot holds no machine")
            if !allow { throw JobError.emptySnapshot }
        }
        if let previous = state.previousSnapshot(before: snapshotDate), previous.assets > 0 {
            let ratio = Double(assets) / Double(previous.assets)
            report.quality.append(String(format: "machines %d against %d on %@ (ratio %.3f)", assets, previous.assets,
                                         previous.date, ratio))
            if ratio < config.quality.minRatioToPrevious {
                if !allow {
                    throw JobError.collapsed(assets: assets, previous: previous.assets, previousDate: previous.date,
                                             minRatio: config.quality.minRatioToPrevious)
                }
                logger.warning("quality.collapsed", [("assets", assets), ("previous", previous.assets)])
            }
        }
    }
}

/// What the stages hand back to the job, set from their tasks. Guarded by `lock`.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var _summaries: [ExtractSummary] = []
    private var _identity: IdentityState?
    private var _stats: ResolveStats?
    private var _observer: ReportObserver?

    private var _trackers: [PullTracker] = []
    func add(_ s: ExtractSummary) { lock.withLock { _summaries.append(s) } }
    func add(_ t: PullTracker) { lock.withLock { _trackers.append(t) } }
    var trackers: [PullTracker] { lock.withLock { _trackers } }
    func set(state: IdentityState, stats: ResolveStats) { lock.withLock { _identity = state; _stats = stats } }
    func set(observer: ReportObserver) { lock.withLock { _observer = observer } }
    var summaries: [ExtractSummary] { lock.withLock { _summaries } }
    var identity: IdentityState? { lock.withLock { _identity } }
    var stats: ResolveStats? { lock.withLock { _stats } }
    var observer: ReportObserver? { lock.withLock { _observer } }
}

/// What one API's pull tonight was: which records changed, and the high-water mark. Used by
/// that API's extract stage only, then read after the pipeline has ended.
final class PullTracker: @unchecked Sendable {
    let api: SourceAPI
    let isIncremental: Bool
    // TODO(memory): one String per changed record ID; a night where most of a million records
    // changed holds ~50 MB here.
    private(set) var changedIDs = Set<String>()
    private(set) var highWaterMark: String?
    var unchanged = 0
    var spoolLength: UInt64 = 0
    var lastFullPull = ""
    var records = 0

    init(api: SourceAPI, incremental: Bool) {
        self.api = api
        isIncremental = incremental
    }

    /// Records the API sent tonight (or a resumed run spooled).
    func saw(_ batch: [SourceRecord]) {
        if isIncremental { for r in batch { changedIDs.insert(r.recordID) } }
        highWaterMark = SourceState.latestModified(batch, api: api, after: highWaterMark)
    }

    /// Records taken unchanged from last night: they still bound the high-water mark.
    func sawUnchanged(_ batch: [SourceRecord]) {
        highWaterMark = SourceState.latestModified(batch, api: api, after: highWaterMark)
    }
}

/// The records whose text was repaired while reading (BR-05, BR-17), with the fields, so the
/// report can say which hosts to look at. Keeps the first 1,000. Thread-safe.
final class RepairLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    private var seen = 0

    func observe(_ batch: [SourceRecord]) {
        for r in batch where !r.repairs.isEmpty {
            let fields = Array(Set(r.repairs.map(\.path))).sorted().joined(separator: "+")
            lock.withLock {
                seen += 1
                if list.count < 1000 { list.append("\(r.api) \(r.recordID): \(fields)") }
            }
        }
    }

    var entries: [String] {
        lock.withLock { seen > list.count ? list + ["… and \(seen - list.count) more"] : list }
    }
}
