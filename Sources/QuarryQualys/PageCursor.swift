// Quarry — where an extract stands after a complete page, for checkpoints and resume.

import Foundation
import QuarryCore

/// The position after the last complete page of one API. Codable, so the lead can save
/// it after each page (`onPage`) and pass it back as `resumeFrom` to continue a run.
public struct PageCursor: Codable, Sendable, Equatable {
    public var api: SourceAPI
    /// Pages completed so far (the next page is `pagesDone + 1`).
    public var pagesDone: Int
    /// Records emitted so far.
    public var recordsDone: Int
    /// GAV: the `lastSeenAssetId` to ask for next (nil = first page).
    public var lastSeenAssetId: String?
    /// QPS: the `lastId` for the next `id GREATER` criterion (nil = first page).
    public var lastId: String?
    /// VM: the 1980 warning URL of the next page (nil = first page).
    public var nextURL: String?
    /// GAV page size in use (lowered after a 416).
    public var pageSize: Int?
    /// The incremental lower bound the run started with.
    public var since: Date?
    /// True when the API said there is nothing more.
    public var isComplete: Bool

    public init(api: SourceAPI, pagesDone: Int = 0, recordsDone: Int = 0, lastSeenAssetId: String? = nil,
                lastId: String? = nil, nextURL: String? = nil, pageSize: Int? = nil, since: Date? = nil,
                isComplete: Bool = false) {
        self.api = api
        self.pagesDone = pagesDone
        self.recordsDone = recordsDone
        self.lastSeenAssetId = lastSeenAssetId
        self.lastId = lastId
        self.nextURL = nextURL
        self.pageSize = pageSize
        self.since = since
        self.isComplete = isComplete
    }

    /// How far the API got, for error messages: `last id_min 1004`, `lastSeenAssetId 4700002`.
    public var position: String {
        switch api {
        case .gav:
            return lastSeenAssetId.map { "lastSeenAssetId \($0)" } ?? "first page"
        case .qps:
            return lastId.map { "lastId \($0)" } ?? "first page"
        case .vm:
            guard let url = nextURL else { return "first page" }
            return PageCursor.idMin(url).map { "last id_min \($0)" } ?? "next URL \(url)"
        }
    }

    /// The `id_min` parameter of a VM next-page URL.
    static func idMin(_ url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == "id_min" }?.value
    }
}

/// What one `extract` call did.
public struct ExtractSummary: Sendable, Equatable {
    public var api: SourceAPI
    public var pages = 0
    public var records = 0
    public var rejects = 0
    /// Records dropped because their ID was already emitted in this run.
    public var duplicates = 0
    public var retries = 0
    public var http409 = 0
    public var requests = 0
    /// Values repaired (U+FFFD substitutions), all fields.
    public var repairs = 0
    public var cursor: PageCursor

    public init(api: SourceAPI, cursor: PageCursor) {
        self.api = api
        self.cursor = cursor
    }
}
