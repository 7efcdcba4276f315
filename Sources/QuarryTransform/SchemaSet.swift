// Quarry — schema files: how each API's record becomes one row of its table.

import Foundation
import QuarryCore

/// One column of a per-API table as declared in a schema file.
public struct ColumnSpec: Sendable, Equatable {
    public var name: String
    /// Source paths tried in order; a scalar takes the first that yields a value, a list
    /// takes every value of every path.
    public var paths: [String]
    public var type: ColumnType
    public var normaliser: Normaliser
    public var required: Bool
    public var role: Role?
}

/// The schema of one source API: its table, record ID path and columns.
public struct SourceSchema: Sendable, Equatable {
    public var file: String
    public var source: SourceAPI
    public var table: String
    public var recordIDPath: String
    public var columns: [ColumnSpec]

    public var tableSchema: TableSchema {
        TableSchema(
            name: table,
            columns: columns.map { Column($0.name, $0.type) },
            key: [columns.first { $0.paths.contains(recordIDPath) }?.name ?? columns[0].name]
        )
    }
}

/// Every schema of a run: the three per-API schemas loaded from files plus the fixed tables
/// built by the transform stage (`assets`, `asset_sources`, `coverage`, `rejects`).
public struct SchemaSet: Sendable {
    public var sources: [SourceAPI: SourceSchema]

    public init(sources: [SourceAPI: SourceSchema]) { self.sources = sources }

    /// Every table the transform stage can produce, per-API tables first.
    public var tables: [TableSchema] {
        SourceAPI.allCases.compactMap { sources[$0]?.tableSchema }
            + [FixedTables.assets, FixedTables.assetSources, FixedTables.coverage, FixedTables.rejects]
    }

    /// Loads every `*.json` file of `directory` (one per source API).
    ///
    /// - Throws: `ConfigError` naming the file and key path (`schemas/vm.json: columns[3].type: …`).
    public static func load(directory: String) throws -> SchemaSet {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ConfigError(file: directory, key: "", problem: "cannot list the schema folder (does it exist?)")
        }
        var set = SchemaSet(sources: [:])
        for name in files {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            let display = URL(fileURLWithPath: directory).lastPathComponent + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: display, key: "", problem: "cannot read the file")
            }
            let schema = try parse(file: display, data: data)
            if let other = set.sources[schema.source] {
                throw ConfigError(file: display, key: "source",
                                  problem: "source \(schema.source.rawValue) is already defined by \(other.file)")
            }
            set.sources[schema.source] = schema
        }
        if set.sources.isEmpty {
            throw ConfigError(file: directory, key: "", problem: "no schema files (*.json) found")
        }
        return set
    }

    /// Parses one schema file's content.
    public static func parse(file: String, data: Data) throws -> SourceSchema {
        var root = try ConfigObject.parse(file: file, data: data)
        _ = try root.int("version", range: 1...1)
        let sourceName = try root.string("source", oneOf: SourceAPI.allCases.map(\.rawValue))
        guard let sourceName, let source = SourceAPI(rawValue: sourceName) else {
            throw root.error("source", "missing; expected one of gav, qps, vm")
        }
        guard let table = try root.string("table"), isIdentifier(table) else {
            throw root.error("table", "missing or not a lower-case identifier; expected e.g. \"vm_hosts\"")
        }
        guard let recordID = try root.string("recordId"), !recordID.isEmpty else {
            throw root.error("recordId", "missing; expected the path of the record ID, e.g. \"ID\"")
        }
        _ = try root.string("description")
        guard var list = try root.objects("columns"), !list.isEmpty else {
            throw root.error("columns", "missing; expected a list of column objects")
        }
        var columns: [ColumnSpec] = []
        for i in list.indices {
            let c = try parseColumn(&list[i])
            if columns.contains(where: { $0.name == c.name }) {
                throw list[i].error("name", "column \"\(c.name)\" is declared twice")
            }
            columns.append(c)
        }
        try root.rejectUnknownKeys()
        guard columns.contains(where: { $0.paths.contains(recordID) && $0.type == .string }) else {
            throw root.error("recordId", "no string column reads the record ID path \"\(recordID)\"")
        }
        return SourceSchema(file: file, source: source, table: table, recordIDPath: recordID, columns: columns)
    }

    static func parseColumn(_ c: inout ConfigObject) throws -> ColumnSpec {
        guard let name = try c.string("name"), isIdentifier(name) else {
            throw c.error("name", "missing or not a lower-case identifier (letters, digits, _)")
        }
        var paths: [String] = []
        if let p = try c.string("path") { paths = [p] }
        if let ps = try c.strings("paths") {
            if !paths.isEmpty { throw c.error("paths", "give either path or paths, not both") }
            paths = ps
        }
        if paths.isEmpty || paths.contains(where: \.isEmpty) {
            throw c.error("path", "missing; expected a source path such as \"DNS_DATA/HOSTNAME\"")
        }
        let typeNames = ["string", "integer", "boolean", "timestamp", "list<string>"]
        guard let typeName = try c.string("type", oneOf: typeNames), let type = ColumnType(rawValue: typeName) else {
            throw c.error("type", "missing; expected one of \(typeNames.joined(separator: ", "))")
        }
        let normName = try c.string("normaliser", oneOf: Normaliser.allCases.map(\.rawValue))
        let normaliser = normName.flatMap(Normaliser.init(rawValue:)) ?? (type == .timestamp ? .timestamp : .text)
        if type == .timestamp && normaliser != .timestamp {
            throw c.error("normaliser", "a timestamp column needs the timestamp normaliser")
        }
        if normaliser == .timestamp && type != .timestamp {
            throw c.error("type", "the timestamp normaliser needs type timestamp")
        }
        let roleName = try c.string("role", oneOf: Role.allCases.map(\.name))
        let role = roleName.flatMap(Role.init(name:))
        if let role, role.isTime && type != .timestamp {
            throw c.error("type", "role \(role.name) needs type timestamp")
        }
        let required = try c.bool("required") ?? false
        _ = try c.string("description")
        try c.rejectUnknownKeys()
        return ColumnSpec(name: name, paths: paths, type: type, normaliser: normaliser, required: required, role: role)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, ("a"..."z").contains(f) else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
