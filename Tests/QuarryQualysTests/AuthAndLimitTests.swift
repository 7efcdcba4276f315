// Quarry — gateway tokens (BR-15), 409 codes, backoff and the shared throttle.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

private let page1 = """
    {"responseMessage":"Valid API Access","count":2,"responseCode":"SUCCESS","lastSeenAssetId":4700002,"hasMore":1,
     "assetListData":{"asset":[
      {"assetId":4700001,"assetName":"night-01.example.com","address":"198.51.100.161","assetType":"HOST"},
      {"assetId":4700002,"assetName":"night-02.example.com","address":"198.51.100.162","assetType":"HOST"}]}}
    """
private let page2 = """
    {"responseMessage":"Valid API Access","count":1,"responseCode":"SUCCESS","lastSeenAssetId":4700003,"hasMore":0,
     "assetListData":{"asset":[
      {"assetId":4700003,"assetName":"night-03.example.com","address":"198.51.100.163","assetType":"HOST"}]}}
    """

@Suite struct AuthTests {
    @Test func br15ExpiredTokenIsRenewedOnceAndTheSamePageRetried() async throws {
        let t = ScriptedTransport()
        let clock = VirtualClock()
        t.on("auth", status: 201, text: "tok-A.example-jwt-issued-0000")
        t.on("gav", text: page1)
        t.on("gav") { _ in
            clock.advance(2 * 3600)  // a slow night: still inside the token's 4 h
            return HTTPResponse(status: 401, data: Data(#"{"message":"token expired"}"#.utf8))
        }
        t.on("auth", status: 201, text: "tok-B.example-jwt-issued-0400")
        t.on("gav", text: page2)
        let logs = MemorySink()
        let counters = RunCounters()
        let sink = Sink()
        _ = try await run(try makeExtractor(t, clock: clock, counters: counters, sink: logs), .gav, sink: sink)
        #expect(sink.records.map(\.recordID) == ["4700001", "4700002", "4700003"])
        let labels = t.requests.map(\.label)
        #expect(labels == [
            "POST /auth", "POST /rest/2.0/search/am/asset?pageSize=100",
            "POST /rest/2.0/search/am/asset?pageSize=100&lastSeenAssetId=4700002", "POST /auth",
            "POST /rest/2.0/search/am/asset?pageSize=100&lastSeenAssetId=4700002",
        ])
        #expect(t.requests[4].headers["Authorization"] == "Bearer tok-B.example-jwt-issued-0400")
        let authBody = String(decoding: t.requests[0].body ?? Data(), as: UTF8.self)
        #expect(authBody == "username=api-user&password=s3cret-Passw0rd&token=true")
        let logged = logs.events.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logged.contains("tok-A") && !logged.contains("tok-B") && !logged.contains("s3cret"))
        #expect(counters["gav.auth_requests"] == 2)
    }

    @Test func br15TokenIsRenewedBeforeItExpires() async throws {
        let t = ScriptedTransport()
        let clock = VirtualClock()
        t.on("auth", status: 201, text: "tok-A.example-jwt-issued-0000")
        t.on("gav") { _ in
            clock.advance(4 * 3600 + 7)  // the next request happens four hours later
            return HTTPResponse(status: 200, data: Data(page1.utf8))
        }
        t.on("auth", status: 201, text: "tok-B.example-jwt-issued-0400")
        t.on("gav", text: page2)
        let sink = Sink()
        _ = try await run(try makeExtractor(t, clock: clock), .gav, sink: sink)
        #expect(sink.records.count == 3)
        #expect(t.requests.map(\.label) == [
            "POST /auth", "POST /rest/2.0/search/am/asset?pageSize=100", "POST /auth",
            "POST /rest/2.0/search/am/asset?pageSize=100&lastSeenAssetId=4700002",
        ])
        #expect(t.requests[3].headers["Authorization"] == "Bearer tok-B.example-jwt-issued-0400")
    }

    @Test func jwtExpiryIsReadFromTheToken() throws {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        let jwt = b64(#"{"alg":"none"}"#) + "." + b64(#"{"exp":1700003600}"#) + ".sig"
        #expect(GatewayToken.expiry(of: jwt) == Date(timeIntervalSince1970: 1_700_003_600))
        #expect(GatewayToken.expiry(of: "tok-A.example-jwt-issued-0000") == nil)
    }

    @Test func concurrentWorkersShareOneRenewal() async throws {
        let t = ScriptedTransport()
        let clock = VirtualClock()
        let logger = Logger(minimumLevel: .trace, sink: MemorySink())
        t.on("auth", status: 201, text: "tok-A.1")
        t.on("auth") { _ in
            try await Task.sleep(nanoseconds: 20_000_000)  // let every worker arrive first
            return HTTPResponse(status: 201, data: Data("tok-B.2".utf8))
        }
        let counters = RunCounters()
        let token = GatewayToken(transport: t, gateway: URL(string: "https://gateway.example.com")!,
                                 credentials: testCredentials, clock: clock, logger: logger, counters: counters,
                                 clientName: "quarry")
        let first = try await token.token()
        let renewed = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await token.rejected(first).token } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(renewed == Array(repeating: "tok-B.2", count: 8))
        #expect(counters["gav.auth_requests"] == 2)
        #expect(t.requests.filter(\.isAuth).count == 2)
    }

    @Test func secondUnauthorizedEndsTheRunWithoutLeakingTokens() async throws {
        let t = ScriptedTransport()
        t.on("auth", status: 201, text: "tok-A.example-jwt-issued-0000")
        t.on("gav", status: 401, text: #"{"message":"token expired"}"#)
        t.on("auth", status: 201, text: "tok-B.example-jwt-issued-0400")
        t.on("gav", status: 401, text: #"{"message":"token expired tok-B.example-jwt-issued-0400"}"#)
        await #expect {
            _ = try await run(try makeExtractor(t), .gav)
        } throws: { error in
            guard case let ExtractError.authenticationFailed(api, endpoint, status, _) = error else { return false }
            let text = "\(error)"
            return api == .gav && status == 401 && endpoint == "POST /rest/2.0/search/am/asset?pageSize=100"
                && !text.contains("tok-") && text.contains("API access and read permission for CSAM/AM and VM")
        }
        #expect(t.requests.filter(\.isAuth).count == 2)
    }

    @Test func unauthorizedOnAuthFailsAtOnce() async throws {
        let t = ScriptedTransport()
        t.on("auth", status: 401, text: "Authentication failed")
        await #expect(throws: ExtractError.authenticationFailed(
            api: .gav, endpoint: "POST /auth", status: 401, detail: "Authentication failed")) {
            _ = try await run(try makeExtractor(t), .gav)
        }
        #expect(t.requests.count == 1)
    }
}

