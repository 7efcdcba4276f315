// Quarry — helpers for the simulator tests: an HTTP client and independent XML/JSON readers.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(FoundationXML)
import FoundationXML
#endif
import QuarryCore
@testable import QuarrySimulator

/// A started simulator that stops when the test's scope ends.
final class RunningSim {
    let sim: Simulator
    let base: String
    let session: URLSession

    init(_ config: SimulatorConfig) throws {
        sim = Simulator(config: config)
        let port = try sim.start(port: 0)
        base = "http://127.0.0.1:\(port)"
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = 20
        session = URLSession(configuration: c)
    }

    deinit {
        session.invalidateAndCancel()
        sim.stop()
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// When set, `call` retries (up to 6 attempts) on transport errors, 503, 409 and 429,
    /// waiting what the limit headers ask (as a client with retries would).
    var retrying = false
    private(set) var retries = 0

    func call(_ method: String, _ pathAndQuery: String, headers: [String: String] = [:],
              body: String? = nil) async throws -> Reply {
        guard retrying else { return try await once(method, pathAndQuery, headers: headers, body: body) }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let r = try await once(method, pathAndQuery, headers: headers, body: body)
                let classic401 = r.status == 401 && attempt == 1 && !pathAndQuery.contains("/rest/2.0/search/am/asset")
                    && !pathAndQuery.hasSuffix("/auth")
                if ([409, 429, 503].contains(r.status) || classic401) && attempt < 6 {
                    retries += 1
                    let wait = Double(r.header("X-RateLimit-ToWait-Sec") ?? "0") ?? 0
                    try await Task.sleep(nanoseconds: UInt64(max(0.05, min(wait, 5)) * 1e9))
                    continue
                }
                return r
            } catch where attempt < 6 {
                retries += 1
            }
        }
    }

    func once(_ method: String, _ pathAndQuery: String, headers: [String: String] = [:],
              body: String? = nil) async throws -> Reply {
        let url = pathAndQuery.hasPrefix("http") ? URL(string: pathAndQuery)! : URL(string: base + pathAndQuery)!
        var r = URLRequest(url: url)
        r.httpMethod = method
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        if let body { r.httpBody = Data(body.utf8) }
        let (data, response) = try await session.data(for: r)
        let http = response as! HTTPURLResponse
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h[String(describing: k)] = String(describing: v) }
        return Reply(status: http.statusCode, headers: h, body: data)
    }

    /// Sends a GET, waits (on a plain thread) until the server holds it, then sends a second
    /// one; returns both replies in that order.
    func overlapping(_ pathAndQuery: String, headers: [String: String]) async throws -> [Reply] {
        var r = URLRequest(url: URL(string: base + pathAndQuery)!)
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        let request = r
        let sim = self.sim, session = self.session
        return try await withCheckedThrowingContinuation { cont in
            Thread {
                let group = DispatchGroup()
                let lock = NSLock()
                var replies: [Int: Reply] = [:]
                var failure: Error?
                func start(_ i: Int) {
                    group.enter()
                    session.dataTask(with: request) { data, response, error in
                        lock.lock()
                        if let http = response as? HTTPURLResponse {
                            var h: [String: String] = [:]
                            for (k, v) in http.allHeaderFields { h[String(describing: k)] = String(describing: v) }
                            replies[i] = Reply(status: http.statusCode, headers: h, body: data ?? Data())
                        } else {
                            failure = error ?? URLError(.badServerResponse)
                        }
                        lock.unlock()
                        group.leave()
                    }.resume()
                }
                let before = sim.requestCounts["vm"] ?? 0
                start(0)
                for _ in 0..<1000 where (sim.requestCounts["vm"] ?? 0) == before { Thread.sleep(forTimeInterval: 0.005) }
                start(1)
                group.wait()
                if let failure { cont.resume(throwing: failure) } else { cont.resume(returning: [replies[0]!, replies[1]!]) }
            }.start()
        }
    }

    var basic: [String: String] {
        ["Authorization": "Basic " + Data("quarry-demo:quarry-demo-password".utf8).base64EncodedString(),
         "X-Requested-With": "quarry-tests"]
    }

    func token() async throws -> String {
        let r = try await call("POST", "/auth", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                               body: "username=quarry-demo&password=quarry-demo-password&token=true")
        precondition(r.status == 201, "auth answered \(r.status)")
        return r.text
    }

    static func qpsBody(after: Int64?, limit: Int) -> String {
        var s = "<ServiceRequest><preferences><limitResults>\(limit)</limitResults></preferences>"
        if let after { s += "<filters><Criteria field=\"id\" operator=\"GREATER\">\(after)</Criteria></filters>" }
        return s + "</ServiceRequest>"
    }
}

/// Reads an XML document with Foundation's parser: the set of element paths below the
/// root and the texts found at each path.
final class XMLPaths: NSObject, XMLParserDelegate {
    var paths: Set<String> = []
    var texts: [String: [String]] = [:]
    private var stack: [String] = []
    private var text = ""
    private(set) var ok = false

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        ok = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        stack.append(name)
        if stack.count > 1 { paths.insert(stack.dropFirst().joined(separator: "/")) }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, foundCDATA block: Data) { text += String(decoding: block, as: UTF8.self) }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let path = stack.dropFirst().joined(separator: "/")
        texts[path, default: []].append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        stack.removeLast()
        text = ""
    }
}

/// Every key path of a JSON value (array elements add no component).
func jsonPaths(_ value: Any, prefix: String = "") -> Set<String> {
    var out: Set<String> = []
    if let dict = value as? [String: Any] {
        for (k, v) in dict {
            let p = prefix.isEmpty ? k : prefix + "." + k
            out.insert(p)
            out.formUnion(jsonPaths(v, prefix: p))
        }
    } else if let array = value as? [Any] {
        for v in array { out.formUnion(jsonPaths(v, prefix: prefix)) }
    }
    return out
}

/// Reads the ground-truth CSV into (api, record_id) → machine_id.
func readGroundTruth(_ path: String) throws -> (header: String, rows: [String: String], lines: Int) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    let header = lines.removeFirst()
    var rows: [String: String] = [:]
    for line in lines {
        let f = line.split(separator: ",").map(String.init)
        rows[f[0] + "," + f[1]] = f[2]
    }
    return (header, rows, lines.count)
}

func sharedFixture(_ relative: String) throws -> Data {
    guard let shared = SharedFolder.locate() else { throw CocoaError(.fileNoSuchFile) }
    return try Data(contentsOf: shared.appendingPathComponent(relative))
}
