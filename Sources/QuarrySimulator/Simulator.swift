// Quarry — the Qualys API simulator: one base URL serving the gateway and the classic APIs.

import Foundation
import QuarryCore

/// A synthetic Qualys tenant served over HTTP/1.1 on 127.0.0.1: `POST /auth`, GAV search,
/// QPS hostasset search and the VM host list, with the faults of `config.faults`.
public final class Simulator: @unchecked Sendable {
    public let config: SimulatorConfig
    let tenant: Tenant
    let logger: Logger
    private var server: HTTPServer?
    private(set) var port = 0
    let lock = NSLock()
    private var counts: [String: Int] = [:]
    /// Issued gateway tokens → (expiry, data requests served).
    var tokens: [String: (exp: Double, uses: Int)] = [:]
    /// Attempts so far of pages that have a fault planned (removed once served).
    var attempts: [String: Int] = [:]
    /// Fault keys already played once (per-API one-shots).
    var oneShots: Set<String> = []
    var tokenSerial = 0
    let classicLimiter: Limiter
    /// The clock the limits count with; tests freeze it so that a burst fills a window
    /// however slowly a busy machine sends it.
    var limiterNow: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    let gatewayLimiter: Limiter?

    /// Data requests a token serves before it "expires" under the `auth` profile.
    static let authTokenBudget = 3

    public init(config: SimulatorConfig, logger: Logger = .silent) {
        self.config = config
        self.logger = logger
        tenant = Tenant(assets: config.assets, seed: config.seed, night: config.night)
        if config.faults.hasTightLimits {
            classicLimiter = Limiter(rateLimit: 10, windowSeconds: 4, concurrencyLimit: 1)
            gatewayLimiter = Limiter(rateLimit: 8, windowSeconds: 3, concurrencyLimit: 1_000)
        } else {
            classicLimiter = Limiter(rateLimit: 1_000_000, windowSeconds: 3_600, concurrencyLimit: 100)
            gatewayLimiter = nil
        }
        logger.redactor.register(config.password)
    }

