// Quarry — the network transport: URLSession with a data delegate that streams the body.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryCore

/// Sends requests with URLSession and hands the body on chunk by chunk as it arrives.
///
/// Linux has no `bytes(for:)`; the data delegate streams (~16 KB chunks) but applies no
/// back-pressure, so memory is bounded by the page size the APIs use. Redirects are not
/// followed (an `Authorization` header must never travel to another host).
public final class URLSessionTransport: Transport, @unchecked Sendable {
    private let session: URLSession
    private let delegate: StreamingDelegate

    public init(timeout: TimeInterval) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout * 4, timeout)
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        delegate = StreamingDelegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        for (name, value) in request.headers { r.setValue(value, forHTTPHeaderField: name) }
        r.httpBody = request.body
        let task = session.dataTask(with: r)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.register(task, continuation)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// Routes URLSession callbacks to the waiting request and its body stream. State per task
/// lives in `tasks`, guarded by `lock`.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Entry {
        var head: CheckedContinuation<HTTPResponse, any Error>?
        var body: AsyncThrowingStream<Data, any Error>.Continuation?
    }

    private let lock = NSLock()
    private var tasks: [Int: Entry] = [:]

    func register(_ task: URLSessionDataTask, _ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        lock.withLock { tasks[task.taskIdentifier] = Entry(head: continuation, body: nil) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { headers["\(k)".lowercased()] = "\(v)" }
        var bodyContinuation: AsyncThrowingStream<Data, any Error>.Continuation?
        let stream = AsyncThrowingStream<Data, any Error> { bodyContinuation = $0 }
        bodyContinuation?.onTermination = { reason in
            if case .cancelled = reason { dataTask.cancel() }
        }
        let head = lock.withLock { () -> CheckedContinuation<HTTPResponse, any Error>? in
            let h = tasks[dataTask.taskIdentifier]?.head
            tasks[dataTask.taskIdentifier] = Entry(head: nil, body: bodyContinuation)
            return h
        }
        head?.resume(returning: HTTPResponse(status: http?.statusCode ?? 0, headers: headers, body: stream))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let body = lock.withLock { tasks[dataTask.taskIdentifier]?.body }
        body?.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let entry = lock.withLock { tasks.removeValue(forKey: task.taskIdentifier) }
        let failure = error.map { TransportError.connection(Self.describe($0)) }
        if let head = entry?.head {
            head.resume(throwing: failure ?? TransportError.connection("no response"))
        }
        entry?.body?.finish(throwing: failure)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    /// The error without its URL (which is logged separately, without credentials).
    private static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        return "\(ns.domain) \(ns.code): \(ns.localizedDescription)"
    }
}
