// Quarry — the URLSession transport against a one-shot HTTP server on 127.0.0.1.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import QuarryCore
import Testing
@testable import QuarryQualys

/// Accepts connections on 127.0.0.1 and answers each with the next canned response.
private final class LoopbackServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let responses: [Data]
    private let lock = NSLock()
    private var seen: [String] = []

    init(responses: [Data]) throws {
        self.responses = responses
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) }
        }
        guard bound == 0, listen(s, 8) == 0 else { throw TransportError.connection("cannot listen") }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        port = UInt16(bigEndian: addr.sin_port)
        let server = self
        Thread { server.serve() }.start()
    }

    var requests: [String] { lock.withLock { seen } }

    private func serve() {
        for response in responses {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var request = Data()
            while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                request.append(contentsOf: buffer[0..<n])
            }
            lock.withLock { seen.append(String(decoding: request, as: UTF8.self)) }
            response.withUnsafeBytes { _ = write(client, $0.baseAddress, $0.count) }
            close(client)
        }
        close(fd)
    }
}

@Suite struct URLSessionTransportTests {
    @Test func streamsABodyAndReportsStatusAndHeaders() async throws {
        let body = try Fixture.data("cases/BR-03/page-2-host-list.xml")
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-RateLimit-Remaining: 299\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let server = try LoopbackServer(responses: [Data(head.utf8) + body])
        let transport = URLSessionTransport(timeout: 10)
        let request = HTTPRequest(
            api: .vm, method: "GET",
            url: URL(string: "http://127.0.0.1:\(server.port)/api/2.0/fo/asset/host/?action=list")!,
            headers: ["X-Requested-With": "quarry", "Authorization": "Basic eDp5"])
        let response = try await transport.send(request)
        #expect(response.status == 200)
        #expect(response.headers["x-ratelimit-remaining"] == "299")
        #expect(try await response.collect() == body)
        let seen = try #require(server.requests.first)
        #expect(seen.hasPrefix("GET /api/2.0/fo/asset/host/?action=list HTTP/1.1\r\n"))
        #expect(seen.lowercased().contains("x-requested-with: quarry"))
    }

    @Test func aBodyCutShortFailsTheStream() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n<HOST_LIST_OUTPUT>"
        let server = try LoopbackServer(responses: [Data(head.utf8)])
        let transport = URLSessionTransport(timeout: 10)
        let request = HTTPRequest(api: .vm, method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/x")!)
        await #expect(throws: (any Error).self) {
            let response = try await transport.send(request)
            _ = try await response.collect()
        }
    }

    @Test func extractorPullsBR03OverTheNetworkFromLoopback() async throws {
        func reply(_ body: Data) -> Data {
            Data(("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nX-Concurrency-Limit-Limit: 2\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n").utf8) + body
        }
        let server = try LoopbackServer(responses: [
            reply(try Fixture.data("cases/BR-03/page-1-host-list.xml")),
            reply(try Fixture.data("cases/BR-03/page-2-host-list.xml")),
        ])
        let json = """
            {"name": "t", "qualys": {"apiURL": "http://127.0.0.1:\(server.port)",
             "gatewayURL": "http://127.0.0.1:\(server.port)", "sources": ["vm"]}}
            """
        let s = try PipelineConfig.parse(file: "t.json", data: Data(json.utf8)).qualys
        let e = try QualysExtractor(settings: s, credentials: testCredentials, logger: .silent,
                                    counters: RunCounters())
        let sink = Sink()
        let summary = try await run(e, .vm, sink: sink)
        #expect(sink.records.map(\.recordID) == ["1001", "1002", "1003", "1004", "1005"])
        #expect(summary.pages == 2)
        let second = try #require(server.requests.last)
        #expect(second.hasPrefix("GET /api/2.0/fo/asset/host/?action=list&truncation_limit=3&details=Basic&id_min=1004 "))
        #expect(second.contains("Authorization: Basic YXBpLXVzZXI6czNjcmV0LVBhc3N3MHJk")
            || second.contains("authorization: Basic YXBpLXVzZXI6czNjcmV0LVBhc3N3MHJk"))
    }
}
