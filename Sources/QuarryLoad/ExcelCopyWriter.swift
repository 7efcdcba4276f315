// Quarry — the Excel-friendly copy of one table: plain CSV with BOM and CRLF, IDs kept as text.

import Foundation
import QuarryCore

/// Writes `excel/<table>-<date>.csv`: UTF-8 with BOM, CRLF, and number-looking text of
/// `string` columns written as `="…"` so that Excel and LibreOffice keep leading zeros and
/// long digit strings when the file is opened by double-click. Not part of the lake.
final class ExcelCopyWriter {
    let relativePath: String
    private let file: FileOutput
    private let encoder: CSVEncoder
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var bytes: Int64 = 0
    private(set) var rows = 0

    init(schema: TableSchema, root: String, snapshotDate: String, flattenLineBreaks: Bool) throws {
        relativePath = "excel/\(schema.name)-\(snapshotDate).csv"
        try FS.makeDirs(root + "/excel")
        file = try FileOutput(path: root + "/" + relativePath)
        encoder = CSVEncoder.spreadsheet(columns: schema.columns, flattenLineBreaks: flattenLineBreaks)
        buffer = [0xEF, 0xBB, 0xBF]
        encoder.appendHeader(to: &buffer)
    }

    func write(_ batch: [Row]) throws {
        for row in batch {
            encoder.appendRow(row, to: &buffer)
            rows += 1
            if buffer.count >= TableSink.flushBytes { try flush() }
        }
    }

    private func flush() throws {
        hasher.update(buffer)
        try file.write(buffer)
        bytes += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws -> Manifest.ExcelCopy {
        try flush()
        try file.syncAndClose()
        return Manifest.ExcelCopy(path: relativePath, rows: rows, bytes: bytes, sha256: hasher.finalize())
    }
}
