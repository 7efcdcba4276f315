// Quarry — every API pages through every record exactly once, matching the ground truth.

import Foundation
import Testing
@testable import QuarrySimulator

@Suite struct PagingTests {
    /// Pages GAV with `pageSize` and returns the asset IDs in order.
    static func pageGAV(_ s: RunningSim, pageSize: Int, extra: String = "") async throws -> [String] {
        var token = try await s.token()
        var ids: [String] = []
        var last: Int64 = 0
        var reauthenticated = false
        while true {
            let r = try await s.call("POST", "/rest/2.0/search/am/asset?pageSize=\(pageSize)&lastSeenAssetId=\(last)"
                                     + extra, headers: ["Authorization": "Bearer " + token])
            if r.status == 401 && !reauthenticated {
                // Token expired mid-run: authenticate once more and repeat the same page.
                token = try await s.token()
                reauthenticated = true
                continue
            }
            reauthenticated = false
            if r.status == 204 { break }
            try #require(r.status == 200)
            let env = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            let assets = (env["assetListData"] as? [String: Any])?["asset"] as? [[String: Any]] ?? []
            #expect(env["count"] as? Int == assets.count)
            ids += assets.map { "\($0["assetId"]!)" }
            last = (env["lastSeenAssetId"] as? NSNumber)?.int64Value ?? 0
            if (env["hasMore"] as? Int) == 0 { break }
        }
        return ids
    }

    static func pageQPS(_ s: RunningSim, limit: Int) async throws -> [String] {
        var ids: [String] = []
        var after: Int64?
        while true {
            let r = try await s.call("POST", "/qps/rest/2.0/search/am/hostasset", headers: s.basic,
                                     body: RunningSim.qpsBody(after: after, limit: limit))
            try #require(r.status == 200)
            let doc = XMLPaths(r.body)
            try #require(doc.ok)
            #expect(doc.texts["responseCode"] == ["SUCCESS"])
            ids += doc.texts["data/HostAsset/id"] ?? []
            guard doc.texts["hasMoreRecords"] == ["true"], let last = doc.texts["lastId"]?.first else { break }
            after = Int64(last)
        }
        return ids
    }

    static func pageVM(_ s: RunningSim, limit: Int, version: String = "2.0") async throws -> [String] {
        var ids: [String] = []
        var next: String? = "/api/\(version)/fo/asset/host/?action=list&truncation_limit=\(limit)&details=All"
            + "&show_asset_id=1&show_tags=1&host_metadata=all"
        while let url = next {
            let r = try await s.call("GET", url, headers: s.basic)
            try #require(r.status == 200)
            let doc = XMLPaths(r.body)
            try #require(doc.ok)
            ids += doc.texts["RESPONSE/HOST_LIST/HOST/ID"] ?? []
            next = doc.texts["RESPONSE/WARNING/URL"]?.first
            if next != nil { #expect(doc.texts["RESPONSE/WARNING/CODE"] == ["1980"]) }
        }
        return ids
    }

    @Test func everyAPIVisitsEveryRecordOnceAndMatchesTheGroundTruth() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 300, seed: 7))
        let gav = try await Self.pageGAV(s, pageSize: 37)
        let qps = try await Self.pageQPS(s, limit: 45)
        let vm = try await Self.pageVM(s, limit: 60)
        let path = NSTemporaryDirectory() + "sim-truth-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try s.sim.writeGroundTruth(to: path)
        let truth = try readGroundTruth(path)
        #expect(truth.header == "api,record_id,machine_id")

        for (api, ids) in [("gav", gav), ("qps", qps), ("vm", vm)] {
            #expect(Set(ids).count == ids.count, "duplicate \(api) records")
            #expect(ids.map { Int64($0)! } == ids.map { Int64($0)! }.sorted(), "\(api) not ascending")
            let expected = Set(truth.rows.keys.filter { $0.hasPrefix(api + ",") }
                .map { String($0.dropFirst(api.count + 1)) })
            #expect(Set(ids) == expected, "\(api) served set differs from the ground truth")
        }
        #expect(truth.lines == gav.count + qps.count + vm.count)
        // The mix: more GAV records than machines with passive devices, fewer VM hosts.
        #expect(gav.count > 300 && qps.count < gav.count && vm.count < qps.count)
    }

    @Test func hostListAcceptsNewerVersionsAndPostWithFormBody() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 120, seed: 3))
        let v2 = try await Self.pageVM(s, limit: 1000)
        let v5 = try await Self.pageVM(s, limit: 25, version: "5.0")
        #expect(v2 == v5)
        var headers = s.basic
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        let r = try await s.call("POST", "/api/3.0/fo/asset/host/", headers: headers,
                                 body: "action=list&truncation_limit=0&details=None")
        let doc = XMLPaths(r.body)
        #expect(doc.texts["RESPONSE/ID_SET/ID"] ?? [] == v2)
        #expect(doc.texts["RESPONSE/WARNING/URL"] == nil)
    }

    @Test func warningURLKeepsTheOriginalParametersAndIncrementalFiltersNarrow() async throws {
        let s = try RunningSim(SimulatorConfig(assets: 200, seed: 5))
        let r = try await s.call("GET", "/api/2.0/fo/asset/host/?action=list&truncation_limit=10&details=Basic"
                                 + "&show_tags=1", headers: s.basic)
        let doc = XMLPaths(r.body)
        let url = try #require(doc.texts["RESPONSE/WARNING/URL"]?.first)
        let lastID = try #require(Int64(doc.texts["RESPONSE/HOST_LIST/HOST/ID"]!.last!))
        #expect(url == "\(s.base)/api/2.0/fo/asset/host/?action=list&truncation_limit=10&details=Basic"
            + "&show_tags=1&id_min=\(lastID + 1)")
        #expect(doc.texts["RESPONSE/WARNING/TEXT"]
            == ["10 record limit exceeded. Use URL to get next batch of results."])

        let all = try await Self.pageGAV(s, pageSize: 300)
        let recent = try await Self.pageGAV(s, pageSize: 300, extra: "&assetLastUpdated=2026-03-01T00:00:00Z")
        #expect(!recent.isEmpty && recent.count < all.count)
        #expect(Set(recent).isSubset(of: Set(all)))
    }

    @Test func laterNightKeepsIdentitiesDecommissionsSomeAndAddsNewMachines() throws {
        let n1 = Tenant(assets: 2000, seed: 1, night: 1)
        let n8 = Tenant(assets: 2000, seed: 1, night: 8)
        var truth1: [Int64: Int] = [:], truth8: [Int64: Int] = [:]
        n1.forEachRecord(.gav) { truth1[n1.assetID($0.machineIndex, $0.kind)] = $0.machineIndex }
        n8.forEachRecord(.gav) { truth8[n8.assetID($0.machineIndex, $0.kind)] = $0.machineIndex }
        let machines1 = Set(truth1.values), machines8 = Set(truth8.values)
        #expect(n8.machineCount == 2000 + 7 * 10)
        #expect(!machines1.subtracting(machines8).isEmpty, "some machines decommissioned")
        #expect(machines8.contains { $0 >= 2000 }, "new machines appear")
        for (id, m) in truth8 where truth1[id] != nil { #expect(truth1[id] == m) }
        // Addresses churn: some DHCP machines changed their primary IP.
        var changed = 0
        for m in 0..<300 {
            let a = n1.machine(n1.plan(m)), b = n8.machine(n8.plan(m))
            #expect(a.shortName == b.shortName && a.hwUUID == b.hwUUID)
            if a.primaryIP != b.primaryIP { changed += 1 }
        }
        #expect(changed > 10)
    }
}
