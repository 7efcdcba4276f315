// Quarry — the manifest of one snapshot: tables, files with checksums, counts, settings, report.

import Foundation
import QuarryCore

/// `_manifests/snapshot_date=D/manifest.json`, encoded with sorted keys and pretty printed.
public struct Manifest: Codable, Equatable, Sendable {
    public struct Table: Codable, Equatable, Sendable {
        public var name: String
        public var columns: [ColumnEntry]
        public var key: [String]
        public var rows: Int
    }

    public struct ColumnEntry: Codable, Equatable, Sendable {
        public var name: String
        /// `ColumnType.rawValue`: `string`, `integer`, `boolean`, `timestamp`, `list<string>`.
        public var type: String
    }

    public struct File: Codable, Equatable, Sendable {
        /// Relative to the output folder, e.g. `csv/assets/snapshot_date=2026-12-04/part-00000.csv.gz`.
        public var path: String
        public var table: String
        /// `csv` or `ndjson`.
        public var format: String
        public var rows: Int
        public var bytes: Int64
        public var sha256: String
    }

    /// The Excel-friendly copy of `assets` (not part of the lake), when written.
    public struct ExcelCopy: Codable, Equatable, Sendable {
        public var path: String
        public var rows: Int
        public var bytes: Int64
        public var sha256: String
    }

    public var runID: String
    public var toolVersion: String
    public var snapshotDate: String
    public var startedAt: String
    public var finishedAt: String
    public var tables: [Table]
    public var files: [File]
    public var excelCopy: ExcelCopy?
    /// Records received per source API (`gav`, `qps`, `vm`) or any counter the caller passes.
    public var sources: [String: Int]
    /// Rejected records per source or reason.
    public var rejects: [String: Int]
    /// Output settings that change what the files contain.
    public var settings: [String: JSONValue]
    /// The run report, free-form.
    public var report: JSONValue

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", toolVersion = "tool_version", snapshotDate = "snapshot_date"
        case startedAt = "started_at", finishedAt = "finished_at"
        case tables, files, excelCopy = "excel_copy", sources, rejects, settings, report
    }

    /// Pretty JSON with sorted keys, ending in LF.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func read(path: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError.posix("read manifest", path)
        }
        return try JSONDecoder().decode(Manifest.self, from: data)
    }
}

/// What the caller adds to the manifest at publication: times, counts and the run report.
public struct ManifestSummary: Sendable {
    /// Seconds since 1970 UTC when the run started.
    public var startedAt: Int64
    /// Seconds since 1970 UTC; nil means the moment of publication.
    public var finishedAt: Int64?
    public var sources: [String: Int]
    public var rejects: [String: Int]
    public var report: JSONValue

    public init(startedAt: Int64, finishedAt: Int64? = nil, sources: [String: Int] = [:],
                rejects: [String: Int] = [:], report: JSONValue = .object([:])) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.sources = sources
        self.rejects = rejects
        self.report = report
    }
}
