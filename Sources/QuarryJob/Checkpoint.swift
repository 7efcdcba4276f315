// Quarry — checkpoint and resume: a killed run continues from the last complete page.

import Foundation
import QuarryCore
import QuarryQualys

/// The checkpoint of one snapshot date, under `_state/checkpoint/snapshot_date=D/`.
///
/// Per API: `<api>.spool` (the records of every complete page, see `RecordSpoolWriter`) and
/// `<api>.json` (the cursor to continue from, the spool's valid length, the rejects and
/// counters of those pages, and a fingerprint of the settings that produced them). Written
/// after each page, the JSON last and by rename, so it never claims a page the spool lacks.
/// A run that publishes deletes its checkpoint; a run with other settings ignores it.
final class Checkpoint: @unchecked Sendable {
    struct Entry: Codable {
        var fingerprint: String
        var cursor: PageCursor
        var spoolLength: UInt64
        var records: Int
        var rejects: [StoredReject]
        var counters: [String: Int]
    }

    struct StoredReject: Codable {
        var source, locator, reason, excerpt: String
        var recordID: String?
    }

    let dir: String
    let fingerprint: String
    private let lock = NSLock()
    private var writers: [SourceAPI: RecordSpoolWriter] = [:]

    /// - Parameter origin: what the responses come from; the API and gateway URLs by default.
    init(outputDir: String, snapshotDate: String, settings: QualysSettings, origin: String? = nil) {
        dir = "\(outputDir)/_state/checkpoint/snapshot_date=\(snapshotDate)"
        fingerprint = [
            origin ?? "\(settings.apiURL.absoluteString) \(settings.gatewayURL.absoluteString)",
            "\(settings.gavPageSize)", "\(settings.qpsPageSize)", "\(settings.vmTruncationLimit)",
            settings.vmAPIVersion,
        ].joined(separator: "|")
    }

    private func entryPath(_ api: SourceAPI) -> String { "\(dir)/\(api.rawValue).json" }
    func spoolPath(_ api: SourceAPI) -> String { "\(dir)/\(api.rawValue).spool" }

    /// Where `api` stopped last time, if a checkpoint with the same settings exists.
    func entry(_ api: SourceAPI) -> Entry? {
        guard let data = FileManager.default.contents(atPath: entryPath(api)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.fingerprint == fingerprint else { return nil }
        return entry
    }

    /// Sends the spooled records of `entry` to `emit` in batches and restores their rejects
    /// and counters, as if those pages had just been read.
    func replay(_ api: SourceAPI, entry: Entry, batchSize: Int, counters: RunCounters,
                emit: ([SourceRecord]) async throws -> Void) async throws {
        let reader = try RecordSpoolReader(path: spoolPath(api), length: entry.spoolLength)
        var batch: [SourceRecord] = []
        batch.reserveCapacity(batchSize)
        while let r = try reader.next() {
            batch.append(r)
            if batch.count >= batchSize {
                try await emit(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await emit(batch) }
        for r in entry.rejects {
            counters.reject(Reject(source: r.source, locator: r.locator, recordID: r.recordID, reason: r.reason,
                                   excerpt: r.excerpt))
        }
        for (k, v) in entry.counters { counters.add(k, v) }
    }

    /// Opens the spool of `api` for this run, keeping what `entry` vouches for.
    func open(_ api: SourceAPI, entry: Entry?) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let writer = try RecordSpoolWriter(path: spoolPath(api), validLength: entry?.spoolLength ?? 0)
        lock.withLock { writers[api] = writer }
    }

    func append(_ api: SourceAPI, _ records: [SourceRecord]) {
        guard let w = lock.withLock({ writers[api] }) else { return }
        for r in records { w.append(r) }
    }

    /// Makes the page durable: spool first, then the entry naming its length.
    func pageDone(_ api: SourceAPI, cursor: PageCursor, records: Int, counters: RunCounters) throws {
        guard let w = lock.withLock({ writers[api] }) else { return }
        let length = try w.flush()
        let rejects = counters.rejects.filter { $0.source == api.rawValue }.map {
            StoredReject(source: $0.source, locator: $0.locator, reason: $0.reason, excerpt: $0.excerpt,
                         recordID: $0.recordID)
        }
        var kept: [String: Int] = [:]
        for (k, v) in counters.withPrefix("\(api).") where !k.hasPrefix("requests") && !k.hasPrefix("retries") {
            kept["\(api).\(k)"] = v
        }
        for (k, v) in counters.withPrefix("text_repairs.\(api).") { kept["text_repairs.\(api).\(k)"] = v }
        let entry = Entry(fingerprint: fingerprint, cursor: cursor, spoolLength: length, records: records,
                          rejects: rejects, counters: kept)
        let data = try JSONEncoder().encode(entry)
        let tmp = entryPath(api) + ".tmp"
        FileManager.default.createFile(atPath: tmp, contents: data)
        _ = rename(tmp, entryPath(api))
    }

    /// Writes out and syncs the spool of `api` (every record of tonight's pull once extraction
    /// and any replay of unchanged records are done); returns its length.
    func finishSpool(_ api: SourceAPI) throws -> UInt64? {
        try lock.withLock { writers[api] }?.flush()
    }

    /// Removes the checkpoint once its snapshot is published.
    func clear() {
        lock.withLock { writers.removeAll() }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
