// Quarry — the records of the last published night, for incremental pulls.

import Foundation
import QuarryCore

// TODO(data): an incremental night cannot see records deleted in Qualys; they stay in the lake
// until the next full pull (`fullPullEveryDays`). A cheap ID-only listing (GAV `includeFields`)
// would let every night drop them; it matters when assets are purged often.

/// `_state/sources/<api>.spool` holds every record of `api` in the last published snapshot
/// and `<api>.json` when and how it was pulled. With them, a night can ask an API only for
/// what changed since then and take the rest from the spool.
struct SourceState {
    struct Mark: Codable, Equatable {
        /// Where the records came from (URLs and page sizes); another origin means a full pull.
        var fingerprint: String
        /// The latest modification time seen in the records (the API's own clock, ISO-8601 UTC),
        /// so that tonight asks for what changed after it.
        var highWaterMark: String?
        /// The snapshot date of the last full pull.
        var lastFullPull: String
        var records: Int
        var spoolLength: UInt64
    }

    let dir: String

    init(outputDir: String) { dir = "\(outputDir)/_state/sources" }

    func spoolPath(_ api: SourceAPI) -> String { "\(dir)/\(api.rawValue).spool" }
    func markPath(_ api: SourceAPI) -> String { "\(dir)/\(api.rawValue).json" }

    func mark(_ api: SourceAPI) -> Mark? {
        guard let data = FileManager.default.contents(atPath: markPath(api)) else { return nil }
        return try? JSONDecoder().decode(Mark.self, from: data)
    }

    /// Decides how `api` is pulled tonight: the time to ask "changed since", or nil for a full pull.
    func since(_ api: SourceAPI, settings: QualysSettings, fingerprint: String, snapshotDate: String,
               forceFull: Bool) -> (since: Date, mark: Mark)? {
        guard settings.incremental.enabled, !forceFull, api != .vm,
              let mark = mark(api), mark.fingerprint == fingerprint,
              FileManager.default.fileExists(atPath: spoolPath(api)),
              let last = Self.days(mark.lastFullPull), let today = Self.days(snapshotDate),
              today >= last, today - last < Int64(settings.incremental.fullPullEveryDays),
              let hwm = mark.highWaterMark.flatMap(Self.seconds)
        else { return nil }
        let seconds = hwm - Int64(settings.incremental.overlapMinutes * 60)
        return (Date(timeIntervalSince1970: TimeInterval(seconds)), mark)
    }

    /// The field that says when a record last changed, per API (nil: no incremental pulls).
    static func modifiedPath(_ api: SourceAPI) -> String? {
        switch api {
        case .gav: "lastModifiedDate"
        case .qps: "modified"
        case .vm: nil
        }
    }

    /// The latest modification time among `records`, as ISO-8601 text (compared as instants).
    static func latestModified(_ records: [SourceRecord], api: SourceAPI, after current: String?) -> String? {
        guard let path = modifiedPath(api) else { return nil }
        var best = current
        var bestSeconds = current.flatMap(seconds) ?? Int64.min
        for r in records {
            for f in r.fields where f.path == path {
                if let t = seconds(f.value), t > bestSeconds {
                    bestSeconds = t
                    best = f.value
                }
            }
        }
        return best
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` → UTC seconds; nil for anything else.
    static func seconds(_ iso: String) -> Int64? {
        let b = Array(iso.utf8)
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90 else {
            return nil
        }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let s = num(17..<19) else { return nil }
        return Timestamp.days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + s
    }

    /// Streams the spooled records of `api` whose IDs are not in `skip`.
    func replay(_ api: SourceAPI, mark: Mark, skip: Set<String>, batchSize: Int,
                emit: ([SourceRecord]) async throws -> Void) async throws -> Int {
        let reader = try RecordSpoolReader(path: spoolPath(api), length: mark.spoolLength)
        var batch: [SourceRecord] = []
        var n = 0
        while let r = try reader.next() {
            if skip.contains(r.recordID) { continue }
            batch.append(r)
            n += 1
            if batch.count >= batchSize {
                try await emit(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await emit(batch) }
        return n
    }

    /// Makes tonight's spool of `api` the base of the next night (after publication).
    func promote(_ api: SourceAPI, spool: String, mark: Mark) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard rename(spool, spoolPath(api)) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: spoolPath(api)])
        }
        let tmp = markPath(api) + ".tmp"
        FileManager.default.createFile(atPath: tmp, contents: try JSONEncoder().encode(mark))
        _ = rename(tmp, markPath(api))
    }

    static func days(_ date: String) -> Int64? {
        let p = date.split(separator: "-").compactMap { Int64($0) }
        guard p.count == 3 else { return nil }
        return Timestamp.days(year: p[0], month: p[1], day: p[2])
    }
}
