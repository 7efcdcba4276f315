// Quarry — snapshot writer: round trip of every file, manifest, roll-over, empty tables, Excel copy.

import Foundation
import QuarryCore
import Testing
@testable import QuarryLoad

@Suite struct SnapshotWriterTests {
    static let date = "2026-12-04"

    private func writer(_ dir: String, run: String = "run-1", maxRows: Int = 1_048_575, excel: Bool = false,
                        tables: [TableSchema] = [Fixture.assets, Fixture.sources, Fixture.rejects]
    ) throws -> SnapshotWriter {
        try SnapshotWriter(outputDir: dir, snapshotDate: SnapshotWriterTests.date, runID: run, tables: tables,
                           settings: Fixture.settings(maxRows: maxRows, excel: excel), logger: .silent)
    }

    /// Reads a published table back from every file of `format` listed in the manifest.
    private func readBack(_ dir: String, _ manifest: Manifest, table: String, format: String) throws -> [[Any]] {
        let schema = [Fixture.assets, Fixture.sources, Fixture.rejects].first { $0.name == table }!
        var rows: [[Any]] = []
        for f in manifest.files where f.table == table && f.format == format {
            let bytes = try gunzip(dir + "/" + f.path)
            if format == "csv" {
                let parsed = parseCSV(bytes)
                #expect(parsed.first == schema.columns.map(\.name))
                #expect(parsed.count - 1 == f.rows, "\(f.path)")
                rows += parsed.dropFirst().map { $0 as [Any] }
            } else {
                #expect(bytes.filter { $0 == 0x0A }.count == f.rows)
                #expect(!bytes.contains(0x0D))
                for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
                    let obj = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                    #expect(obj.count == schema.columns.count)
                    rows.append(schema.columns.map { obj[$0.name] ?? "MISSING" })
                }
            }
        }
        return rows
    }

    @Test func publishedFilesReadBackExactlyAndMatchTheManifest() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir)
        try w.write(RowBatch(table: "assets", rows: Fixture.assetRows))
        try w.write(RowBatch(table: "asset_sources", rows: Fixture.sourceRows(5)))
        try w.write(RowBatch(table: "asset_sources", rows: Array(Fixture.sourceRows(7).dropFirst(5))))
        let manifest = try w.publish(summary: ManifestSummary(
            startedAt: 1_764_806_400, finishedAt: 1_764_806_460, sources: ["gav": 3, "vm": 7], rejects: ["vm": 1],
            report: .object(["warnings": .array([.string("one")])])))

        // Assets: every BR-09 / BR-11 value, both formats.
        let csv = try readBack(dir, manifest, table: "assets", format: "csv")
        #expect(csv.count == 3)
        for (got, want) in zip(csv, Fixture.assetRows) {
            #expect(got.map { $0 as! String } == want.map(csvText))
        }
        let nd = try readBack(dir, manifest, table: "assets", format: "ndjson")
        #expect(nd.count == 3)
        for (got, want) in zip(nd, Fixture.assetRows) {
            for (g, v) in zip(got, want) { #expect(jsonMatches(g, v), "\(g) vs \(v)") }
        }
        let sourcesCSV = try readBack(dir, manifest, table: "asset_sources", format: "csv")
        #expect(sourcesCSV.map { $0.map { $0 as! String } } == Fixture.sourceRows(7).map { $0.map(csvText) })

        // The NDJSON file of 3 assets: exactly 3 LF bytes, no CR, escapes as BR-09 asks.
        let ndBytes = try gunzip(dir + "/ndjson/assets/snapshot_date=2026-12-04/part-00000.ndjson.gz")
        #expect(ndBytes.filter { $0 == 0x0A }.count == 3)
        #expect(!ndBytes.contains(0x0D))
        let ndText = String(decoding: ndBytes, as: UTF8.self)
        #expect(ndText.contains("\\u2028") && ndText.contains("\\u2029") && ndText.contains("\\u0085"))
        #expect(ndText.contains("\\u000b") && ndText.contains("\"account_id\":\"012345678901\""))

        // Manifest: tables, counts, files, checksums.
        #expect(manifest.tables.map(\.name) == ["assets", "asset_sources", "rejects"])
        #expect(manifest.tables.map(\.rows) == [3, 7, 0])
        #expect(manifest.tables[0].columns.first { $0.name == "account_id" }?.type == "string")
        #expect(manifest.tables[0].columns.first { $0.name == "ipv4" }?.type == "list<string>")
        #expect(manifest.files.count == 6)
        for f in manifest.files {
            let bytes = readBytes(dir + "/" + f.path)
            #expect(Int64(bytes.count) == f.bytes, "\(f.path)")
            #expect(SHA256.hex(bytes) == f.sha256, "\(f.path)")
        }
        #expect(manifest.sources == ["gav": 3, "vm": 7])
        #expect(manifest.startedAt == "2025-12-04T00:00:00Z")
        #expect(manifest.settings["flatten_line_breaks"] == .bool(false))
        #expect(manifest.settings["gzip_level"] == .integer(6))
        let onDisk = try Manifest.read(path: dir + "/_manifests/snapshot_date=2026-12-04/manifest.json")
        #expect(onDisk == manifest)
        #expect(onDisk.report["warnings"] == .array([.string("one")]))
        #expect(readBytes(dir + "/_manifests/snapshot_date=2026-12-04/_SUCCESS").isEmpty)
        #expect(FS.exists(dir + "/_manifests/snapshot_date=2026-12-04/_SUCCESS"))

        // Nothing else is left: no staging folder.
        let top = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(top == [".quarry.lock", "_manifests", "csv", "ndjson"])
    }

    @Test func emptyTableGetsHeaderOnlyCSVAndEmptyNDJSON() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir, tables: [Fixture.rejects])
        let manifest = try w.publish(summary: ManifestSummary(startedAt: 0))
        #expect(manifest.files.map(\.path) == [
            "csv/rejects/snapshot_date=2026-12-04/part-00000.csv.gz",
            "ndjson/rejects/snapshot_date=2026-12-04/part-00000.ndjson.gz",
        ])
        #expect(try gunzip(dir + "/" + manifest.files[0].path) == Array("source,reason\n".utf8))
        #expect(try gunzip(dir + "/" + manifest.files[1].path) == [])
        #expect(manifest.files.map(\.rows) == [0, 0])
    }

    @Test func rollsOverAtMaxRowsPerFile() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir, maxRows: 4, tables: [Fixture.sources])
        try w.write(RowBatch(table: "asset_sources", rows: Array(Fixture.sourceRows(6).prefix(3))))
        try w.write(RowBatch(table: "asset_sources", rows: Array(Fixture.sourceRows(10).dropFirst(3))))
        let manifest = try w.publish(summary: ManifestSummary(startedAt: 0))
        let csv = manifest.files.filter { $0.format == "csv" }
        #expect(csv.map(\.path) == (0..<3).map { "csv/asset_sources/snapshot_date=2026-12-04/part-0000\($0).csv.gz" })
        #expect(csv.map(\.rows) == [4, 4, 2])
        #expect(manifest.files.filter { $0.format == "ndjson" }.map(\.rows) == [4, 4, 2])
        // Every part has its own header; ids continue across parts.
        let second = parseCSV(try gunzip(dir + "/" + csv[1].path))
        #expect(second.map { $0[2] } == ["source_record_id", "5104", "5105", "5106", "5107"])
    }

    @Test func exactMultipleDoesNotOpenAnEmptyPart() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir, maxRows: 4, tables: [Fixture.sources])
        try w.write(RowBatch(table: "asset_sources", rows: Fixture.sourceRows(8)))
        let manifest = try w.publish(summary: ManifestSummary(startedAt: 0))
        #expect(manifest.files.map(\.rows) == [4, 4, 4, 4])
        #expect(manifest.files.count == 4)
    }

    @Test func rejectsBadRowsWithTableRowAndColumn() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir, tables: [Fixture.sources])
        #expect(throws: LoadError.unknownTable("hosts")) { try w.write(RowBatch(table: "hosts", rows: [])) }
        #expect(throws: LoadError.rowShape(table: "asset_sources", row: 1, expected: 3, found: 2)) {
            try w.write(RowBatch(table: "asset_sources", rows: [Fixture.sourceRows(1)[0], [.null, .null]]))
        }
        #expect(throws: LoadError.wrongType(table: "asset_sources", row: 0, column: "source_record_id",
                                            expected: "string", found: "integer")) {
            try w.write(RowBatch(table: "asset_sources", rows: [[.string("a"), .string("vm"), .integer(5101)]]))
        }
        #expect(w.rowCount("asset_sources") == 0)
        w.abort()
    }

    @Test func rejectsUnsafeNames() {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        #expect(throws: LoadError.self) { try SnapshotWriter(outputDir: dir, snapshotDate: "2026-02-30", runID: "r",
            tables: [], settings: Fixture.settings(), logger: .silent) }
        #expect(throws: LoadError.self) { try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-04", runID: "../x",
            tables: [], settings: Fixture.settings(), logger: .silent) }
        #expect(throws: LoadError.self) { try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-04", runID: "r",
            tables: [TableSchema(name: "a/b", columns: [], key: [])], settings: Fixture.settings(), logger: .silent) }
    }

    @Test func abortLeavesNoVisibleFile() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir)
        try w.write(RowBatch(table: "assets", rows: Fixture.assetRows))
        #expect(FS.exists(w.stagingPath))
        w.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [".quarry.lock"])
        #expect(throws: LoadError.closed("published or aborted")) { try w.write(RowBatch(table: "assets", rows: [])) }
    }

    @Test func secondWriterOnTheSameFolderIsRefused() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir)
        #expect(throws: LoadError.locked(path: dir + "/.quarry.lock")) { _ = try writer(dir, run: "run-2") }
        w.abort()
        let w2 = try writer(dir, run: "run-2")
        w2.abort()
    }

    @Test func excelCopyHasBOMCRLFAndProtectedIDsWhileTheLakeStaysExact() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try writer(dir, excel: true)
        try w.write(RowBatch(table: "assets", rows: Fixture.assetRows))
        let manifest = try w.publish(summary: ManifestSummary(startedAt: 0))
        let excel = try #require(manifest.excelCopy)
        #expect(excel.path == "excel/assets-2026-12-04.csv")
        #expect(excel.rows == 3)
        let bytes = readBytes(dir + "/" + excel.path)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(Int64(bytes.count) == excel.bytes && SHA256.hex(bytes) == excel.sha256)
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let header = "asset_uid,hostname,netbios_name,account_id,ipv4,agent_count,is_cloud,last_seen,bios\r\n"
        #expect(text.hasPrefix(header))
        #expect(text.contains("a-0001,web-01,\"=\"\"00731\"\"\",\"=\"\"012345678901\"\"\","))
        #expect(text.contains("\"=\"\"000987654321\"\"\"") && text.contains("\"=\"\"1.10\"\"\""))
        let rows = parseCSV(Array(bytes.dropFirst(3)))
        #expect(rows.count == 4)
        #expect(rows[1][3] == "=\"012345678901\"")
        // The lake keeps the plain text.
        let lake = parseCSV(try gunzip(dir + "/csv/assets/snapshot_date=2026-12-04/part-00000.csv.gz"))
        #expect(lake[1][2] == "00731" && lake[1][3] == "012345678901" && lake[2][3] == "000987654321")
    }

    @Test func flattenOptionIsRecordedAndApplied() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try SnapshotWriter(outputDir: dir, snapshotDate: SnapshotWriterTests.date, runID: "r",
                                   tables: [Fixture.assets], settings: Fixture.settings(flatten: true), logger: .silent)
        try w.write(RowBatch(table: "assets", rows: Fixture.assetRows))
        let manifest = try w.publish(summary: ManifestSummary(startedAt: 0))
        #expect(manifest.settings["flatten_line_breaks"] == .bool(true))
        let lake = parseCSV(try gunzip(dir + "/csv/assets/snapshot_date=2026-12-04/part-00000.csv.gz"))
        #expect(lake[1][8] == "Vendor BIOS v2.1 Build 2023-11 Secure boot: on")
        #expect(lake[2][8] == "Firmware \"QX\", rev 7 factory image")
        // NDJSON keeps the exact value.
        let nd = try gunzip(dir + "/ndjson/assets/snapshot_date=2026-12-04/part-00000.ndjson.gz")
        #expect(String(decoding: nd, as: UTF8.self).contains("Vendor BIOS v2.1\\nBuild 2023-11"))
    }
}
