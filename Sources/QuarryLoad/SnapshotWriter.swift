// Quarry — writes a run's tables to staging and publishes them as one snapshot date.

import Foundation
import QuarryCore

/// The steps of `publish` where a test can inject a crash (`SnapshotWriter.crashPoint`).
public enum PublishStep: String, Sendable, CaseIterable {
    /// Files and journal are in staging; nothing visible has changed.
    case beforeRenames
    /// The old manifest folder and the first table partition have been swapped.
    case betweenRenames
    /// Every partition is in place; the new manifest is not.
    case beforeManifest
    /// The manifest is in place; `_SUCCESS` is not.
    case beforeSuccess
    /// `_SUCCESS` is written; the staging folder is not yet removed.
    case afterSuccess
}

/// Writes every table of one run as gzip CSV and NDJSON Hive partitions and publishes them.
///
/// Lifecycle: `init` takes the output folder's lock (`DIR/.quarry.lock`), rolls back and
/// removes staging folders of dead runs, and opens `DIR/.staging-<runid>/`; `write` adds
/// batches; `publish` moves everything into place and writes the manifest and `_SUCCESS`
/// last; `abort` removes the staging folder. The publish sequence and its crash guarantees
/// are described in docs/output.md.
///
/// Thread safety: every public method takes `lock`; use it from one stage.
public final class SnapshotWriter: @unchecked Sendable {
    public let outputDir: String
    public let snapshotDate: String
    public let runID: String
    public let settings: OutputSettings
    /// Tests only: throw `LoadError.simulatedCrash` at this step and behave as a killed process.
    public var crashPoint: PublishStep?

    private let logger: Logger
    private let lock = NSLock()
    private let staging: Staging
    private var tables: [TableSchema]
    private var sinks: [String: TableSink] = [:]
    private var excel: ExcelCopyWriter?
    private var lockFD: Int32 = -1
    private var state = State.open
    private let startedAt = Int64(Date().timeIntervalSince1970)

    private enum State { case open, published, aborted, dead }

    public init(outputDir: String, snapshotDate: String, runID: String, tables: [TableSchema],
                settings: OutputSettings, logger: Logger) throws {
        try SnapshotWriter.checkDate(snapshotDate)
        try SnapshotWriter.checkName("run id", runID)
        for t in tables { try SnapshotWriter.checkName("table name", t.name) }
        self.outputDir = outputDir
        self.snapshotDate = snapshotDate
        self.runID = runID
        self.settings = settings
        self.tables = tables
        self.logger = logger
        staging = Staging(outputDir: outputDir, runID: runID)

        try FS.makeDirs(outputDir)
        try takeLock()
        do {
            _ = try Staging.recoverAbandoned(outputDir: outputDir, except: nil, logger: logger)
            if FS.exists(staging.path) {
                throw LoadError.badName(what: "run id", value: runID, expected: "an id not used before in \(outputDir)")
            }
            try staging.create(runID: runID)
            for t in tables {
                sinks[t.name] = try TableSink(schema: t, root: staging.newRoot, snapshotDate: snapshotDate,
                                              settings: settings)
            }
            if settings.excelCopy, let assets = tables.first(where: { $0.name == "assets" }) {
                excel = try ExcelCopyWriter(schema: assets, root: staging.newRoot, snapshotDate: snapshotDate,
                                            flattenLineBreaks: settings.flattenLineBreaks)
            }
        } catch {
            sinks = [:]
            excel = nil
            if FS.exists(staging.path) && staging.readJournal() == nil { try? FS.remove(staging.path) }
            releaseLock()
            throw error
        }
        logger.debug("load.staging.opened", [("staging", staging.path), ("tables", tables.count)])
    }

    deinit {
        if state == .open { abortLocked() }
        releaseLock()
    }

    /// Where this run's files wait until publication.
    public var stagingPath: String { staging.path }

