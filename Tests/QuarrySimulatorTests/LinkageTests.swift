// Quarry — one machine's records carry the documented join keys across the three APIs.

import Foundation
import Testing
@testable import QuarrySimulator

@Suite struct LinkageTests {
    @Test func vmHostIDIsQwebHostIDAndHostIDAndAssetIDIsTheQPSAndGAVID() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 80, seed: 21))
        let vm = try await s.call("GET", "/api/2.0/fo/asset/host/?action=list&truncation_limit=5&details=All"
                                  + "&show_asset_id=1", headers: s.basic)
        let doc = XMLPaths(vm.body)
        let hostIDs = try #require(doc.texts["RESPONSE/HOST_LIST/HOST/ID"])
        let assetIDs = try #require(doc.texts["RESPONSE/HOST_LIST/HOST/ASSET_ID"])
        #expect(hostIDs.count == 5 && assetIDs.count == 5)
        let token = try await s.token()
        for (hostID, assetID) in zip(hostIDs, assetIDs) {
            let body = "<ServiceRequest><filters><Criteria field=\"qwebHostId\" operator=\"EQUALS\">\(hostID)"
                + "</Criteria></filters></ServiceRequest>"
            let q = XMLPaths(try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                              body: body).body)
            #expect(q.texts["data/HostAsset/id"] == [assetID])
            #expect(q.texts["data/HostAsset/qwebHostId"] == [hostID])
            #expect(q.texts["count"] == ["1"])
            let g = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=1&lastSeenAssetId="
                                     + String(Int64(assetID)! - 1), headers: ["Authorization": "Bearer " + token])
            let env = try #require(try JSONSerialization.jsonObject(with: g.body) as? [String: Any])
            let asset = try #require(((env["assetListData"] as? [String: Any])?["asset"] as? [[String: Any]])?.first)
            #expect("\(asset["assetId"]!)" == assetID && "\(asset["hostId"]!)" == hostID)
        }
    }

    @Test func qpsRejectsANonNumericIDAndSupportsOffsetPaging() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 60, seed: 2))
        let bad = "<ServiceRequest><filters><Criteria field=\"qwebHostId\" operator=\"EQUALS\">abc123</Criteria>"
            + "</filters></ServiceRequest>"
        let r = XMLPaths(try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                          body: bad).body)
        #expect(r.texts["responseCode"] == ["INVALID_REQUEST"])
        #expect(r.texts["responseErrorDetails/errorMessage"]
            == ["Criteria: Invalid value format for criteria 'qwebHostId' (abc123)."])
        #expect(r.texts["responseErrorDetails/errorResolution"] == ["Specify criteria value(s) as Long."])

        let keyset = try await PagingTests.pageQPS(s, limit: 1000)
        var offsetIDs: [String] = []
        var offset = 1
        while true {
            let body = "<ServiceRequest><preferences><limitResults>17</limitResults><startFromOffset>\(offset)"
                + "</startFromOffset></preferences></ServiceRequest>"
            let page = XMLPaths(try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                                 body: body).body)
            offsetIDs += page.texts["data/HostAsset/id"] ?? []
            if page.texts["hasMoreRecords"] != ["true"] { break }
            offset += 17
        }
        #expect(offsetIDs == keyset && keyset.count > 50)
    }

    @Test func datesAreWrittenAndReadBack() {
        #expect(SimDate.iso(0) == "1970-01-01T00:00:00Z")
        #expect(SimDate.iso(1_772_416_800) == "2026-03-02T02:00:00Z")
        #expect(SimDate.isoMillis(1_772_416_800_123) == "2026-03-02T02:00:00.123Z")
        #expect(parseISODate("2026-03-02T02:00:00Z") == 1_772_416_800)
        #expect(parseISODate("2026-03-02T02:00:00.123Z") == 1_772_416_800)
        #expect(parseISODate("2026-02-31T26:61:00Z") == nil)
        #expect(parseISODate("yesterday") == nil)
        #expect(Tenant(assets: 1, seed: 1, night: 1).now == 1_772_416_800)
    }
}

@Suite struct MachineTests {
    @Test func categoriesSplitAndManufacturersFollowTheModel() {
        #expect(Machine.splitCategory("Windows / Client") == ("Windows", "Client"))
        #expect(Machine.splitCategory("Printer") == ("Printer", "Printer"))
        let t = Tenant(assets: 400, seed: 1, night: 1)
        for m in 0..<400 {
            let mc = t.machine(t.plan(m))
            if mc.model.hasPrefix("PowerEdge") { #expect(mc.manufacturer == "Dell Inc.") }
            if mc.model.hasPrefix("ProLiant") { #expect(mc.manufacturer == "HPE") }
            #expect(!mc.shortName.isEmpty && mc.fqdn.hasPrefix(mc.shortName + "."))
        }
    }
}
