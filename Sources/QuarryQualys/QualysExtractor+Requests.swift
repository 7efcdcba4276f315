// Quarry — the requests each API's pagination sends.

import Foundation
import QuarryCore

extension QualysExtractor {
    /// The request for the page after `cursor` (credentials are added per attempt).
    func buildRequest(_ api: SourceAPI, cursor: PageCursor, since: Date?) throws -> HTTPRequest {
        let common = ["X-Requested-With": settings.clientName]
        switch api {
        case .gav:
            var query = "pageSize=\(cursor.pageSize ?? settings.gavPageSize)"
            if let last = cursor.lastSeenAssetId { query += "&lastSeenAssetId=\(Self.queryEscape(last))" }
            if let since { query += "&assetLastUpdated=\(Self.iso(since))" }
            let url = try Self.url(settings.gatewayURL, "/rest/2.0/search/am/asset?" + query)
            return HTTPRequest(api: api, method: "POST", url: url,
                               headers: common.merging(["Accept": "application/json"]) { a, _ in a })
        case .qps:
            let url = try Self.url(settings.apiURL, "/qps/rest/2.0/search/am/hostasset")
            var criteria: [String] = []
            if let last = cursor.lastId {
                criteria.append("<Criteria field=\"id\" operator=\"GREATER\">\(Self.xmlEscape(last))</Criteria>")
            }
            if let since {
                criteria.append("<Criteria field=\"updated\" operator=\"GREATER\">\(Self.iso(since))</Criteria>")
            }
            var body = "<ServiceRequest><preferences><limitResults>\(settings.qpsPageSize)</limitResults></preferences>"
            if !criteria.isEmpty { body += "<filters>" + criteria.joined() + "</filters>" }
            body += "</ServiceRequest>"
            let headers = common.merging(["Content-Type": "text/xml", "Accept": "application/xml"]) { a, _ in a }
            return HTTPRequest(api: api, method: "POST", url: url, headers: headers, body: Data(body.utf8))
        case .vm:
            if let next = cursor.nextURL {
                return HTTPRequest(api: api, method: "GET", url: try rebase(next), headers: common)
            }
            var query = "action=list&truncation_limit=\(settings.vmTruncationLimit)&details=All&show_asset_id=1"
                + "&show_tags=1&host_metadata=all"
            if let since { query += "&vm_processed_after=\(Self.iso(since))" }
            let url = try Self.url(settings.apiURL, "/api/\(settings.vmAPIVersion)/fo/asset/host/?" + query)
            return HTTPRequest(api: api, method: "GET", url: url, headers: common)
        }
    }

    /// The warning URL, verbatim when it points at the configured API server; otherwise its
    /// path and query on the configured server (credentials never go to another host).
    func rebase(_ text: String) throws -> URL {
        guard let url = URL(string: text), let parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw ExtractError.unexpectedResponse(api: .vm, request: "1980 warning", detail: "URL \(text) is not a URL")
        }
        let base = settings.apiURL
        if parts.host?.lowercased() == base.host?.lowercased() && parts.scheme == base.scheme
            && parts.port == base.port { return url }
        var query = parts.percentEncodedQuery.map { "?" + $0 } ?? ""
        if query == "?" { query = "" }
        logger.debug("extract.vm.rebase", [("from", parts.host ?? ""), ("to", base.host ?? "")])
        return try Self.url(base, parts.percentEncodedPath + query)
    }

    static func url(_ base: URL, _ pathAndQuery: String) throws -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text + pathAndQuery) else {
            throw ExtractError.unexpectedResponse(api: .vm, request: pathAndQuery, detail: "cannot build the URL")
        }
        return url
    }

    static func iso(_ date: Date) -> String { Timestamp.format(Int64(date.timeIntervalSince1970.rounded(.down))) }

    static func queryEscape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    static func xmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
