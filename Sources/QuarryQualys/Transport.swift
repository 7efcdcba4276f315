// Quarry — the HTTP seam: requests, streamed responses, and a transport protocol.

import Foundation
import QuarryCore

/// One HTTP request to a Qualys API.
public struct HTTPRequest: Sendable {
    public var api: SourceAPI
    public var method: String
    public var url: URL
    /// Header names as sent; `Authorization` is never logged or recorded.
    public var headers: [String: String]
    public var body: Data?

    public init(api: SourceAPI, method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.api = api
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// `POST /rest/2.0/search/am/asset?pageSize=100`: method, path and query, for errors
    /// and logs. Credentials never travel in Qualys URLs.
    public var label: String {
        let parts = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var text = parts?.percentEncodedPath ?? url.path
        if let q = parts?.percentEncodedQuery, !q.isEmpty { text += "?" + q }
        return "\(method) \(text)"
    }

    /// True for the gateway's `POST /auth`.
    public var isAuth: Bool { url.path.hasSuffix("/auth") && api == .gav && method == "POST" }
}

/// A response whose body arrives in chunks.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: AsyncThrowingStream<Data, any Error>

    public init(status: Int, headers: [String: String], body: AsyncThrowingStream<Data, any Error>) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    /// A response with a body already in memory, served in chunks of `chunkSize`.
    public init(status: Int, headers: [String: String] = [:], data: Data, chunkSize: Int = 64 * 1024,
                failAfter error: (any Error)? = nil) {
        let stream = AsyncThrowingStream<Data, any Error> { c in
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunkSize, data.count)
                c.yield(data.subdata(in: offset..<end))
                offset = end
            }
            c.finish(throwing: error)
        }
        self.init(status: status, headers: headers, body: stream)
    }

    /// Reads the whole body (error bodies, auth, JSON pages), at most `limit` bytes.
    public func collect(limit: Int = 512 * 1024 * 1024) async throws -> Data {
        var out = Data()
        for try await chunk in body {
            out.append(chunk)
            if out.count > limit { throw TransportError.bodyTooLarge(limit) }
        }
        return out
    }
}

/// Failures below HTTP: connection refused or reset, timeout, a cut body.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case connection(String)
    case bodyTooLarge(Int)

    public var description: String {
        switch self {
        case .connection(let detail): "connection error: \(detail)"
        case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
        }
    }
}

/// Sends requests. The default is `URLSessionTransport`; tests script one; `--replay`
/// uses `ReplayTransport`.
public protocol Transport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
