// Quarry — the gateway JWT: fetched once, renewed before expiry and once on a 401.

import Foundation
import QuarryCore

/// Holds the gateway token for one run and renews it single-flight: concurrent callers
/// that need a new token wait for the same `POST /auth`.
actor GatewayToken {
    /// A token and the generation it belongs to (to tell a stale 401 from a fresh one).
    struct Issued: Sendable {
        var token: String
        var generation: Int
    }

    private let transport: any Transport
    private let authURL: URL
    private let credentials: Credentials
    private let clock: any ExtractClock
    private let redactor: Redactor
    private let logger: Logger
    private let counters: RunCounters
    private let clientName: String

    private var current: Issued?
    private var expiry = Date.distantPast
    private var renewal: Task<Issued, any Error>?
    private var generation = 0

    /// Renew this long before the token expires.
    static let renewMargin: TimeInterval = 600
    /// Lifetime assumed when the token's `exp` cannot be read.
    static let assumedLifetime: TimeInterval = 4 * 3600

    init(transport: any Transport, gateway: URL, credentials: Credentials, clock: any ExtractClock,
         logger: Logger, counters: RunCounters, clientName: String) {
        self.transport = transport
        self.authURL = gateway.appendingPathComponent("auth")
        self.credentials = credentials
        self.clock = clock
        self.redactor = logger.redactor
        self.logger = logger
        self.counters = counters
        self.clientName = clientName
    }

    /// A token valid for at least `renewMargin` more seconds.
    func token() async throws -> Issued {
        if let current, clock.now() < expiry - Self.renewMargin { return current }
        if current != nil { logger.info("gav.token.renew", [("reason", "expires soon")]) }
        return try await renew()
    }

    /// Called after a 401 with the token that got it: renews once for all callers that saw
    /// the same generation; a caller with an older generation just gets the newer token.
    func rejected(_ issued: Issued) async throws -> Issued {
        if let current, current.generation > issued.generation { return current }
        if let renewal { return try await renewal.value }
        logger.info("gav.token.renew", [("reason", "HTTP 401")])
        return try await renew()
    }

    private func renew() async throws -> Issued {
        if let renewal { return try await renewal.value }
        let task = Task { try await self.fetch() }
        renewal = task
        defer { renewal = nil }
        let issued = try await task.value
        return issued
    }

    private func fetch() async throws -> Issued {
        let body = Data([
            "username=" + Self.formEncode(credentials.username),
            "password=" + Self.formEncode(credentials.password),
            "token=true",
        ].joined(separator: "&").utf8)
        let request = HTTPRequest(
            api: .gav, method: "POST", url: authURL,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": clientName],
            body: body)
        var lastError = ""
        for attempt in 1...3 {
            counters.add("gav.auth_requests")
            let response: HTTPResponse
            let data: Data
            do {
                response = try await transport.send(request)
                data = try await response.collect(limit: 1 << 20)
            } catch let e as ExtractError {
                throw e
            } catch {
                lastError = redactor.redact("\(error)")
                try await clock.sleep(seconds: Double(5 * attempt))
                continue
            }
            if response.status == 201 || response.status == 200 {
                let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !token.isEmpty else { lastError = "empty token"; continue }
                redactor.register(token)
                generation += 1
                let issued = Issued(token: token, generation: generation)
                current = issued
                expiry = Self.expiry(of: token) ?? clock.now() + Self.assumedLifetime
                return issued
            }
            if response.status >= 500 || response.status == 429 {
                lastError = "HTTP \(response.status)"
                try await clock.sleep(seconds: Double(5 * attempt))
                continue
            }
            let detail = redactor.redact(String(decoding: data.prefix(200), as: UTF8.self))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw ExtractError.authenticationFailed(
                api: .gav, endpoint: "POST /auth", status: response.status,
                detail: detail.isEmpty ? "no token issued" : detail)
        }
        throw ExtractError.gaveUp(api: .gav, request: "POST /auth", attempts: 3, lastError: lastError,
                                  position: "before the first page")
    }

    /// `application/x-www-form-urlencoded` value: everything but `A-Z a-z 0-9 - . _ ~` escaped.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `exp` from a JWT's payload, when the token is a decodable JWT.
    static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let exp = object["exp"] as? NSNumber else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }
}
