// Quarry — `--record DIR`: every API response body, status and safe headers, on disk.

import Foundation
import QuarryCore

/// Writes each response of a run as `DIR/<api>/page-00001.<xml|json>` plus
/// `page-00001.meta.json` (`{"status":…, "method":…, "request":…, "headers":{…}}`), numbered
/// in the order the responses arrived, retries and error answers included. The body is
/// written as it streams. Never written: `POST /auth` exchanges (the body is a token),
/// `Authorization`, `Set-Cookie` and `Cookie` headers; the request line has no credentials.
final class Recorder: @unchecked Sendable {
    let root: URL
    private let lock = NSLock()
    private var next: [SourceAPI: Int] = [:]

    static let droppedHeaders: Set<String> = ["authorization", "set-cookie", "cookie", "proxy-authorization"]

    init(root: URL) throws {
        self.root = root
        for api in SourceAPI.allCases {
            let dir = root.appendingPathComponent(api.rawValue)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            next[api] = existing.filter { !$0.hasSuffix(".meta.json") && $0.hasPrefix("page-") }.count + 1
        }
    }

    static func fileExtension(_ api: SourceAPI) -> String { api == .gav ? "json" : "xml" }

    /// Starts a file for one response; returns a sink the body chunks go to.
    func begin(_ request: HTTPRequest, _ response: HTTPResponse) throws -> RecordedBody {
        let n = lock.withLock { () -> Int in
            let v = next[request.api] ?? 1
            next[request.api] = v + 1
            return v
        }
        let dir = root.appendingPathComponent(request.api.rawValue)
        let name = String(format: "page-%05d", n)
        let body = dir.appendingPathComponent("\(name).\(Self.fileExtension(request.api))")
        var headers: [String: String] = [:]
        for (k, v) in response.headers where !Self.droppedHeaders.contains(k) { headers[k] = v }
        let meta: [String: Any] = [
            "status": response.status, "method": request.method, "request": request.label, "headers": headers,
        ]
        let metaData = try JSONSerialization.data(
            withJSONObject: meta, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        try metaData.write(to: dir.appendingPathComponent("\(name).meta.json"))
        _ = FileManager.default.createFile(atPath: body.path, contents: nil)
        return try RecordedBody(handle: FileHandle(forWritingTo: body))
    }
}

/// The open body file of one recorded response.
final class RecordedBody {
    private let handle: FileHandle
    init(handle: FileHandle) { self.handle = handle }
    func write(_ data: Data) { handle.write(data) }
    deinit { try? handle.close() }
}
