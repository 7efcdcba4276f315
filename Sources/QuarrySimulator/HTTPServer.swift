// Quarry — a small HTTP/1.1 server on POSIX sockets, bound to 127.0.0.1 only.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One parsed request.
struct HTTPRequest {
    let method: String
    /// Path without the query string, percent-encoding kept.
    let path: String
    /// Raw query string (after `?`), may be empty.
    let rawQuery: String
    /// Header names lowercased.
    let headers: [String: String]
    let body: [UInt8]

    /// Query and (for form bodies) body parameters, decoded, in order.
    var parameters: [(String, String)] {
        var out = HTTPRequest.parseForm(rawQuery)
        if headers["content-type"]?.contains("x-www-form-urlencoded") == true {
            out += HTTPRequest.parseForm(String(decoding: body, as: UTF8.self))
        }
        return out
    }

    func parameter(_ name: String) -> String? { parameters.last { $0.0 == name }?.1 }

    static func parseForm(_ s: String) -> [(String, String)] {
        s.split(separator: "&").compactMap { pair in
            guard !pair.isEmpty else { return nil }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ x: Substring) -> String {
                String(x).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(x)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

/// Writes the response of one request; either whole (Content-Length) or chunked.
final class HTTPResponder {
    fileprivate let fd: Int32
    fileprivate var keepAlive = true
    private(set) var bytesSent = 0
    private var chunked = false

    fileprivate init(fd: Int32) { self.fd = fd }

    /// Sends raw bytes; false when the peer is gone.
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                send(fd, buf.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                keepAlive = false
                return false
            }
            offset += n
        }
        bytesSent += bytes.count
        return true
    }

    private func head(_ status: Int, _ headers: [(String, String)], length: Int?) -> [UInt8] {
        var s = "HTTP/1.1 \(status) \(HTTPResponder.reason(status))\r\n"
        s += "Date: \(HTTPResponder.httpDate())\r\nServer: Qualys\r\n"
        for (k, v) in headers { s += "\(k): \(v)\r\n" }
        if let length { s += "Content-Length: \(length)\r\n" } else { s += "Transfer-Encoding: chunked\r\n" }
        s += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(s.utf8)
    }

    /// A complete response with Content-Length.
    @discardableResult
    func respond(_ status: Int, _ headers: [(String, String)], body: [UInt8]) -> Bool {
        write(head(status, headers, length: body.count) + body)
    }

    func respond(_ status: Int, _ headers: [(String, String)], text: String) {
        respond(status, headers, body: Array(text.utf8))
    }

    /// Sends the head of a chunked response; then `chunk(_:)` and `finish()`.
    func begin(_ status: Int, _ headers: [(String, String)]) -> Bool {
        chunked = true
        return write(head(status, headers, length: nil))
    }

    func chunk(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        return write(Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [13, 10])
    }

    func finish() { _ = write(Array("0\r\n\r\n".utf8)) }

    /// Sends the head and part of a body, then resets the connection (a fault).
    func respondThenReset(_ status: Int, _ headers: [(String, String)], body: [UInt8], sendBytes: Int) {
        _ = write(head(status, headers, length: body.count) + body.prefix(sendBytes))
        reset()
    }

    /// Closes with RST instead of FIN (SO_LINGER 0).
    func reset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        keepAlive = false
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 416: return "Requested Range Not Satisfiable"
        case 429: return "Too Many Requests"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }

    static func httpDate() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [Int8](repeating: 0, count: 64)
        strftime(&buf, 64, "%a, %d %b %Y %H:%M:%S GMT", &tmv)
        return String(cString: buf)
    }
}

/// Errors starting the server.
struct HTTPServerError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "simulator HTTP server: \(call) failed: \(String(cString: strerror(code)))" }
}

/// Accepts connections on 127.0.0.1 and runs `handler` for each request, one thread per
/// connection, keep-alive honoured.
final class HTTPServer: @unchecked Sendable {
    typealias Handler = (HTTPRequest, HTTPResponder) -> Void
    private let handler: Handler
    private var listenFD: Int32 = -1
    private let lock = NSLock()
    private var open: Set<Int32> = []
    private var stopped = false

    init(handler: @escaping Handler) { self.handler = handler }

    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts accepting; returns the port.
    func start(port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError(call: "socket", code: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { let e = errno; close(fd); throw HTTPServerError(call: "bind", code: e) }
        guard listen(fd, 128) == 0 else { let e = errno; close(fd); throw HTTPServerError(call: "listen", code: e) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.stackSize = 1 << 20
        thread.start()
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Stops accepting and closes every open connection.
    func stop() {
        lock.lock()
        stopped = true
        let fds = open
        lock.unlock()
        if listenFD >= 0 { Glibc.shutdown(listenFD, Int32(SHUT_RDWR)); close(listenFD); listenFD = -1 }
        for fd in fds { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            if stopped { lock.unlock(); close(client); return }
            open.insert(client)
            lock.unlock()
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let t = Thread { [self] in
                serve(client)
                lock.lock(); open.remove(client); lock.unlock()
                close(client)
            }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        var pending: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            guard let request = readRequest(fd, &pending, &buf) else { return }
            let responder = HTTPResponder(fd: fd)
            if request.headers["connection"]?.lowercased() == "close" { responder.keepAlive = false }
            handler(request, responder)
            if !responder.keepAlive { return }
        }
    }

    private func readRequest(_ fd: Int32, _ pending: inout [UInt8], _ buf: inout [UInt8]) -> HTTPRequest? {
        func fill() -> Bool {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return n < 0 && errno == EINTR }
            pending.append(contentsOf: buf[0..<n])
            return true
        }
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = HTTPServer.find(pending, [13, 10, 13, 10])
            if headerEnd == nil {
                if pending.count > 1 << 20 || !fill() { return nil }
            }
        }
        let head = String(decoding: pending[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        // TODO(http): chunked request bodies are not read (URLSession sends Content-Length for
        // `httpBody`); matters only for a client that streams its request body.
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headerEnd! + 4
        if headers["expect"]?.lowercased() == "100-continue" && pending.count < bodyStart + length {
            let cont = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = cont.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        while pending.count < bodyStart + length {
            if !fill() { return nil }
        }
        let body = Array(pending[bodyStart..<(bodyStart + length)])
        pending.removeFirst(bodyStart + length)
        let target = String(requestLine[1])
        let q = target.firstIndex(of: "?")
        return HTTPRequest(
            method: String(requestLine[0]),
            path: q.map { String(target[..<$0]) } ?? target,
            rawQuery: q.map { String(target[target.index(after: $0)...]) } ?? "",
            headers: headers, body: body)
    }

    private static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && hay[i + 1] == needle[1] && hay[i + 2] == needle[2] && hay[i + 3] == needle[3] {
                return i
            }
            i += 1
        }
        return nil
    }
}
