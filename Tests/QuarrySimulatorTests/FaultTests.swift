// Quarry — errors and fault profiles behave like the real service and stay recoverable.

import Foundation
import Testing
@testable import QuarrySimulator

@Suite struct FaultTests {
    static let hostList = "/api/2.0/fo/asset/host/?action=list&truncation_limit=50&details=All"

    @Test func wrongCredentialsGetTheRealErrorOfEachAPI() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 50))
        let auth = try await s.call("POST", "/auth", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                    body: "username=quarry-demo&password=wrong&token=true")
        #expect(auth.status == 401)
        #expect(auth.text.contains("Authentication Failure"))
        #expect(!auth.text.contains("wrong"))

        let bad = ["Authorization": "Basic " + Data("quarry-demo:nope".utf8).base64EncodedString(),
                   "X-Requested-With": "tests"]
        let qps = try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: bad,
                                   body: RunningSim.qpsBody(after: nil, limit: 10))
        #expect(qps.status == 200)
        let qdoc = XMLPaths(qps.body)
        #expect(qdoc.texts["responseCode"] == ["INVALID_CREDENTIALS"])
        #expect(qdoc.texts["responseErrorDetails/errorMessage"] == ["Authentication failed"])

        let vm = try await s.call("GET", Self.hostList, headers: bad)
        #expect(vm.status == 401)
        #expect(XMLPaths(vm.body).texts["RESPONSE/CODE"] == ["2000"])

        let gav = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=10",
                                   headers: ["Authorization": "Bearer not-a-token"])
        #expect(gav.status == 401)

        var noHeader = s.basic
        noHeader["X-Requested-With"] = nil
        let missing = try await s.call("GET", Self.hostList, headers: noHeader)
        #expect(missing.status == 400)
        #expect(XMLPaths(missing.body).texts["RESPONSE/TEXT"]?.first?.contains("X-Requested-With") == true)

        let big = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=301",
                                   headers: ["Authorization": "Bearer " + (try await s.token())])
        #expect(big.status == 416)
        #expect(s.sim.requestCounts["status.401"] == 3)
    }

    @Test func tokenIsARealLookingJWTAndClassicResponsesCarryLimitHeaders() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 30))
        let token = try await s.token()
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let json = try JSONSerialization.jsonObject(with: Data(base64Encoded: payload)!)
        let claims = try #require(json as? [String: Any])
        let iat = try #require(claims["iat"] as? Int), exp = try #require(claims["exp"] as? Int)
        #expect(exp - iat == 4 * 3600)

        let vm = try await s.call("GET", Self.hostList, headers: s.basic)
        #expect(vm.status == 200)
        #expect(vm.header("X-RateLimit-Limit") == "1000000")
        #expect(vm.header("X-RateLimit-Window-Sec") == "3600")
        #expect(vm.header("X-RateLimit-Remaining") == "999999")
        #expect(vm.header("X-RateLimit-ToWait-Sec") == "0")
        #expect(vm.header("X-Concurrency-Limit-Limit") == "100")
        #expect(vm.header("X-Concurrency-Limit-Running") == "1")
    }

    @Test func concurrencyLimitAnswers409Code1960() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 30, faults: .limits, latencyMS: 1500))
        // Two overlapping calls, sent from a plain thread: the test's own task may wait long for
        // a turn on a busy machine, the second call must not.
        let replies = try await s.overlapping(Self.hostList, headers: s.basic)
        let blocked = try #require(replies.first { $0.status == 409 }, "statuses \(replies.map(\.status)), counts \(s.sim.requestCounts)")
        #expect(replies.filter { $0.status == 200 }.count == 1)
        let doc = XMLPaths(blocked.body)
        #expect(doc.texts["RESPONSE/CODE"] == ["1960"])
        #expect(doc.texts["RESPONSE/ITEM_LIST/ITEM/KEY"] == ["CALLS_TO_FINISH"])
        #expect(doc.texts["RESPONSE/ITEM_LIST/ITEM/VALUE"] == ["1"])
        #expect(blocked.header("X-Concurrency-Limit-Limit") == "1")
        #expect(blocked.header("X-Concurrency-Limit-Running") == "1")
    }

    @Test func limiterCountsARollingWindowAndReportsConcurrencyFirst() {
        let l = Limiter(rateLimit: 3, windowSeconds: 4, concurrencyLimit: 1)
        guard case .allowed(let h) = l.acquire("vm", now: 100) else { Issue.record("first call blocked"); return }
        #expect(h.first { $0.0 == "X-RateLimit-Remaining" }?.1 == "2")
        guard case .concurrency(let running, _) = l.acquire("vm", now: 100.5) else { Issue.record("no 1960"); return }
        #expect(running == 1)
        l.release("vm")
        for t in [101.0, 102.0] { if case .allowed = l.acquire("vm", now: t) { l.release("vm") } }
        guard case .rate(let wait, let headers) = l.acquire("vm", now: 102.5) else { Issue.record("no 1965"); return }
        #expect(wait == 2)
        #expect(headers.first { $0.0 == "X-RateLimit-ToWait-Sec" }?.1 == "2")
        if case .allowed = l.acquire("vm", now: 104.1) {} else { Issue.record("window did not roll") }
        if case .allowed = l.acquire("qps", now: 102.5) {} else { Issue.record("limits are per API") }
    }

    @Test func rateLimitAnswers409Code1965AndTheGateway429() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 30, faults: .limits))
        let frozen = Date().timeIntervalSince1970
        s.sim.limiterNow = { frozen }
        var blocked: RunningSim.Reply?
        for _ in 0..<40 where blocked == nil {
            let r = try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                     body: RunningSim.qpsBody(after: nil, limit: 5))
            if r.status == 409 { blocked = r } else { #expect(r.status == 200) }
        }
        let reply = try #require(blocked)
        let doc = XMLPaths(reply.body)
        #expect(doc.texts["RESPONSE/CODE"] == ["1965"])
        #expect(doc.texts["RESPONSE/ITEM_LIST/ITEM/KEY"] == ["SECONDS_TO_WAIT"])
        let wait = try #require(Int(doc.texts["RESPONSE/ITEM_LIST/ITEM/VALUE"]!.first!))
        #expect((1...4).contains(wait))
        #expect(reply.header("X-RateLimit-ToWait-Sec") == String(wait))
        #expect(reply.header("X-RateLimit-Remaining") == "0")
        #expect(reply.header("X-RateLimit-Limit") == "10")

        let token = try await s.token()
        var throttled: RunningSim.Reply?
        for _ in 0..<40 where throttled == nil {
            let r = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=5",
                                     headers: ["Authorization": "Bearer " + token])
            if r.status == 429 { throttled = r } else { #expect(r.status == 200) }
        }
        #expect(throttled?.header("X-RateLimit-ToWait-Sec").flatMap { Int($0) }.map { (1...3).contains($0) } == true)
    }

    @Test func flakyFirstPagesFailOnceAndRetriesYieldTheGroundTruth() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 150, seed: 4, faults: .flaky))
        let token = try await s.token()
        let first = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=50",
                                     headers: ["Authorization": "Bearer " + token])
        #expect(first.status == 503)
        await #expect(throws: (any Error).self) {
            _ = try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                 body: RunningSim.qpsBody(after: nil, limit: 40))
        }
        await #expect(throws: (any Error).self) { _ = try await s.call("GET", Self.hostList, headers: s.basic) }

        s.retrying = true
        let gav = try await PagingTests.pageGAV(s, pageSize: 20)
        let qps = try await PagingTests.pageQPS(s, limit: 15)
        let vm = try await PagingTests.pageVM(s, limit: 15)
        let path = NSTemporaryDirectory() + "sim-flaky-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try s.sim.writeGroundTruth(to: path)
        let truth = try readGroundTruth(path)
        #expect(truth.lines == gav.count + qps.count + vm.count)
        #expect(Set(gav.map { "gav," + $0 } + qps.map { "qps," + $0 } + vm.map { "vm," + $0 }) == Set(truth.rows.keys))
        let counts = s.sim.requestCounts
        #expect(counts["fault.status503"] ?? 0 >= 1 && counts["fault.resetMidBody"] ?? 0 >= 1)
        #expect(counts["fault.resetBeforeHeaders"] ?? 0 >= 1)
    }

    @Test func allProfileStillYieldsTheGroundTruthToARetryingClient() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 100, seed: 8, faults: .all))
        s.retrying = true
        let gav = try await PagingTests.pageGAV(s, pageSize: 40)
        let qps = try await PagingTests.pageQPS(s, limit: 40)
        let vm = try await PagingTests.pageVM(s, limit: 40)
        let path = NSTemporaryDirectory() + "sim-all-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try s.sim.writeGroundTruth(to: path)
        let truth = try readGroundTruth(path)
        let served = gav.map { "gav," + $0 } + qps.map { "qps," + $0 } + vm.map { "vm," + $0 }
        #expect(served.count == truth.lines && Set(served) == Set(truth.rows.keys))
        let counts = s.sim.requestCounts
        #expect(counts["fault.classic401"] == 1)
        #expect((counts["status.401"] ?? 0) >= 2)
        #expect((counts["fault.status503"] ?? 0) >= 1)
    }

    @Test func authProfileExpiresTokensAfterThreePagesAndRejectsOneClassicCall() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 100, faults: .auth))
        let token = try await s.token()
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=5",
                                             headers: ["Authorization": "Bearer " + token]).status)
        }
        #expect(statuses == [200, 200, 200, 401])
        let fresh = try await s.token()
        #expect(fresh != token)
        let again = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=5",
                                     headers: ["Authorization": "Bearer " + fresh])
        #expect(again.status == 200)

        let vm = [try await s.call("GET", Self.hostList, headers: s.basic).status,
                  try await s.call("GET", Self.hostList, headers: s.basic).status,
                  try await s.call("GET", Self.hostList, headers: s.basic).status]
        #expect(vm == [200, 401, 200])
    }

    @Test func dirtyProfileTruncatesTheFirstPageOnceAndPlantsMalformedRecords() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 100, faults: .dirty))
        let url = "/api/2.0/fo/asset/host/?action=list&truncation_limit=1000&details=All"
        let cut = try await s.call("GET", url, headers: s.basic)
        let whole = try await s.call("GET", url, headers: s.basic)
        #expect(cut.status == 200 && whole.status == 200)
        #expect(cut.body.count == whole.body.count * 6 / 10)
        #expect(whole.body.starts(with: cut.body))

        let t = Tenant(assets: 2_000, seed: 1, night: 1)
        let (records, _) = t.page(.vm, after: 0, limit: 0)
        let w = DocWriter()
        t.writeHostListPage(records, nextURL: nil, options: HostListOptions(), dirty: true, to: w)
        let bytes = w.finish()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(bytes.contains(0xE9) && bytes.contains(0x01) && bytes.contains(0x1B))
        #expect(text.contains("&#0;") && text.contains(Dirt.badDateText))
        let hosts = text.components(separatedBy: "<HOST>").count - 1
        let ids = text.components(separatedBy: "<ID>").count - 1
        let phantoms = records.filter { t.dirt(.vm, t.hostID($0.machineIndex, $0.kind)) == .phantomWithoutID }.count
        #expect(phantoms > 0 && hosts == records.count + phantoms && ids == records.count)
        let clean = DocWriter()
        t.writeHostListPage(records, nextURL: nil, options: HostListOptions(), dirty: false, to: clean)
        #expect(!clean.finish().contains(0xE9))
    }
}
