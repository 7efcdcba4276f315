// Quarry — helpers for the extract tests: fixtures, settings, a scripted transport.

import Foundation
import QuarryCore
@testable import QuarryQualys

enum Fixture {
    static let shared: URL = SharedFolder.locate()!

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: shared.appendingPathComponent(relative))
    }

    /// Parses an XML body through the streaming reader in chunks of `chunk` bytes.
    static func xml(_ data: Data, layout: XMLRecordLayout, page: Int = 1, chunk: Int = 64 * 1024) throws
        -> ParsedPage
    {
        let reader = XMLPageReader(layout: layout, page: page)
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            try reader.feed(data.subdata(in: offset..<end))
            offset = end
        }
        return try reader.finish()
    }

    static func xml(_ relative: String, layout: XMLRecordLayout, chunk: Int = 64 * 1024) throws -> ParsedPage {
        try xml(data(relative), layout: layout, chunk: chunk)
    }
}

func settings(_ extra: String = "") throws -> QualysSettings {
    let json = """
        {"name": "t", "qualys": {"apiURL": "https://qualysapi.example.com",
         "gatewayURL": "https://gateway.example.com", "maxAttempts": 4 \(extra)}}
        """
    return try PipelineConfig.parse(file: "test.json", data: Data(json.utf8)).qualys
}

let testCredentials = Credentials(username: "api-user", password: "s3cret-Passw0rd")

/// Answers requests from per-key queues (`auth`, `gav`, `qps`, `vm`) and logs them.
final class ScriptedTransport: Transport, @unchecked Sendable {
    typealias Reply = @Sendable (HTTPRequest) async throws -> HTTPResponse
    private let lock = NSLock()
    private var queues: [String: [Reply]] = [:]
    private var log: [HTTPRequest] = []

    func on(_ key: String, _ reply: @escaping Reply) { lock.withLock { queues[key, default: []].append(reply) } }

    func on(_ key: String, status: Int = 200, headers: [String: String] = [:], body: Data) {
        on(key) { _ in HTTPResponse(status: status, headers: headers, data: body) }
    }

    func on(_ key: String, status: Int = 200, headers: [String: String] = [:], text: String) {
        on(key, status: status, headers: headers, body: Data(text.utf8))
    }

    var requests: [HTTPRequest] { lock.withLock { log } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let key = request.isAuth ? "auth" : request.api.rawValue
        let reply: Reply? = lock.withLock {
            log.append(request)
            guard var q = queues[key], !q.isEmpty else { return nil }
            let r = q.removeFirst()
            queues[key] = q
            return r
        }
        guard let reply else { throw TransportError.connection("script has no reply for \(request.label)") }
        return try await reply(request)
    }
}

/// Collects emitted batches.
final class Sink: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[SourceRecord]] = []
    private var cursors: [PageCursor] = []
    func add(_ b: [SourceRecord]) { lock.withLock { batches.append(b) } }
    func page(_ c: PageCursor) { lock.withLock { cursors.append(c) } }
    var records: [SourceRecord] { lock.withLock { batches.flatMap { $0 } } }
    var pages: [PageCursor] { lock.withLock { cursors } }
}

func makeExtractor(_ transport: any Transport, clock: VirtualClock = VirtualClock(), settings s: QualysSettings? = nil,
                   counters: RunCounters = RunCounters(), sink: MemorySink = MemorySink(),
                   record: URL? = nil) throws -> QualysExtractor {
    let logger = Logger(minimumLevel: .trace, sink: sink)
    let e = try QualysExtractor(settings: s ?? settings(), credentials: testCredentials, logger: logger,
                                counters: counters, transport: transport, record: record, clock: clock)
    e.jitter = { 0 }
    return e
}

func run(_ e: QualysExtractor, _ api: SourceAPI, sink: Sink = Sink(), batchSize: Int = 1000,
         since: Date? = nil, resume: PageCursor? = nil) async throws -> ExtractSummary {
    try await e.extract(api, batchSize: batchSize, since: since, resumeFrom: resume,
                        onPage: { sink.page($0) }, emit: { sink.add($0) })
}

/// A temporary folder removed at the end of the test.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-qualys-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
