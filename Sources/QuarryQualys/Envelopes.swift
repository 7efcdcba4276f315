// Quarry — what each API's page envelope says: more pages, next cursor, errors.

import Foundation
import QuarryCore

/// A classic-API `SIMPLE_RETURN` (VM errors, 409 limits, 2001 account expired).
public struct SimpleReturn: Sendable, Equatable {
    /// `1960`, `1965`, `2001`, …; nil for a plain message.
    public var code: String?
    public var text: String
    /// `ITEM_LIST/ITEM` pairs in document order (`SECONDS_TO_WAIT` → `68928`).
    public var items: [String: String]

    /// Reads it from a parsed page whose root is `SIMPLE_RETURN`.
    public init?(_ page: ParsedPage) {
        guard page.root == "SIMPLE_RETURN" else { return nil }
        let base = "SIMPLE_RETURN/RESPONSE/"
        let codeText = page.value(base + "CODE")
        code = (codeText?.isEmpty ?? true) ? nil : codeText
        text = page.value(base + "TEXT") ?? ""
        let keys = page.values(base + "ITEM_LIST/ITEM/KEY")
        let values = page.values(base + "ITEM_LIST/ITEM/VALUE")
        items = Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first })
    }

    public var secondsToWait: Int? { items["SECONDS_TO_WAIT"].flatMap { Int($0) } }
}

/// The VM host-list envelope: a 1980 warning with the next URL, or nothing (last page).
public struct VMEnvelope: Sendable, Equatable {
    public var warningCode: String?
    public var warningText: String?
    public var warningURL: String?

    public init(_ page: ParsedPage) {
        let base = "HOST_LIST_OUTPUT/RESPONSE/WARNING/"
        warningCode = page.value(base + "CODE")
        warningText = page.value(base + "TEXT")
        warningURL = page.value(base + "URL")
    }

    /// The next page's URL: only for CODE 1980 with a URL; the TEXT is never read (BR-03).
    public var nextURL: String? {
        guard warningCode == "1980", let url = warningURL, !url.isEmpty else { return nil }
        return url
    }
}

/// The QPS `ServiceResponse` envelope.
public struct QPSEnvelope: Sendable, Equatable {
    public var responseCode: String?
    public var count: Int?
    /// nil when absent (the result fitted in one page).
    public var hasMoreRecords: Bool?
    public var lastId: String?
    public var errorMessage: String?
    public var errorResolution: String?

    public init(_ page: ParsedPage) {
        let base = "ServiceResponse/"
        responseCode = page.value(base + "responseCode")
        count = page.value(base + "count").flatMap { Int($0) }
        hasMoreRecords = page.value(base + "hasMoreRecords").map { $0.lowercased() == "true" }
        lastId = page.value(base + "lastId").flatMap { $0.isEmpty ? nil : $0 }
        errorMessage = page.value(base + "responseErrorDetails/errorMessage")
        errorResolution = page.value(base + "responseErrorDetails/errorResolution")
    }

    public var isSuccess: Bool { responseCode == "SUCCESS" }
}

/// The GAV search envelope.
public struct GAVEnvelope: Sendable, Equatable {
    public var responseCode: String?
    public var responseMessage: String?
    public var count: Int?
    /// nil when the key is missing (then a full page means "ask again").
    public var hasMore: Bool?
    public var lastSeenAssetId: String?

    public init(_ page: ParsedPage) {
        responseCode = page.value("responseCode")
        responseMessage = page.value("responseMessage")
        count = page.value("count").flatMap { Int($0) }
        hasMore = page.value("hasMore").map { v in
            v == "true" || (Double(v).map { $0 != 0 } ?? false)
        }
        lastSeenAssetId = page.value("lastSeenAssetId")
    }

    public var isFailure: Bool { responseCode != nil && responseCode != "SUCCESS" }
}
