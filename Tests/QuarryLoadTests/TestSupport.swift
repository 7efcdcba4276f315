// Quarry — helpers for the load tests: temporary folders, a small RFC 4180 reader, fixtures.

import Foundation
import QuarryCore
@testable import QuarryLoad

/// A fresh folder under the system temp folder; kept when QUARRY_KEEP_OUTPUT is set.
func makeTempDir(_ name: String = #function) -> String {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let dir = NSTemporaryDirectory() + "quarry-load-\(clean)-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func removeTempDir(_ dir: String) {
    if ProcessInfo.processInfo.environment["QUARRY_KEEP_OUTPUT"] != nil {
        print("kept output in \(dir)")
        return
    }
    try? FileManager.default.removeItem(atPath: dir)
}

/// Parses RFC 4180 CSV (any of CRLF / LF row ends; quoted fields may hold both).
func parseCSV(_ bytes: [UInt8]) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field: [UInt8] = []
    var i = 0
    var inQuotes = false
    var rowHasContent = false
    while i < bytes.count {
        let b = bytes[i]
        if inQuotes {
            if b == 0x22 {
                if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { inQuotes = false }
            } else {
                field.append(b)
            }
        } else if b == 0x22 {
            inQuotes = true
            rowHasContent = true
        } else if b == 0x2C {
            row.append(String(decoding: field, as: UTF8.self))
            field = []
            rowHasContent = true
        } else if b == 0x0A || b == 0x0D {
            if b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
            row = []
            field = []
            rowHasContent = false
        } else {
            field.append(b)
            rowHasContent = true
        }
        i += 1
    }
    if rowHasContent || !field.isEmpty {
        row.append(String(decoding: field, as: UTF8.self))
        rows.append(row)
    }
    return rows
}

/// Text a CSV cell holds for a value in the lake dialect (no formula triggers in fixtures).
func csvText(_ v: Value) -> String {
    switch v {
    case .null: return ""
    case .string(let s): return s
    case .integer(let i): return String(i)
    case .boolean(let b): return b ? "true" : "false"
    case .timestamp(let t): return Timestamp.format(t)
    case .list(let l): return "[" + l.map(JSONText.quote).joined(separator: ",") + "]"
    }
}

/// What JSONSerialization gives back for a value written to NDJSON.
func jsonMatches(_ any: Any, _ v: Value) -> Bool {
    switch v {
    case .null: return any is NSNull
    case .string(let s): return s.isEmpty ? any is NSNull : (any as? String) == s
    case .integer(let i): return (any as? NSNumber)?.int64Value == i && !(any is String)
    case .boolean(let b): return (any as? Bool) == b
    case .timestamp(let t): return (any as? String) == Timestamp.format(t)
    case .list(let l): return (any as? [String]) == l
    }
}

func readBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

func gunzip(_ path: String) throws -> [UInt8] { Array(try GzipReader.readAll(path: path)) }

/// Every regular file under `dir` with its bytes, keyed by relative path.
func snapshotOfTree(_ dir: String) -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    guard let e = FileManager.default.enumerator(atPath: dir) else { return out }
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir)
        if !isDir.boolValue { out[rel] = readBytes(dir + "/" + rel) }
    }
    return out
}

enum Fixture {
    static let assets = TableSchema(name: "assets", columns: [
        Column("asset_uid", .string), Column("hostname", .string), Column("netbios_name", .string),
        Column("account_id", .string), Column("ipv4", .stringList), Column("agent_count", .integer),
        Column("is_cloud", .boolean), Column("last_seen", .timestamp), Column("bios", .string),
    ], key: ["asset_uid"])

    static let sources = TableSchema(name: "asset_sources", columns: [
        Column("asset_uid", .string), Column("source_api", .string), Column("source_record_id", .string),
    ], key: ["source_api", "source_record_id"])

    static let rejects = TableSchema(name: "rejects", columns: [
        Column("source", .string), Column("reason", .string),
    ], key: [])

    static func settings(maxRows: Int = 1_048_575, excel: Bool = false, flatten: Bool = false) -> OutputSettings {
        .with(dir: "", excelCopy: excel, flattenLineBreaks: flatten, maxRowsPerFile: maxRows)
    }

    /// BR-09 and BR-11 values, in assets rows.
    static var assetRows: [Row] {
        [
            [.string("a-0001"), .string("web-01"), .string("00731"), .string("012345678901"),
             .list(["192.0.2.21", "192.0.2.22"]), .integer(2), .boolean(true), .timestamp(1_764_806_400),
             .string("Vendor BIOS v2.1\nBuild 2023-11\nSecure boot: on")],
            [.string("a-0002"), .string("EXAMPLE\\ops.night"), .string("0001"), .string("000987654321"),
             .list([]), .integer(0), .boolean(false), .timestamp(0),
             .string("Firmware \"QX\", rev 7\r\nfactory image")],
            [.string("a-0003"), .string("line\u{2028}sep\u{2029}para"), .string("1.10"), .null,
             .list(["2001:db8::40"]), .null, .null, .null,
             .string("next\u{85}line and\u{0B}vt")],
        ]
    }

    static func sourceRows(_ n: Int) -> [Row] {
        (0..<n).map { [.string("a-\($0 % 3)"), .string("vm"), .string(String(5100 + $0))] }
    }
}
