// Quarry — one table's part files in staging: CSV and NDJSON written together, rolled over by row count.

import Foundation
import QuarryCore

/// Writes one table's rows to `part-NNNNN.csv.gz` and `part-NNNNN.ndjson.gz` under the
/// staging folder, both formats from the same rows in one pass, starting a new part pair
/// every `maxRowsPerFile` rows. A table without rows still gets `part-00000` of both
/// formats: a header-only CSV and an empty NDJSON file.
final class TableSink {
    let schema: TableSchema
    /// Relative partition folders, e.g. `csv/assets/snapshot_date=2026-12-04`.
    let csvPartition: String
    let ndjsonPartition: String
    private let root: String
    private let level: Int
    private let maxRows: Int
    private let csv: CSVEncoder
    private let ndjson: NDJSONEncoder
    private var csvOut: GzipWriter?
    private var ndjsonOut: GzipWriter?
    private var csvBuffer: [UInt8] = []
    private var ndjsonBuffer: [UInt8] = []
    private var part = 0
    private var rowsInPart = 0
    private(set) var totalRows = 0
    private(set) var files: [Manifest.File] = []
    static let flushBytes = 1 << 18

    /// Creates the partition folders under `root` (staging `new/`) and opens `part-00000`.
    init(schema: TableSchema, root: String, snapshotDate: String, settings: OutputSettings) throws {
        self.schema = schema
        self.root = root
        level = settings.gzipLevel
        maxRows = max(1, min(settings.maxRowsPerFile, 1_048_575))
        csv = CSVEncoder(columns: schema.columns, flattenLineBreaks: settings.flattenLineBreaks)
        ndjson = NDJSONEncoder(columns: schema.columns)
        csvPartition = "csv/\(schema.name)/snapshot_date=\(snapshotDate)"
        ndjsonPartition = "ndjson/\(schema.name)/snapshot_date=\(snapshotDate)"
        csvBuffer.reserveCapacity(TableSink.flushBytes + 65_536)
        ndjsonBuffer.reserveCapacity(TableSink.flushBytes + 65_536)
        try FS.makeDirs(root + "/" + csvPartition)
        try FS.makeDirs(root + "/" + ndjsonPartition)
        try openPart()
    }

    private func partName(_ format: String) -> String {
        let digits = String(part)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "." + format + ".gz"
    }

    private func openPart() throws {
        csvOut = try GzipWriter(path: root + "/" + csvPartition + "/" + partName("csv"), level: level)
        ndjsonOut = try GzipWriter(path: root + "/" + ndjsonPartition + "/" + partName("ndjson"), level: level)
        rowsInPart = 0
        csv.appendHeader(to: &csvBuffer)
    }

    /// Checks and writes rows; `firstIndex` numbers them in errors.
    func write(_ rows: [Row]) throws {
        for (i, row) in rows.enumerated() {
            try check(row, index: totalRows + i)
        }
        for row in rows {
            if rowsInPart == maxRows {
                try closePart()
                part += 1
                try openPart()
            }
            csv.appendRow(row, to: &csvBuffer)
            ndjson.appendRow(row, to: &ndjsonBuffer)
            rowsInPart += 1
            totalRows += 1
            if csvBuffer.count >= TableSink.flushBytes { try flushCSV() }
            if ndjsonBuffer.count >= TableSink.flushBytes { try flushNDJSON() }
        }
    }

    private func check(_ row: Row, index: Int) throws {
        guard row.count == schema.columns.count else {
            throw LoadError.rowShape(table: schema.name, row: index, expected: schema.columns.count, found: row.count)
        }
        for (value, column) in zip(row, schema.columns) {
            let fits: Bool
            switch (value, column.type) {
            case (.null, _), (.string, .string), (.integer, .integer), (.boolean, .boolean),
                 (.timestamp, .timestamp), (.list, .stringList): fits = true
            default: fits = false
            }
            if !fits {
                throw LoadError.wrongType(table: schema.name, row: index, column: column.name,
                                          expected: column.type.rawValue, found: TableSink.kind(value))
            }
        }
    }

    static func kind(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .string: return "string"
        case .integer: return "integer"
        case .boolean: return "boolean"
        case .timestamp: return "timestamp"
        case .list: return "list<string>"
        }
    }

    private func flushCSV() throws {
        try csvOut?.write(csvBuffer)
        csvBuffer.removeAll(keepingCapacity: true)
    }

    private func flushNDJSON() throws {
        try ndjsonOut?.write(ndjsonBuffer)
        ndjsonBuffer.removeAll(keepingCapacity: true)
    }

    private func closePart() throws {
        try flushCSV()
        try flushNDJSON()
        for (writer, format, partition) in [(csvOut, "csv", csvPartition), (ndjsonOut, "ndjson", ndjsonPartition)] {
            guard let writer else { continue }
            let (bytes, sha) = try writer.finish()
            files.append(Manifest.File(
                path: partition + "/" + partName(format), table: schema.name, format: format,
                rows: rowsInPart, bytes: bytes, sha256: sha))
        }
        csvOut = nil
        ndjsonOut = nil
    }

    /// Finishes the open part pair (fsynced) and returns every file written.
    func finish() throws -> [Manifest.File] {
        try closePart()
        return files.sorted { ($0.format, $0.path) < ($1.format, $1.path) }
    }
}
