// Quarry — pagination of the three APIs with a scripted transport and a virtual clock.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

@Suite struct PagingTests {
    @Test func br03FollowsTheWarningURLToTheEnd() async throws {
        let t = ScriptedTransport()
        t.on("vm", body: try Fixture.data("cases/BR-03/page-1-host-list.xml"))
        t.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))
        let counters = RunCounters()
        let e = try makeExtractor(t, counters: counters)
        let sink = Sink()
        let summary = try await run(e, .vm, sink: sink)
        #expect(sink.records.map(\.recordID) == ["1001", "1002", "1003", "1004", "1005"])
        #expect(summary.pages == 2 && summary.records == 5)
        #expect(counters["vm.pages"] == 2 && counters["vm.records"] == 5 && counters["vm.requests"] == 2)
        let requests = t.requests
        #expect(requests[0].url.absoluteString == "https://qualysapi.example.com/api/2.0/fo/asset/host/"
            + "?action=list&truncation_limit=1000&details=All&show_asset_id=1&show_tags=1&host_metadata=all")
        #expect(requests[1].url.absoluteString == "https://qualysapi.example.com/api/2.0/fo/asset/host/"
            + "?action=list&truncation_limit=3&details=Basic&id_min=1004")
        #expect(requests.allSatisfy { $0.headers["X-Requested-With"] == "quarry" && $0.method == "GET" })
        #expect(requests[0].headers["Authorization"] == testCredentials.basicAuthorization)
        #expect(sink.pages.map(\.isComplete) == [false, true])
        #expect(sink.pages[0].position == "last id_min 1004")
    }

    @Test func br03FailingFollowUpNamesSourceAndLastIdMin() async throws {
        let t = ScriptedTransport()
        t.on("vm", body: try Fixture.data("cases/BR-03/page-1-host-list.xml"))
        for _ in 0..<4 { t.on("vm", status: 503, text: "maintenance") }
        let clock = VirtualClock()
        let e = try makeExtractor(t, clock: clock)
        let sink = Sink()
        await #expect {
            _ = try await run(e, .vm, sink: sink)
        } throws: { error in
            guard case let ExtractError.gaveUp(api, request, attempts, lastError, position) = error else { return false }
            return api == .vm && attempts == 4 && lastError == "HTTP 503" && position == "last id_min 1004"
                && request.contains("id_min=1004")
                && "\(error)".hasPrefix("vm: gave up on GET /api/2.0/fo/asset/host/?action=list")
        }
        #expect(sink.records.count == 3)  // page 1 was emitted; the run as a whole fails
        #expect(clock.sleeps == [1, 2, 4])  // 2, 4, 8 s × (0.5 + 0.5 × jitter 0)
    }

    @Test func vmRetryAfterTruncatedPageVisitsEachHostOnce() async throws {
        let t = ScriptedTransport()
        let page1 = try Fixture.data("cases/BR-03/page-1-host-list.xml")
        t.on("vm", body: page1.prefix(1200))  // cut inside host 1003
        t.on("vm") { _ in HTTPResponse(status: 200, data: page1.prefix(700), failAfter: TransportError.connection("reset")) }
        t.on("vm", body: page1)
        t.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))
        let counters = RunCounters()
        let e = try makeExtractor(t, counters: counters)
        let sink = Sink()
        _ = try await e.extract(.vm, batchSize: 2, emit: { sink.add($0) })
        #expect(sink.records.map(\.recordID) == ["1001", "1002", "1003", "1004", "1005"])
        #expect(counters["vm.retries"] == 2)
        #expect(counters["vm.requests"] == 4)
        #expect(counters["vm.pages"] == 2)
    }

    @Test func recordsReServedOnTheNextPageAreEmittedOnce() async throws {
        let t = ScriptedTransport()
        t.on("auth", status: 201, text: "tok")
        t.on("gav", text: #"{"count":2,"hasMore":1,"lastSeenAssetId":2,"assetListData":{"asset":[{"assetId":1},{"assetId":2}]}}"#)
        t.on("gav", status: 503, text: "")
        t.on("gav", text: #"{"count":2,"hasMore":0,"lastSeenAssetId":3,"assetListData":{"asset":[{"assetId":2},{"assetId":3}]}}"#)
        let counters = RunCounters()
        let sink = Sink()
        let summary = try await run(try makeExtractor(t, counters: counters), .gav, sink: sink)
        #expect(sink.records.map(\.recordID) == ["1", "2", "3"])
        #expect(summary.duplicates == 1 && counters["gav.duplicates"] == 1)
        #expect(summary.retries == 1)
        #expect(t.requests.map(\.label).suffix(2) == [
            "POST /rest/2.0/search/am/asset?pageSize=100&lastSeenAssetId=2",
            "POST /rest/2.0/search/am/asset?pageSize=100&lastSeenAssetId=2",
        ])
    }

    @Test func nonAdvancingCursorStops() async throws {
        let t = ScriptedTransport()
        let page1 = try Fixture.data("cases/BR-03/page-1-host-list.xml")
        t.on("vm", body: page1)
        t.on("vm", body: page1)
        let e = try makeExtractor(t)
        await #expect(throws: ExtractError.cursorDidNotAdvance(api: .vm, page: 2, cursor: "id_min 1004 → 1004")) {
            _ = try await run(e, .vm)
        }
        let g = ScriptedTransport()
        g.on("auth", text: "tok")
        let page = #"{"responseCode":"SUCCESS","count":1,"hasMore":1,"lastSeenAssetId":5,"assetListData":{"asset":[{"assetId":5}]}}"#
        g.on("gav", text: page)
        g.on("gav", text: page)
        let e2 = try makeExtractor(g)
        await #expect(throws: ExtractError.cursorDidNotAdvance(api: .gav, page: 2, cursor: "lastSeenAssetId 5 → 5")) {
            _ = try await run(e2, .gav)
        }
    }

    @Test func qpsKeysetPagingSendsIdGreaterLastId() async throws {
        let t = ScriptedTransport()
        func page(_ ids: [Int], more: Bool) -> String {
            let hosts = ids.map { "<HostAsset><id>\($0)</id><name>h\($0)</name></HostAsset>" }.joined()
            return "<?xml version=\"1.0\"?><ServiceResponse><responseCode>SUCCESS</responseCode><count>\(ids.count)"
                + "</count><hasMoreRecords>\(more)</hasMoreRecords><lastId>\(ids.last!)</lastId><data>\(hosts)</data>"
                + "</ServiceResponse>"
        }
        t.on("qps", text: page([10, 11], more: true))
        t.on("qps", text: page([12], more: false))
        var s = try settings()
        s.qpsPageSize = 2
        let e = try makeExtractor(t, settings: s)
        let sink = Sink()
        let since = Date(timeIntervalSince1970: 1_714_521_600)
        _ = try await run(e, .qps, sink: sink, since: since)
        #expect(sink.records.map(\.recordID) == ["10", "11", "12"])
        let bodies = t.requests.map { String(decoding: $0.body ?? Data(), as: UTF8.self) }
        #expect(bodies[0] == "<ServiceRequest><preferences><limitResults>2</limitResults></preferences><filters>"
            + "<Criteria field=\"updated\" operator=\"GREATER\">2024-05-01T00:00:00Z</Criteria></filters></ServiceRequest>")
        #expect(bodies[1].contains("<Criteria field=\"id\" operator=\"GREATER\">11</Criteria>"))
        #expect(t.requests[0].url.absoluteString == "https://qualysapi.example.com/qps/rest/2.0/search/am/hostasset")
        #expect(t.requests[0].headers["Content-Type"] == "text/xml")
        #expect(sink.pages.last?.lastId == "11")
    }

    @Test func qpsErrorInsideHTTP200() async throws {
        let t = ScriptedTransport()
        t.on("qps", body: try Fixture.data("fixtures/real/qps/error-invalid-credentials.xml"))
        let e = try makeExtractor(t)
        await #expect {
            _ = try await run(e, .qps)
        } throws: { error in
            guard case let ExtractError.authenticationFailed(api, endpoint, _, detail) = error else { return false }
            return api == .qps && endpoint == "POST /qps/rest/2.0/search/am/hostasset"
                && detail.hasPrefix("INVALID_CREDENTIALS") && "\(error)".contains("API access")
        }
        let t2 = ScriptedTransport()
        t2.on("qps", body: try Fixture.data("fixtures/real/qps/error-invalid-request-bad-criteria.xml"))
        await #expect {
            _ = try await run(try makeExtractor(t2), .qps)
        } throws: { error in
            guard case let ExtractError.apiError(_, _, status, code, _) = error else { return false }
            return status == 200 && code == "INVALID_REQUEST"
        }
    }

    @Test func gavPagingEndsOn204AndMissingHasMoreMeansFullPage() async throws {
        let t = ScriptedTransport()
        t.on("auth", status: 201, text: "tok")
        t.on("gav", text: #"{"responseCode":"SUCCESS","count":2,"lastSeenAssetId":2,"assetListData":{"asset":[{"assetId":1},{"assetId":2}]}}"#)
        t.on("gav", status: 204, text: "")
        var s = try settings()
        s.gavPageSize = 2
        let sink = Sink()
        let summary = try await run(try makeExtractor(t, settings: s), .gav, sink: sink)
        #expect(sink.records.map(\.recordID) == ["1", "2"])
        #expect(summary.pages == 2)
        #expect(t.requests.map(\.label) == [
            "POST /auth", "POST /rest/2.0/search/am/asset?pageSize=2",
            "POST /rest/2.0/search/am/asset?pageSize=2&lastSeenAssetId=2",
        ])
        #expect(t.requests[1].headers["Authorization"] == "Bearer tok")
    }

    @Test func gav416HalvesThePageSize() async throws {
        let t = ScriptedTransport()
        t.on("auth", status: 201, text: "tok")
        t.on("gav", status: 416, text: "")
        t.on("gav", text: #"{"responseCode":"SUCCESS","count":1,"hasMore":0,"assetListData":{"asset":[{"assetId":7}]}}"#)
        let sink = Sink()
        _ = try await run(try makeExtractor(t), .gav, sink: sink)
        #expect(t.requests.map(\.label).dropFirst() == [
            "POST /rest/2.0/search/am/asset?pageSize=100", "POST /rest/2.0/search/am/asset?pageSize=50",
        ])
        #expect(sink.pages.last?.pageSize == 50)
    }

    @Test func resumeFromSavedCursorAndIncrementalParameters() async throws {
        let t = ScriptedTransport()
        t.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))
        let e = try makeExtractor(t)
        let saved = try JSONDecoder().decode(PageCursor.self, from: JSONEncoder().encode(PageCursor(
            api: .vm, pagesDone: 1, recordsDone: 3,
            nextURL: "https://qualysapi.example.com/api/2.0/fo/asset/host/?action=list&id_min=1004")))
        let sink = Sink()
        let summary = try await run(e, .vm, sink: sink, resume: saved)
        #expect(sink.records.map(\.recordID) == ["1004", "1005"])
        #expect(summary.cursor.pagesDone == 2 && summary.cursor.recordsDone == 5 && summary.cursor.isComplete)
        #expect(sink.records[0].locator.page == 2)
        #expect(t.requests[0].url.query == "action=list&id_min=1004")

        let g = ScriptedTransport()
        g.on("auth", status: 201, text: "tok")
        g.on("gav", text: #"{"responseCode":"SUCCESS","count":0,"hasMore":0,"assetListData":{"asset":[]}}"#)
        _ = try await run(try makeExtractor(g), .gav, since: Date(timeIntervalSince1970: 1_714_521_600))
        #expect(g.requests[1].label == "POST /rest/2.0/search/am/asset?pageSize=100&assetLastUpdated=2024-05-01T00:00:00Z")
        let v = ScriptedTransport()
        v.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))
        _ = try await run(try makeExtractor(v), .vm, since: Date(timeIntervalSince1970: 1_714_521_600))
        #expect(v.requests[0].url.query?.hasSuffix("&vm_processed_after=2024-05-01T00:00:00Z") == true)
    }

    @Test func warningURLOnAnotherHostIsRebasedOntoTheConfiguredServer() async throws {
        let t = ScriptedTransport()
        let page1 = String(decoding: try Fixture.data("cases/BR-03/page-1-host-list.xml"), as: UTF8.self)
            .replacingOccurrences(of: "https://qualysapi.example.com/", with: "https://elsewhere.example.net/")
        t.on("vm", text: page1)
        t.on("vm", body: try Fixture.data("cases/BR-03/page-2-host-list.xml"))
        _ = try await run(try makeExtractor(t), .vm)
        #expect(t.requests[1].url.absoluteString == "https://qualysapi.example.com/api/2.0/fo/asset/host/"
            + "?action=list&truncation_limit=3&details=Basic&id_min=1004")
    }
}