@Suite struct ClassicUnauthorizedTests {
    private let badLogin = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <SIMPLE_RETURN><RESPONSE><DATETIME>2026-01-01T00:00:00Z</DATETIME><CODE>2000</CODE>
        <TEXT>Bad Login/Password</TEXT></RESPONSE></SIMPLE_RETURN>
        """

    @Test func oneTransient401OnTheHostListIsAskedAgainOnce() async throws {
        let t = ScriptedTransport()
        t.on("vm", status: 401, text: badLogin)
        t.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))

        let sink = Sink()
        let summary = try await run(try makeExtractor(t), .vm, sink: sink)

        #expect(sink.records.map(\.recordID) == ["1004", "1005"])
        #expect(summary.retries == 1)
        #expect(t.requests.count == 2)
    }

    @Test func a401TwiceOnTheSameRequestEndsTheRunNamingTheEndpoint() async throws {
        let t = ScriptedTransport()
        t.on("vm", status: 401, text: badLogin)
        t.on("vm", status: 401, text: badLogin)

        await #expect {
            _ = try await run(try makeExtractor(t), .vm)
        } throws: { error in
            guard case let ExtractError.authenticationFailed(api, endpoint, status, detail) = error else { return false }
            return api == .vm && status == 401 && endpoint.hasPrefix("GET /api/2.0/fo/asset/host/?action=list")
                && detail.contains("Bad Login/Password")
        }
        #expect(t.requests.count == 2)
    }
}

@Suite struct LimitTests {
    private func hosts() throws -> Data { try Fixture.data("cases/BR-03/page-2-host-list.xml") }

    @Test func code1960RetriesAfterAShortDelay() async throws {
        let t = ScriptedTransport()
        t.on("vm", status: 409, body: try Fixture.data("fixtures/real/errors/409-1960-concurrency-limit.xml"))
        t.on("vm", body: try hosts())
        let clock = VirtualClock()
        let counters = RunCounters()
        let summary = try await run(try makeExtractor(t, clock: clock, counters: counters), .vm)
        #expect(summary.records == 2 && summary.http409 == 1 && summary.retries == 1)
        #expect(counters["vm.http_409"] == 1 && counters["vm.retries"] == 1)
        #expect(clock.sleeps == [5])
    }

    @Test func code1965WaitsSecondsToWaitAndWarns() async throws {
        let t = ScriptedTransport()
        let body = String(decoding: try Fixture.data("fixtures/real/errors/409-1965-rate-limit.xml"), as: UTF8.self)
            .replacingOccurrences(of: "68928", with: "120")
        t.on("vm", status: 409, headers: ["X-RateLimit-ToWait-Sec": "120"], text: body)
        t.on("vm", body: try hosts())
        let clock = VirtualClock()
        let logs = MemorySink()
        _ = try await run(try makeExtractor(t, clock: clock, sink: logs), .vm)
        #expect(clock.sleeps == [120])
        let warning = try #require(logs.events.first { $0.level == .warning })
        #expect(warning.message == "extract.rate_limited" && warning.value("wait_s") == "120")
    }

    @Test func code1965LongerThanTheLimitFails() async throws {
        let t = ScriptedTransport()
        t.on("vm", status: 409, body: try Fixture.data("fixtures/real/errors/409-1965-rate-limit.xml"))
        await #expect {
            _ = try await run(try makeExtractor(t), .vm)
        } throws: { error in
            guard case let ExtractError.rateLimitWaitTooLong(api, _, seconds, limit) = error else { return false }
            return api == .vm && seconds == 68928 && limit == 3600
        }
    }

    @Test(arguments: [
        ("409-2003-registration-incomplete.xml", 409, "2003"),
        ("409-2011-secureid-required.xml", 409, "2011"),
        ("simple-return-2001-account-expired.xml", 200, "2001"),
    ])
    func nonRetryableCodesFailAtOnce(file: String, status: Int, code: String) async throws {
        let t = ScriptedTransport()
        t.on("vm", status: status, body: try Fixture.data("fixtures/real/errors/" + file))
        await #expect {
            _ = try await run(try makeExtractor(t), .vm)
        } throws: { error in
            guard case let ExtractError.apiError(api, request, s, c, message) = error else { return false }
            return api == .vm && s == status && c == code && !message.isEmpty && request.hasPrefix("GET /api/2.0/")
        }
        #expect(t.requests.count == 1)
    }

    @Test func unavailableResetAndTruncatedBodiesAreRetriedWithBackoff() async throws {
        let t = ScriptedTransport()
        let full = try hosts()
        t.on("vm", status: 503, text: "down for maintenance")
        t.on("vm") { _ in throw TransportError.connection("connection reset by peer") }
        t.on("vm", status: 429, headers: ["X-RateLimit-ToWait-Sec": "30"], text: "")
        t.on("vm", body: full.prefix(full.count / 2))
        t.on("vm", body: full)
        let clock = VirtualClock()
        var s = try settings()
        s.maxAttempts = 5
        let summary = try await run(try makeExtractor(t, clock: clock, settings: s), .vm)
        #expect(summary.records == 2 && summary.retries == 4)
        #expect(clock.sleeps == [1, 2, 30, 8])
    }

    @Test func giveUpNamesRequestAttemptsAndLastError() async throws {
        let t = ScriptedTransport()
        for _ in 0..<3 { t.on("vm") { _ in throw TransportError.connection("connection reset by peer") } }
        var s = try settings()
        s.maxAttempts = 3
        await #expect {
            _ = try await run(try makeExtractor(t, settings: s), .vm)
        } throws: { error in
            "\(error)" == "vm: gave up on GET /api/2.0/fo/asset/host/?action=list&truncation_limit=1000&details=All"
                + "&show_asset_id=1&show_tags=1&host_metadata=all after 3 attempts (first page): "
                + "connection error: connection reset by peer"
        }
    }

    @Test func throttleHonoursHeadersAndPauses() async throws {
        let clock = VirtualClock()
        let throttle = Throttle(maxConcurrency: 4, clock: clock)
        await throttle.observe(["x-concurrency-limit-limit": "2", "x-ratelimit-remaining": ""], success: true)
        #expect(await throttle.limit == 2)
        try await throttle.acquire()
        try await throttle.acquire()
        let third = Task { try await throttle.acquire() }
        try await Task.sleep(nanoseconds: 10_000_000)
        #expect(await throttle.peakInFlight == 2)
        await throttle.release()
        try await third.value
        #expect(await throttle.peakInFlight == 2)
        await throttle.observe(["x-ratelimit-remaining": "0", "x-ratelimit-towait-sec": "42"], success: true)
        await throttle.release()
        await throttle.release()
        try await throttle.acquire()
        #expect(clock.sleeps == [42])
        await throttle.throttled()
        #expect(await throttle.limit == 1)
        await throttle.observe([:], success: true)
        #expect(await throttle.limit == 2)
    }
}
