// Quarry — the transform stage: map records to per-API rows, then resolve machines.

import Foundation
import QuarryCore

/// Maps source records through the schema files and, at the end of the run, resolves them
/// into one `assets` row per real machine with lineage and coverage.
///
/// Feed every batch to `map(_:)` (rows of `gav_assets`, `qps_host_assets`, `vm_hosts` come
/// back at once), then call `finish` once. Calls are serialised by a lock, so one instance
/// may be shared by several tasks, but records are resolved only at `finish`.
public final class Transformer: @unchecked Sendable {
    private let lock = NSLock()  // guards every var below
    private let schemas: SchemaSet
    private let mappers: [SourceAPI: RecordMapper]
    private let previous: IdentityState
    private let settings: TransformSettings
    private let counters: RunCounters
    private let logger: Logger
    private let store: ResolverStore
    private var seenIDs = Set<UInt64>()
    private var warnings: [String: Int] = [:]
    private var failure: Error?
    private var finished = false

    /// Quarantine rows for invalid pieces are kept up to this many per table column.
    public var maxWarningsPerColumn = 1000

    /// - Parameters:
    ///   - state: last night's identity state (nil on the first night).
    ///   - spillDirectory: where evidence waits on disk until `finish` (a temporary file, unlinked at once).
    public init(schemas: SchemaSet, state: IdentityState?, settings: TransformSettings, counters: RunCounters,
                logger: Logger, spillDirectory: String = NSTemporaryDirectory()) throws {
        self.schemas = schemas
        var m: [SourceAPI: RecordMapper] = [:]
        for (api, s) in schemas.sources { m[api] = RecordMapper(schema: s) }
        mappers = m
        previous = state ?? IdentityState()
        self.settings = settings
        self.counters = counters
        self.logger = logger
        store = try ResolverStore(spillDirectory: spillDirectory)
    }

    /// Maps records to rows of their API's table; bad records are quarantined via `counters`.
    public func map(_ records: [SourceRecord]) -> [RowBatch] {
        lock.withLock {
            let apis = SourceAPI.allCases
            var rows = [[Row]](repeating: [], count: apis.count)
            // Per-API record counts, added to `counters` once per batch (one lock, not one per record).
            var seen = [Int](repeating: 0, count: apis.count)
            var noSchema = [Int](repeating: 0, count: apis.count)
            defer {
                for (ai, api) in apis.enumerated() {
                    if seen[ai] > 0 { counters.add("transform.records.\(api.rawValue)", seen[ai]) }
                    if noSchema[ai] > 0 { counters.add("transform.no_schema.\(api.rawValue)", noSchema[ai]) }
                }
            }
            for r in records {
                let ai = apis.firstIndex(of: r.api)!
                guard let mapper = mappers[r.api] else {
                    noSchema[ai] += 1
                    continue
                }
                seen[ai] += 1
                if r.recordID.isEmpty {
                    counters.reject(Reject(source: r.api.rawValue, locator: r.locator.description,
                                           reason: "missing required field \(mapper.schema.recordIDPath)",
                                           excerpt: RecordMapper.excerpt(r)))
                    continue
                }
                // TODO: a 64-bit hash of (API, ID) stands for the ID; a collision (~1e-8 at 1M records)
                // would drop a real record as a duplicate. Matters only if that ever shows in rejects.
                guard seenIDs.insert(StableHash.text(r.api.rawValue, 0x1F, r.recordID)).inserted else {
                    counters.reject(Reject(source: r.api.rawValue, locator: r.locator.description, recordID: r.recordID,
                                           reason: "duplicate record ID; the first occurrence was kept",
                                           excerpt: RecordMapper.excerpt(r)))
                    continue
                }
                guard let mapped = mapper.map(r, counters: counters, warn: warn) else { continue }
                rows[ai].append(mapped.row)
                if failure == nil {
                    do { try store.add(api: r.api, recordID: r.recordID, mapped: mapped) } catch { failure = error }
                }
            }
            return apis.indices.compactMap { ai in
                rows[ai].isEmpty ? nil : RowBatch(table: mappers[apis[ai]]!.schema.table, rows: rows[ai])
            }
        }
    }

    private func warn(_ r: Reject) {
        let key = r.source + "." + r.reason
        warnings[key, default: 0] += 1
        if warnings[key]! <= maxWarningsPerColumn {
            counters.reject(r)
        } else {
            counters.add("transform.warnings_not_listed")
        }
    }

