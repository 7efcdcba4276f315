// Quarry — the extract stage: pull one Qualys API to its end, page by page.

import Foundation
import QuarryCore

/// Pulls the three Qualys asset APIs read-only and hands their records on in batches.
///
/// One instance serves one run: it owns one `Throttle` per API (shared by every request of
/// that API), the gateway token, the recorder. Pages are read in full before any of their
/// records are emitted; a page that fails is retried and, if it stays bad, the extract
/// fails (nothing partial is published). Records are emitted once per ID per run.
public final class QualysExtractor: @unchecked Sendable {
    public let settings: QualysSettings
    let credentials: Credentials?
    let logger: Logger
    let counters: RunCounters
    let transport: any Transport
    let clock: any ExtractClock
    let recorder: Recorder?
    /// Fraction of the backoff delay drawn at random (0…1); tests may set 0.
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }

    private let lock = NSLock()
    private var throttles: [SourceAPI: Throttle] = [:]
    private var gatewayToken: GatewayToken?

    /// - Parameters:
    ///   - credentials: nil is allowed with `replay` (no network).
    ///   - transport: defaults to URLSession (or `ReplayTransport` with `replay`).
    ///   - record: folder to save every response into (see docs/extract.md).
    ///   - replay: folder of recorded responses to serve instead of the network; waits are skipped.
    ///   - clock: defaults to the system clock (an instant one with `replay`).
    public init(settings: QualysSettings, credentials: Credentials?, logger: Logger, counters: RunCounters,
                transport: (any Transport)? = nil, record: URL? = nil, replay: URL? = nil,
                clock: (any ExtractClock)? = nil) throws {
        self.settings = settings
        self.credentials = credentials
        self.logger = logger
        self.counters = counters
        if let replay {
            self.transport = try transport ?? ReplayTransport(root: replay)
            self.clock = clock ?? InstantClock()
        } else {
            self.transport = transport ?? URLSessionTransport(timeout: TimeInterval(settings.requestTimeout))
            self.clock = clock ?? SystemClock()
        }
        self.recorder = try record.map { try Recorder(root: $0) }
        if let credentials {
            logger.redactor.register(credentials.password)
            logger.redactor.register(String(credentials.basicAuthorization.dropFirst(6)))
        }
    }

    func throttle(_ api: SourceAPI) -> Throttle {
        lock.withLock {
            if let t = throttles[api] { return t }
            let t = Throttle(maxConcurrency: settings.maxConcurrency, clock: clock)
            throttles[api] = t
            return t
        }
    }

    func token() throws -> GatewayToken {
        try lock.withLock {
            if let t = gatewayToken { return t }
            let isReplay = transport is ReplayTransport
            let creds = credentials ?? (isReplay ? Credentials(username: "replay", password: "replay") : nil)
            guard let creds else {
                throw ExtractError.credentials("no credentials given for the gateway (QUALYS_USERNAME/QUALYS_PASSWORD)")
            }
            let t = GatewayToken(transport: transport, gateway: settings.gatewayURL, credentials: creds, clock: clock,
                                 logger: logger, counters: counters, clientName: settings.clientName)
            gatewayToken = t
            return t
        }
    }

    // MARK: - Extract

    /// Pulls one API to the end and calls `emit` with batches of at most `batchSize` records.
    ///
    /// After every complete page, the page's remaining records are emitted and `onPage` is
    /// called with the cursor to resume from. `since` asks for records changed after that
    /// time (GAV `assetLastUpdated`, QPS `updated GREATER`, VM `vm_processed_after`).
    public func extract(
        _ api: SourceAPI, batchSize: Int, since: Date? = nil, resumeFrom: PageCursor? = nil,
        onPage: @Sendable (PageCursor) async throws -> Void = { _ in },
        emit: @Sendable ([SourceRecord]) async throws -> Void
    ) async throws -> ExtractSummary {
        var cursor = resumeFrom ?? PageCursor(api: api, since: since)
        if cursor.pageSize == nil { cursor.pageSize = pageSize(api) }
        let since = resumeFrom?.since ?? since
        cursor.since = since
        var summary = ExtractSummary(api: api, cursor: cursor)
        if cursor.isComplete { return summary }
        // TODO(memory): one String per record ID of the API for the run (~50 MB for 1M IDs);
        // switch to a Set<Int64> when IDs are numeric if that ever matters.
        var seen = Set<String>()
        var batch: [SourceRecord] = []
        batch.reserveCapacity(batchSize)
        let started = clock.now()
        while true {
            try Task.checkCancellation()
            let pageNo = cursor.pagesDone + 1
            let fetched = try await fetchPage(api, page: pageNo, cursor: &cursor, since: since, summary: &summary)
            let page = fetched ?? ParsedPage()
            for record in page.records {
                guard seen.insert(record.recordID).inserted else {
                    summary.duplicates += 1
                    counters.add("\(api).duplicates")
                    continue
                }
                for r in record.repairs {
                    counters.add("text_repairs.\(api).\(r.path)", r.count)
                    summary.repairs += r.count
                }
                batch.append(record)
                summary.records += 1
                if batch.count >= batchSize {
                    try await emit(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            for reject in page.rejects { counters.reject(reject) }
            summary.rejects += page.rejects.count
            for (name, n) in page.unknownElements { counters.add("\(api).unknown_element.\(name)", n) }
            counters.add("\(api).pages")
            counters.add("\(api).records", page.records.count)
            summary.pages += 1

            let next = fetched == nil ? nil : try nextCursor(api, page: page, pageNo: pageNo, cursor: cursor)
            if !batch.isEmpty {
                try await emit(batch)
                batch.removeAll(keepingCapacity: true)
            }
            cursor.pagesDone = pageNo
            cursor.recordsDone = (resumeFrom?.recordsDone ?? 0) + summary.records
            if let next {
                cursor.lastSeenAssetId = next.lastSeenAssetId ?? cursor.lastSeenAssetId
                cursor.lastId = next.lastId ?? cursor.lastId
                cursor.nextURL = next.nextURL ?? cursor.nextURL
            } else {
                cursor.isComplete = true
            }
            logger.debug("extract.page", [
                ("api", api.rawValue), ("page", pageNo), ("records", page.records.count),
                ("rejects", page.rejects.count), ("next", cursor.isComplete ? "end" : cursor.position),
            ])
            summary.cursor = cursor
            try await onPage(cursor)
            if cursor.isComplete { break }
        }
        logger.info("extract.finished", [
            ("api", api.rawValue), ("pages", summary.pages), ("records", summary.records),
            ("rejects", summary.rejects), ("retries", summary.retries),
            ("s", String(format: "%.1f", clock.now().timeIntervalSince(started))),
        ])
        if summary.records == 0 { logger.warning("extract.empty", [("api", api.rawValue)]) }
        return summary
    }

    func pageSize(_ api: SourceAPI) -> Int {
        switch api {
        case .gav: settings.gavPageSize
        case .qps: settings.qpsPageSize
        case .vm: settings.vmTruncationLimit
        }
    }

    // MARK: - Next page

    /// The cursor fields for the next page, or nil when this was the last page.
    func nextCursor(_ api: SourceAPI, page: ParsedPage, pageNo: Int, cursor: PageCursor) throws -> PageCursor? {
        var next = PageCursor(api: api)
        switch api {
        case .gav:
            let env = GAVEnvelope(page)
            let more = env.hasMore ?? (page.records.count >= (cursor.pageSize ?? settings.gavPageSize))
            guard more else { return nil }
            let id = env.lastSeenAssetId ?? Self.maxID(page.records)
            guard let id, Self.isAfter(id, cursor.lastSeenAssetId) else {
                throw ExtractError.cursorDidNotAdvance(
                    api: api, page: pageNo,
                    cursor: "lastSeenAssetId \(cursor.lastSeenAssetId ?? "none") → \(env.lastSeenAssetId ?? "none")")
            }
            next.lastSeenAssetId = id
        case .qps:
            let env = QPSEnvelope(page)
            guard env.hasMoreRecords == true else { return nil }
            let id = env.lastId ?? Self.maxID(page.records)
            guard let id, Self.isAfter(id, cursor.lastId) else {
                throw ExtractError.cursorDidNotAdvance(
                    api: api, page: pageNo, cursor: "lastId \(cursor.lastId ?? "none") → \(env.lastId ?? "none")")
            }
            next.lastId = id
        case .vm:
            guard let url = VMEnvelope(page).nextURL else { return nil }
            let newMin = PageCursor.idMin(url)
            let oldMin = cursor.nextURL.flatMap { PageCursor.idMin($0) }
            let advanced = url != cursor.nextURL && (newMin == nil || oldMin == nil || Self.isAfter(newMin!, oldMin))
            guard advanced else {
                throw ExtractError.cursorDidNotAdvance(
                    api: api, page: pageNo, cursor: "id_min \(oldMin ?? "none") → \(newMin ?? "none")")
            }
            next.nextURL = url
        }
        return next
    }

    /// Numeric comparison when both are whole numbers, else text order; nil old = start.
    static func isAfter(_ new: String, _ old: String?) -> Bool {
        guard let old else { return true }
        if let a = Int64(new), let b = Int64(old) { return a > b }
        return new > old
    }

    static func maxID(_ records: [SourceRecord]) -> String? {
        records.map(\.recordID).max { a, b in isAfter(b, a) }
    }
}
