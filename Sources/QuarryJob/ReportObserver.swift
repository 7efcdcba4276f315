// Quarry — reads the rows on their way to the writer for the report's sensor and coverage figures.

import Foundation
import QuarryCore
import QuarryTransform

/// Counts source records by sensor (from `asset_sources`) and machines by sensor coverage
/// (from `coverage`) as the batches pass. Used by the load stage only (one task).
final class ReportObserver: @unchecked Sendable {
    private(set) var recordsBySensor: [String: Int] = [:]
    private(set) var coverage = RunReport.Coverage()
    private let sensorColumn: Int?
    private let coverageColumns: (sensors: Int, unmanaged: Int, neverScanned: Int, notSeen: Int)?

    init(tables: [TableSchema]) {
        let lineage = tables.first { $0.name == "asset_sources" }
        sensorColumn = lineage?.index(of: "sensor")
        if let c = tables.first(where: { $0.name == "coverage" }), let s = c.index(of: "sensors"),
           let u = c.index(of: "unmanaged"), let n = c.index(of: "agent_never_scanned"),
           let r = c.index(of: "not_seen_recently") {
            coverageColumns = (s, u, n, r)
        } else {
            coverageColumns = nil
        }
    }

    func observe(_ batch: RowBatch) {
        switch batch.table {
        case "asset_sources":
            guard let i = sensorColumn else { return }
            for row in batch.rows { recordsBySensor[row[i].stringValue ?? "unknown", default: 0] += 1 }
        case "coverage":
            guard let c = coverageColumns else { return }
            for row in batch.rows {
                coverage.machines += 1
                let kinds = row[c.sensors].listValue ?? []
                coverage.bySensors[kinds.isEmpty ? "none" : kinds.joined(separator: "+"), default: 0] += 1
                if row[c.unmanaged] == .boolean(true) { coverage.unmanaged += 1 }
                if row[c.neverScanned] == .boolean(true) { coverage.agentNeverScanned += 1 }
                if row[c.notSeen] == .boolean(true) { coverage.notSeenRecently += 1 }
            }
        default:
            return
        }
    }
}

/// Schema drift: which record paths appear that no schema file maps, and which mapped paths
/// never appear. Looks at one record in `stride` (and every record of the first batch of each
/// API) so that it costs little at a million records. Thread-safe.
final class DriftSampler: @unchecked Sendable {
    private let lock = NSLock()
    private let known: [SourceAPI: Set<String>]
    private var seen: [SourceAPI: Set<String>] = [:]
    private var sampled: [SourceAPI: Int] = [:]
    private var counter = 0
    private let stride: Int

    init(schemas: SchemaSet, stride: Int = 16) {
        var known: [SourceAPI: Set<String>] = [:]
        for (api, schema) in schemas.sources {
            known[api] = Set(schema.columns.flatMap(\.paths) + [schema.recordIDPath])
        }
        self.known = known
        self.stride = stride
    }

    func observe(_ records: [SourceRecord]) {
        lock.withLock {
            for r in records {
                counter += 1
                let first = sampled[r.api] == nil
                guard first || counter % stride == 0 else { continue }
                sampled[r.api, default: 0] += 1
                var paths = seen[r.api] ?? []
                for f in r.fields { paths.insert(f.path) }
                seen[r.api] = paths
            }
        }
    }

    /// One line per API with drift, for the report.
    func findings() -> [String] {
        lock.withLock {
            var out: [String] = []
            for api in SourceAPI.allCases {
                guard let known = known[api], let seen = seen[api], (sampled[api] ?? 0) > 0 else { continue }
                let appeared = seen.subtracting(known).sorted()
                if !appeared.isEmpty {
                    let shown = appeared.prefix(12).joined(separator: ", ")
                    out.append("schema drift \(api): \(appeared.count) fields not in the schema file (\(shown)"
                        + "\(appeared.count > 12 ? ", …" : ""))")
                }
                let missing = known.subtracting(seen).sorted()
                if !missing.isEmpty, (sampled[api] ?? 0) >= 50 {
                    let shown = missing.prefix(12).joined(separator: ", ")
                    out.append("schema drift \(api): \(missing.count) mapped fields never seen in "
                        + "\(sampled[api]!) sampled records (\(shown)\(missing.count > 12 ? ", …" : ""))")
                }
            }
            return out
        }
    }
}