@Suite struct RunAccountingTests {
    @Test func br13RejectsAndUnknownElementsReachTheRunCounters() async throws {
        let t = ScriptedTransport()
        t.on("vm", body: try Fixture.data("cases/BR-13/host-list-optional-elements.xml"))
        let counters = RunCounters()
        let sink = Sink()
        let summary = try await run(try makeExtractor(t, counters: counters), .vm, sink: sink)
        #expect(sink.records.map(\.recordID) == ["5101", "5102", "5103", "5104"])
        #expect(summary.rejects == 1 && counters["rejects.vm"] == 1)
        #expect(counters.rejects.first?.reason == "missing required field ID")
        #expect(counters.rejects.first?.excerpt.contains("192.0.2.165") == true)
        #expect(counters.withPrefix("vm.unknown_element.") == ["CLOUD_PROVIDER": 1, "SOME_FUTURE_BLOCK": 1])
    }

    @Test func br05AndBR17RepairsAreCountedPerField() async throws {
        let t = ScriptedTransport()
        t.on("vm", body: try Fixture.data("cases/BR-05/host-list-illegal-bytes.xml"))
        let counters = RunCounters()
        let summary = try await run(try makeExtractor(t, counters: counters), .vm)
        #expect(summary.repairs == 4)
        #expect(counters.withPrefix("text_repairs.vm.") == ["NETBIOS": 3, "DNS": 1])
        let t2 = ScriptedTransport()
        t2.on("vm", body: try Fixture.data("cases/BR-17/host-list-forbidden-charrefs.xml"))
        let counters2 = RunCounters()
        _ = try await run(try makeExtractor(t2, counters: counters2), .vm)
        #expect(counters2.withPrefix("text_repairs.vm.") == ["NETBIOS": 3])
    }

    @Test func realRateLimitHeadersSetTheConcurrency() async throws {
        let text = String(decoding: try Fixture.data("fixtures/real/errors/vm-response-headers-ratelimit-us3.txt"),
                          as: UTF8.self)
        var headers: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("GET ") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #expect(headers["x-ratelimit-remaining"] == "298")
        let throttle = Throttle(maxConcurrency: 8, clock: VirtualClock())
        await throttle.observe(headers, success: true)
        #expect(await throttle.limit == 2)
    }
}
