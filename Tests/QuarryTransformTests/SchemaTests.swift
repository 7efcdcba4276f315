// Quarry — schema files: the shipped ones load, and mistakes name file, key and expectation.

import Foundation
@testable import QuarryCore
import Testing
@testable import QuarryTransform

@Suite struct SchemaTests {
    @Test func shippedSchemasLoad() throws {
        let set = try SchemaSet.load(directory: TestSchemas.directory)
        #expect(set.sources.keys.sorted() == [.gav, .qps, .vm])
        #expect(set.tables.map(\.name) == [
            "gav_assets", "qps_host_assets", "vm_hosts", "assets", "asset_sources", "coverage", "rejects",
        ])
        #expect(set.sources[.vm]?.tableSchema.key == ["id"])
        #expect(set.sources[.gav]?.tableSchema.key == ["asset_id"])
        #expect(FixedTables.rejects.columns.map(\.name) == ["source", "locator", "record_id", "reason", "excerpt"])
    }

    static func parse(_ columns: String, extra: String = "") throws -> SourceSchema {
        let text = """
        {"version": 1, "source": "vm", "table": "vm_hosts", "recordId": "ID", \(extra)
         "columns": [\(columns)]}
        """
        return try SchemaSet.parse(file: "schemas/vm.json", data: Data(text.utf8))
    }

    static let idColumn = #"{"name": "id", "path": "ID", "type": "string", "required": true}"#

    @Test func wrongTypeNamesFileAndKey() {
        let cols = [Self.idColumn, #"{"name": "a", "path": "A", "type": "string"}"#,
                    #"{"name": "b", "path": "B", "type": "string"}"#, #"{"name": "ip", "path": "IP", "type": "int"}"#]
        #expect(throws: ConfigError(
            file: "schemas/vm.json", key: "columns[3].type",
            problem: "expected one of string, integer, boolean, timestamp, list<string>, found \"int\""
        )) { try Self.parse(cols.joined(separator: ",")) }
    }

    @Test func unknownKeyIsRefused() throws {
        do {
            _ = try Self.parse(Self.idColumn + #", {"name": "os", "path": "OS", "type": "string", "normalizer": "os"}"#)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.file == "schemas/vm.json")
            #expect(e.key == "columns[1].normalizer")
            #expect(e.problem.hasPrefix("unknown key (did you mean \"normaliser\"?)"))
        }
    }

    @Test func otherMistakes() {
        #expect(throws: ConfigError(file: "schemas/vm.json", key: "columns[1].role",
                                    problem: "expected one of " + Role.allCases.map(\.name).joined(separator: ", ")
                                        + ", found \"mac_address\"")) {
            try Self.parse(Self.idColumn + #", {"name": "m", "path": "M", "type": "string", "role": "mac_address"}"#)
        }
        #expect(throws: ConfigError(file: "schemas/vm.json", key: "columns[1].path",
                                    problem: "missing; expected a source path such as \"DNS_DATA/HOSTNAME\"")) {
            try Self.parse(Self.idColumn + #", {"name": "m", "type": "string"}"#)
        }
        #expect(throws: ConfigError(file: "schemas/vm.json", key: "columns[1].type",
                                    problem: "role last_seen needs type timestamp")) {
            try Self.parse(Self.idColumn + #", {"name": "t", "path": "T", "type": "string", "role": "last_seen"}"#)
        }
        #expect(throws: ConfigError(file: "schemas/vm.json", key: "columns[1].name",
                                    problem: "column \"id\" is declared twice")) {
            try Self.parse(Self.idColumn + "," + Self.idColumn)
        }
        #expect(throws: ConfigError(file: "schemas/vm.json", key: "recordId",
                                    problem: "no string column reads the record ID path \"ID\"")) {
            try Self.parse(#"{"name": "ip", "path": "IP", "type": "string"}"#)
        }
    }

    @Test func aNewColumnIsOnlyASchemaEdit() throws {
        let schema = try Self.parse(Self.idColumn + #", {"name": "owner", "path": "OWNER", "type": "string"}"#)
        let set = SchemaSet(sources: [.vm: schema])
        let t = try Transformer(schemas: set, state: nil, settings: TransformSettings(schemasDir: "", notSeenDays: 30),
                                counters: RunCounters(), logger: .silent)
        let rec = RecordBuilder(.vm, "42").top(["OWNER": "ops\u{07}team"]).record()
        #expect(t.map([rec]) == [RowBatch(table: "vm_hosts", rows: [[.string("42"), .string("ops\u{FFFD}team")]])])
    }
}