    /// Resolves every mapped record and streams `assets`, `asset_sources` and `coverage` rows.
    ///
    /// - Parameters:
    ///   - snapshotDate: `YYYY-MM-DD`, the night being published (ages in `coverage`, state days).
    ///   - batchRows: rows per emitted batch.
    /// - Returns: tonight's identity state (save it under `_state/`) and the figures.
    public func finish(
        snapshotDate: String, batchRows: Int = 5000, emit: (RowBatch) async throws -> Void
    ) async throws -> (state: IdentityState, stats: ResolveStats) {
        typealias Resolved = (Clustering, UIDAssigner.Result, Int64)
        let (clustering, assignment, today) = try lock.withLock { () throws -> Resolved in
            if let failure { throw failure }
            guard !finished else { throw ConfigError(file: "transform", key: "", problem: "finish called twice") }
            finished = true
            guard let day = Normaliser.parseISO(snapshotDate), snapshotDate.count == 10 else {
                throw ConfigError(file: "command line", key: "--snapshot-date",
                                  problem: "expected YYYY-MM-DD, found \"\(snapshotDate)\"")
            }
            try store.spill.flush()
            let c = store.cluster()
            let a = UIDAssigner().assign(store: store, clustering: c, previous: previous, today: Int32(day / 86_400))
            store.releaseKeys()  // the output needs only the spill file and per-record columns
            return (c, a, day)
        }
        var stats = ResolveStats()
        stats.records = store.count
        stats.assets = clustering.clusterStart.count - 1
        stats.merges = stats.records - stats.assets
        stats.refusedConflicts = clustering.refused
        stats.sharedKeys = clustering.sharedKeys.count
        stats.uidsReused = assignment.reused
        stats.uidsNew = assignment.minted
        stats.uidsMerged = assignment.merged

        let builder = AssetRowBuilder(store: store, clustering: clustering,
                                      snapshotSeconds: today + 86_399, notSeenDays: settings.notSeenDays)
        var assets: [Row] = [], lineage: [Row] = [], coverage: [Row] = []
        for ci in 0..<stats.assets {
            let out = try builder.build(cluster: ci, uid: IdentityState.format(uid: assignment.uids[ci]))
            assets.append(out.asset)
            coverage.append(out.coverage)
            lineage.append(contentsOf: out.lineage)
            for l in out.lineage { stats.rules[l[4].stringValue ?? "", default: 0] += 1 }
            if assets.count >= batchRows {
                try await emit(RowBatch(table: "assets", rows: assets))
                try await emit(RowBatch(table: "coverage", rows: coverage))
                assets.removeAll(keepingCapacity: true)
                coverage.removeAll(keepingCapacity: true)
            }
            if lineage.count >= batchRows {
                try await emit(RowBatch(table: "asset_sources", rows: lineage))
                lineage.removeAll(keepingCapacity: true)
            }
        }
        if !assets.isEmpty {
            try await emit(RowBatch(table: "assets", rows: assets))
            try await emit(RowBatch(table: "coverage", rows: coverage))
        }
        if !lineage.isEmpty { try await emit(RowBatch(table: "asset_sources", rows: lineage)) }

        counters.add("resolve.records", stats.records)
        counters.add("resolve.assets", stats.assets)
        counters.add("resolve.merges", stats.merges)
        counters.add("resolve.refused_conflicts", stats.refusedConflicts)
        counters.add("resolve.shared_keys", stats.sharedKeys)
        counters.add("resolve.uids_reused", stats.uidsReused)
        counters.add("resolve.uids_new", stats.uidsNew)
        counters.add("resolve.uids_merged", stats.uidsMerged)
        logger.info("resolve.finished", [
            ("records", stats.records), ("assets", stats.assets), ("merges", stats.merges),
            ("refused", stats.refusedConflicts), ("uids_new", stats.uidsNew), ("uids_reused", stats.uidsReused),
        ])
        return (assignment.state, stats)
    }

    /// `finish` collecting every row in memory (tests, small tenants).
    public func finish(
        snapshotDate: String
    ) async throws -> (batches: [RowBatch], state: IdentityState, stats: ResolveStats) {
        var byTable: [String: [Row]] = [:]
        let (state, stats) = try await finish(snapshotDate: snapshotDate, batchRows: Int.max) { b in
            byTable[b.table, default: []].append(contentsOf: b.rows)
        }
        let batches = ["assets", "asset_sources", "coverage"].map { RowBatch(table: $0, rows: byTable[$0] ?? []) }
        return (batches, state, stats)
    }
}
