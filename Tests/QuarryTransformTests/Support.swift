// Quarry — helpers that build SourceRecords by hand, following the parser's path conventions.

import Foundation
@testable import QuarryCore
@testable import QuarryTransform

/// Builds the fields of one record; each `object` call opens a new group like the parser does.
struct RecordBuilder {
    var api: SourceAPI
    var id: String
    var fields: [SourceField] = []
    var group: Int32 = 1
    var repairs: [TextRepair] = []

    init(_ api: SourceAPI, _ id: String, idPath: String? = nil) {
        self.api = api
        self.id = id
        let path = idPath ?? (api == .gav ? "assetId" : api == .qps ? "id" : "ID")
        fields.append(SourceField(path: path, value: id, group: 1))
    }

    /// Leaves of the record element itself.
    func top(_ kv: KeyValuePairs<String, String>) -> RecordBuilder {
        var r = self
        for (k, v) in kv { r.fields.append(SourceField(path: k, value: v, group: 1)) }
        return r
    }

    /// Leaves of one nested object/element under `prefix` (its own group).
    func object(_ prefix: String, _ kv: KeyValuePairs<String, String>) -> RecordBuilder {
        var r = self
        r.group += 1
        for (k, v) in kv { r.fields.append(SourceField(path: prefix + k, value: v, group: r.group)) }
        return r
    }

    func record(page: Int = 1, position: Int = 1) -> SourceRecord {
        SourceRecord(api: api, recordID: id, locator: Locator(api: api, page: page, position: position),
                     fields: fields, repairs: repairs)
    }
}

enum TestSchemas {
    /// The repository's `schemas/` folder.
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas").path
    }

    static let set: SchemaSet = try! SchemaSet.load(directory: directory)
}

/// One transform run, rows turned into dictionaries by column name.
struct Outcome {
    var perAPI: [String: [[String: Value]]]
    var assets: [[String: Value]]
    var lineage: [[String: Value]]
    var coverage: [[String: Value]]
    var state: IdentityState
    var stats: ResolveStats
    var counters: RunCounters

    func uid(_ api: String, _ id: String) -> String? {
        let row = lineage.first { $0["source_api"] == .string(api) && $0["source_record_id"] == .string(id) }
        return row?["asset_uid"]?.stringValue
    }

    func asset(_ uid: String?) -> [String: Value]? { assets.first { $0["asset_uid"]?.stringValue == uid } }

    func lineage(of uid: String?) -> [[String: Value]] { lineage.filter { $0["asset_uid"]?.stringValue == uid } }

    func row(_ table: String, _ column: String, _ id: String) -> [String: Value]? {
        perAPI[table]?.first { $0[column] == .string(id) }
    }
}

func dicts(_ rows: [Row], _ schema: TableSchema) -> [[String: Value]] {
    rows.map { row in Dictionary(uniqueKeysWithValues: zip(schema.columns.map(\.name), row)) }
}

func run(_ records: [SourceRecord], state: IdentityState? = nil, date: String = "2024-08-02",
         notSeenDays: Int = 30) async throws -> Outcome {
    let counters = RunCounters()
    let settings = TransformSettings(schemasDir: TestSchemas.directory, notSeenDays: notSeenDays)
    let t = try Transformer(schemas: TestSchemas.set, state: state, settings: settings, counters: counters,
                            logger: .silent)
    var perAPI: [String: [[String: Value]]] = [:]
    for b in t.map(records) {
        let schema = TestSchemas.set.tables.first { $0.name == b.table }!
        perAPI[b.table, default: []] += dicts(b.rows, schema)
    }
    let (batches, newState, stats) = try await t.finish(snapshotDate: date)
    func rows(_ name: String, _ schema: TableSchema) -> [[String: Value]] {
        dicts(batches.first { $0.table == name }?.rows ?? [], schema)
    }
    return Outcome(
        perAPI: perAPI, assets: rows("assets", FixedTables.assets),
        lineage: rows("asset_sources", FixedTables.assetSources), coverage: rows("coverage", FixedTables.coverage),
        state: newState, stats: stats, counters: counters
    )
}

/// A deterministic shuffle (tests must not depend on luck).
func shuffled<T>(_ a: [T], seed: UInt64) -> [T] {
    var out = a
    var s = seed
    for i in stride(from: out.count - 1, to: 0, by: -1) {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        out.swapAt(i, Int((s >> 33) % UInt64(i + 1)))
    }
    return out
}
