// Quarry — `--replay DIR`: serve recorded responses in order, with no network.

import Foundation
import QuarryCore

/// Answers each request of an API with the next file of `DIR/<api>/`, whatever the URL.
///
/// Files are the bodies in natural name order (`page-2` before `page-10`), skipping
/// `*.meta.json`; a `<name>.meta.json` beside a body gives its status and headers
/// (default 200, none). So a recording replays, and so does a folder of saved real
/// responses such as `vm/page-1-host-list.xml`, `vm/page-2-host-list.xml`. The gateway's
/// `POST /auth` is answered with a placeholder token and consumes no file.
public final class ReplayTransport: Transport, @unchecked Sendable {
    private let lock = NSLock()
    private var queues: [SourceAPI: [URL]] = [:]
    private var served: [SourceAPI: Int] = [:]
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw ExtractError.replay("\(root.path) is not a folder")
        }
        for api in SourceAPI.allCases {
            let dir = root.appendingPathComponent(api.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            let bodies = names.filter { !$0.hasSuffix(".meta.json") && !$0.hasPrefix(".") }
                .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            queues[api] = bodies.map { dir.appendingPathComponent($0) }
        }
    }

    /// How many files of `api` were served.
    public func servedCount(_ api: SourceAPI) -> Int { lock.withLock { served[api] ?? 0 } }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.isAuth {
            return HTTPResponse(status: 201, data: Data("replay-token".utf8))
        }
        let file: URL? = lock.withLock {
            let n = served[request.api] ?? 0
            guard let q = queues[request.api], n < q.count else { return nil }
            served[request.api] = n + 1
            return q[n]
        }
        guard let file else {
            throw ExtractError.replay(
                "no recorded response left in \(root.path)/\(request.api.rawValue) for \(request.label)")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ExtractError.replay("cannot read \(file.path)")
        }
        var status = 200
        var headers: [String: String] = [:]
        let base = file.deletingPathExtension().path
        if let meta = FileManager.default.contents(atPath: base + ".meta.json") {
            guard let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any] else {
                throw ExtractError.replay("\(base).meta.json is not a JSON object")
            }
            status = (object["status"] as? NSNumber)?.intValue ?? 200
            for (k, v) in object["headers"] as? [String: Any] ?? [:] { headers[k] = "\(v)" }
        }
        return HTTPResponse(status: status, headers: headers, data: data)
    }
}