    /// Writes a batch to its table's part files (and to the Excel copy for `assets`).
    /// - Throws: `LoadError.unknownTable`, `.rowShape`, `.wrongType`, or an I/O error.
    public func write(_ batch: RowBatch) throws {
        try lock.withLock {
            guard state == .open else { throw LoadError.closed("published or aborted") }
            guard let sink = sinks[batch.table] else { throw LoadError.unknownTable(batch.table) }
            try sink.write(batch.rows)
            if batch.table == "assets", let excel { try excel.write(batch.rows) }
        }
    }

    /// Rows written so far to `table`.
    public func rowCount(_ table: String) -> Int { lock.withLock { sinks[table]?.totalRows ?? 0 } }

    /// Publishes the snapshot: every partition replaced whole, then the manifest, then
    /// `_SUCCESS`. On an error, what was moved is moved back and nothing new stays visible.
    @discardableResult
    public func publish(summary: ManifestSummary) throws -> Manifest {
        try lock.withLock {
            guard state == .open else { throw LoadError.closed("published or aborted") }
            let manifest: Manifest
            let targets: [String]
            do {
                (manifest, targets) = try prepare(summary)
                try staging.writeJournal(targets)
            } catch {
                abortLocked()
                throw error
            }
            do {
                try swap(targets)
            } catch let error as LoadError {
                if case .simulatedCrash = error { die(); throw error }
                rollBackAfter(error, targets)
                throw error
            } catch {
                rollBackAfter(error, targets)
                throw error
            }
            state = .published
            do { try FS.remove(staging.path); try FS.syncDir(outputDir) } catch {
                logger.warning("load.staging.not_removed", [("staging", staging.path), ("error", "\(error)")])
            }
            releaseLock()
            logger.info("load.published", [
                ("snapshot_date", snapshotDate), ("files", manifest.files.count),
                ("rows", manifest.tables.reduce(0) { $0 + $1.rows }), ("dir", outputDir),
            ])
            return manifest
        }
    }

    /// Removes the staging folder; nothing becomes visible. Safe to call more than once.
    public func abort() {
        lock.withLock { abortLocked() }
    }

    // MARK: - Publication steps

    private var manifestTarget: String { "_manifests/snapshot_date=\(snapshotDate)" }

    /// Closes every file, writes the manifest into staging; returns it and the targets in order.
    private func prepare(_ summary: ManifestSummary) throws -> (Manifest, [String]) {
        var files: [Manifest.File] = []
        var tableEntries: [Manifest.Table] = []
        var targets = [manifestTarget]
        for t in tables {
            guard let sink = sinks[t.name] else { continue }
            files += try sink.finish()
            tableEntries.append(Manifest.Table(
                name: t.name, columns: t.columns.map { Manifest.ColumnEntry(name: $0.name, type: $0.type.rawValue) },
                key: t.key, rows: sink.totalRows))
            targets += [sink.csvPartition, sink.ndjsonPartition]
            try FS.syncDir(staging.newRoot + "/" + sink.csvPartition)
            try FS.syncDir(staging.newRoot + "/" + sink.ndjsonPartition)
        }
        sinks = [:]
        var excelEntry: Manifest.ExcelCopy?
        if let excel {
            excelEntry = try excel.finish()
            targets.append(excel.relativePath)
            try FS.syncDir(staging.newRoot + "/excel")
            if excel.rows > 1_048_575 {
                // TODO(limit): split the Excel copy when assets exceed a sheet; matters above ~1M machines.
                logger.warning("load.excel.too_many_rows", [("rows", excel.rows), ("limit", 1_048_575)])
            }
        }
        self.excel = nil
        let finished = summary.finishedAt ?? Int64(Date().timeIntervalSince1970)
        let manifest = Manifest(
            runID: runID, toolVersion: QuarryVersion.current, snapshotDate: snapshotDate,
            startedAt: Timestamp.format(summary.startedAt), finishedAt: Timestamp.format(finished),
            tables: tableEntries, files: files, excelCopy: excelEntry,
            sources: summary.sources, rejects: summary.rejects,
            settings: [
                "flatten_line_breaks": .bool(settings.flattenLineBreaks),
                "gzip_level": .integer(Int64(settings.gzipLevel)),
                "max_rows_per_file": .integer(Int64(settings.maxRowsPerFile)),
                "excel_copy": .bool(settings.excelCopy),
                "csv_row_terminator": .string("LF"),
            ],
            report: summary.report)
        let dir = staging.newRoot + "/" + manifestTarget
        try FS.makeDirs(dir)
        let file = try FileOutput(path: dir + "/manifest.json")
        try file.write(Array(try manifest.encoded()))
        try file.syncAndClose()
        try FS.syncDir(dir)
        return (manifest, targets)
    }