    /// Starts serving on 127.0.0.1:`port` (0 picks a free port); returns the bound port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let s = HTTPServer { [weak self] request, responder in self?.handle(request, responder) }
        self.port = try s.start(port: port)
        server = s
        logger.info("simulator listening", [("port", self.port), ("assets", config.assets),
                                             ("night", config.night), ("faults", config.faults.rawValue)])
        return self.port
    }

    public func stop() {
        server?.stop()
        server = nil
    }

    /// The calendar date (`YYYY-MM-DD`, UTC) of simulated night `night`.
    public static func nightDate(_ night: Int) -> String {
        let tenant = Tenant(assets: 0, seed: 0, night: max(1, night))
        return String(Timestamp.format(tenant.now).prefix(10))
    }

    /// `http://127.0.0.1:PORT` — the API host and the gateway.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Requests received so far by endpoint (`auth`, `gav`, `qps`, `vm`, `other`) and by
    /// answer (`status.409`, `fault.reset`, …).
    public var requestCounts: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        return counts
    }

    func count(_ key: String, _ n: Int = 1) {
        lock.lock(); counts[key, default: 0] += n; lock.unlock()
    }

    /// Writes `api,record_id,machine_id`, one row per record served on this night,
    /// streaming (flat memory at any tenant size).
    public func writeGroundTruth(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer = "api,record_id,machine_id\n"
        for api in SimAPI.allCases {
            try tenant.forEachRecord(api) { r in
                buffer += api.rawValue + "," + String(tenant.recordID(api, r.machineIndex, r.kind)) + ","
                    + tenant.machineID(r.machineIndex) + "\n"
                if buffer.utf8.count > 1 << 20 {
                    try handle.write(contentsOf: Data(buffer.utf8))
                    buffer = ""
                }
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    // MARK: - Routing

    private func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let path = request.path
        if path == "/auth" {
            count("auth")
            handleAuth(request, responder)
        } else if path == "/rest/2.0/search/am/asset" || path == "/rest/2.0/search/am/asset/" {
            count("gav")
            handleGAV(request, responder)
        } else if path == "/qps/rest/2.0/search/am/hostasset" || path == "/qps/rest/2.0/search/am/hostasset/" {
            count("qps")
            handleQPS(request, responder)
        } else if Simulator.isHostListPath(path) {
            count("vm")
            handleHostList(request, responder)
        } else {
            count("other")
            responder.respond(404, [("Content-Type", "text/plain")], text: "Not Found: \(path)\n")
        }
        count("bytes", responder.bytesSent)
    }

    static func isHostListPath(_ path: String) -> Bool {
        ["2.0", "3.0", "4.0", "5.0"].contains { v in
            path == "/api/\(v)/fo/asset/host/" || path == "/api/\(v)/fo/asset/host"
        }
    }

    func sleepLatency() {
        if config.latencyMS > 0 { usleep(UInt32(config.latencyMS) * 1000) }
    }

    /// Checks HTTP Basic credentials.
    func basicAuthOK(_ request: HTTPRequest) -> Bool {
        guard let h = request.headers["authorization"], h.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(h.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8) else { return false }
        return text == config.username + ":" + config.password
    }

    // MARK: - Gateway auth

    private func handleAuth(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard request.method == "POST" else {
            responder.respond(405, [("Content-Type", "text/plain")], text: "Method Not Allowed")
            return
        }
        let form = HTTPRequest.parseForm(String(decoding: request.body, as: UTF8.self))
        func value(_ k: String) -> String? { form.last { $0.0 == k }?.1 }
        guard value("username") == config.username, value("password") == config.password else {
            count("status.401")
            responder.respond(401, [("Content-Type", "text/plain")],
                              text: "Authentication Failure: invalid username or password")
            return
        }
        guard value("token") == "true" else {
            responder.respond(400, [("Content-Type", "text/plain")], text: "token=true is required")
            return
        }
        let now = Date().timeIntervalSince1970
        lock.lock()
        tokenSerial += 1
        let serial = tokenSerial
        lock.unlock()
        let token = JWT.make(issuedAt: Int64(now), lifetime: 4 * 3_600, serial: serial, seed: config.seed)
        logger.redactor.register(token)
        lock.lock()
        tokens[token] = (now + 4 * 3_600, 0)
        lock.unlock()
        responder.respond(201, [("Content-Type", "text/plain;charset=UTF-8")], text: token)
    }

    /// Validates a Bearer token and counts its use; nil when it is good, else the 401 text.
    func gatewayAuthProblem(_ request: HTTPRequest) -> String? {
        guard let h = request.headers["authorization"], h.hasPrefix("Bearer ") else {
            return "{\"message\":\"Unauthorized\"}"
        }
        let token = String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        lock.lock()
        defer { lock.unlock() }
        guard var state = tokens[token] else { return "{\"message\":\"Unauthorized\"}" }
        if state.exp <= Date().timeIntervalSince1970 { return "{\"message\":\"token expired\"}" }
        state.uses += 1
        tokens[token] = state
        if config.faults.hasAuthFaults && state.uses > Simulator.authTokenBudget {
            return "{\"message\":\"token expired\"}"
        }
        return nil
    }
}

/// A real-looking JWT: base64url(header).base64url(payload).base64url(signature).
enum JWT {
    static func make(issuedAt: Int64, lifetime: Int64, serial: Int, seed: UInt64) -> String {
        let header = "{\"alg\":\"HS512\",\"typ\":\"JWT\"}"
        var d = Dice(seed, UInt64(serial), UInt64(bitPattern: issuedAt), 99)
        let payload = "{\"iss\":\"quarry-simulator\",\"jti\":\"\(d.uuid())\",\"iat\":\(issuedAt),"
            + "\"exp\":\(issuedAt + lifetime),\"subscriptionId\":\"\(seed)\",\"sessionSerial\":\(serial)}"
        var signature: [UInt8] = []
        for _ in 0..<8 { withUnsafeBytes(of: d.next().littleEndian) { signature.append(contentsOf: $0) } }
        return b64url(Array(header.utf8)) + "." + b64url(Array(payload.utf8)) + "." + b64url(signature)
    }

    static func b64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