    /// The visible part: old manifest folder aside, each partition swapped, manifest in, `_SUCCESS`.
    private func swap(_ targets: [String]) throws {
        try crash(at: .beforeRenames)
        try staging.moveAside(manifestTarget)
        for (i, p) in targets.dropFirst().enumerated() {
            try staging.moveAside(p)
            try staging.moveIn(p)
            if i == 0 { try crash(at: .betweenRenames) }
        }
        try crash(at: .beforeManifest)
        try staging.moveIn(manifestTarget)
        try crash(at: .beforeSuccess)
        let success = outputDir + "/" + manifestTarget + "/_SUCCESS"
        try FileOutput(path: success).syncAndClose()
        try FS.syncDir(outputDir + "/" + manifestTarget)
        try crash(at: .afterSuccess)
    }

    private func crash(at step: PublishStep) throws {
        if crashPoint == step { throw LoadError.simulatedCrash(step) }
    }

    /// A simulated kill: leave every file as it is, release the lock as the kernel would.
    private func die() {
        state = .dead
        sinks = [:]
        excel = nil
        releaseLock()
    }

    private func rollBackAfter(_ error: Error, _ targets: [String]) {
        logger.error("load.publish.failed", [("error", "\(error)")])
        do {
            try staging.rollBack(targets)
            abortLocked()
        } catch {
            state = .dead
            releaseLock()
            logger.critical("load.publish.rollback_failed", [("staging", staging.path), ("error", "\(error)")])
        }
    }

    private func abortLocked() {
        guard state == .open else { return }
        state = .aborted
        sinks = [:]
        excel = nil
        do { try FS.remove(staging.path) } catch {
            logger.warning("load.staging.not_removed", [("staging", staging.path), ("error", "\(error)")])
        }
        releaseLock()
    }

    // MARK: - Lock and names

    private func takeLock() throws {
        let path = outputDir + "/" + Staging.lockName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw LoadError.posix("open lock", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            _ = Foundation.close(fd)
            throw LoadError.locked(path: path)
        }
        lockFD = fd
    }

    private func releaseLock() {
        if lockFD >= 0 {
            _ = flock(lockFD, LOCK_UN)
            _ = Foundation.close(lockFD)
            lockFD = -1
        }
    }

    static func checkDate(_ d: String) throws {
        let parts = d.split(separator: "-", omittingEmptySubsequences: false)
        let ok = d.utf8.count == 10 && parts.count == 3 && parts[0].count == 4 && parts[1].count == 2
            && parts[2].count == 2 && parts.allSatisfy { $0.allSatisfy(\.isASCII) && Int($0) != nil }
        if ok, let y = Int64(parts[0]), let m = Int64(parts[1]), let day = Int64(parts[2]),
           (1...12).contains(m), (1...31).contains(day),
           Timestamp.civil(fromDays: Timestamp.days(year: y, month: m, day: day)) == (y, m, day) {
            return
        }
        throw LoadError.badName(what: "snapshot date", value: d, expected: "a calendar date YYYY-MM-DD")
    }

    static func checkName(_ what: String, _ s: String) throws {
        let ok = !s.isEmpty && s.utf8.count <= 128 && !s.hasPrefix(".") && s.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E
        }
        if !ok {
            throw LoadError.badName(what: what, value: s, expected: "letters, digits, '-', '_', '.' (not leading)")
        }
    }
}
