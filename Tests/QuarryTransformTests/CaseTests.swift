// Quarry — the shared BR cases, end to end through map + resolve.

import Foundation
import QuarryCore
import Testing
@testable import QuarryTransform

@Suite struct CaseTests {
    @Test("BR-07: A+B merged by MAC + hostname, D and E kept apart")
    func br07MergesAgentAndScannerOnly() async throws {
        let out = try await run(CaseRecords.br07)

        #expect(out.stats.records == 4)
        #expect(out.stats.assets == 3)
        #expect(out.stats.merges == 1)
        let uid = try #require(out.uid("qps", "61000001"))
        #expect(out.uid("qps", "61000002") == uid)
        #expect(out.uid("qps", "61000004") != uid)
        #expect(out.uid("qps", "61000005") != uid)
        #expect(out.uid("qps", "61000004") != out.uid("qps", "61000005"))

        let lineage = out.lineage(of: uid)
        #expect(lineage.map { $0["source_record_id"] } == [.string("61000001"), .string("61000002")])
        #expect(lineage.map { $0["sensor"] } == [.string("agent"), .string("scanner")])
        #expect(lineage.map { $0["match_rule"] } == [.string("seed"), .string("mac+hostname")])
        #expect(lineage[1]["matched_on"] == .string("mac=00:50:56:0a:0b:02 hostname=web-01 via=qps:61000001"))

        let a = try #require(out.asset(uid))
        #expect(a["name"] == .string("web-01.example.com"))
        #expect(a["fqdn"] == .string("web-01.example.com"))
        #expect(a["hostname"] == .string("web-01"))
        #expect(a["os"] == .string("Ubuntu 22.04.4 LTS"))
        #expect(a["ipv4"] == .list(["192.0.2.10", "198.51.100.10"]))
        #expect(a["mac_addresses"] == .list(["00:50:56:0a:0b:01", "00:50:56:0a:0b:02"]))
        #expect(a["qualys_host_ids"] == .list(["300001", "300002"]))
        #expect(a["qualys_asset_ids"] == .list(["61000001", "61000002"]))
        #expect(a["agent_id"] == .string("0b7e4c1a-5d2f-4e8a-9f10-aa11bb22cc01"))
        #expect(a["last_vuln_scan"] == .timestamp(1_722_383_400))
        #expect(a["sensors"] == .list(["agent", "scanner"]))
        #expect(a["source_records"] == .integer(2))

        let b = try #require(out.row("qps_host_assets", "id", "61000002"))
        #expect(b["mac_addresses"] == .list(["00:50:56:0a:0b:02"]))
        #expect(b["fqdn"] == .string("web-01.example.com"))
        // Kept as received; matching folds case (see StableHash.key).
        #expect(b["netbios_name"] == .string("web-01"))
    }

    @Test("BR-07: the same output whatever the input order, and the same uids on a second run")
    func br07IsOrderInvariant() async throws {
        let reference = try await run(CaseRecords.br07)
        for seed in [1, 2, 3, 4, 5] as [UInt64] {
            let out = try await run(shuffled(CaseRecords.br07, seed: seed))
            #expect(out.assets == reference.assets)
            #expect(out.lineage == reference.lineage)
            #expect(out.coverage == reference.coverage)
        }
        let again = try await run(CaseRecords.br07.reversed())
        #expect(again.state == reference.state)
    }

    @Test("BR-11: digit-only identifiers stay exact text and 00731 is not 731")
    func br11KeepsLeadingZeros() async throws {
        let out = try await run(CaseRecords.br11)

        let one = try #require(out.row("qps_host_assets", "id", "64000001"))
        #expect(one["name"] == .string("00731"))
        #expect(one["netbios_name"] == .string("00731"))
        #expect(one["cloud_account"] == .string("012345678901"))
        #expect(one["tag_names"] == .list(["0001", "1.10"]))
        #expect(one["tag_ids"] == .list(["9100001", "9100002"]))
        #expect(one["instance_id"] == .string("i-0a1b2c3d4e5f60718"))
        let two = try #require(out.row("qps_host_assets", "id", "64000002"))
        #expect(two["cloud_account"] == .string("000987654321"))
        #expect(out.stats.assets == 2)
        #expect(out.lineage.map { $0["sensor"] } == [.string("cloud"), .string("cloud")])
        let uid = out.uid("qps", "64000001")
        #expect(out.asset(uid)?["cloud_account"] == .string("012345678901"))
        #expect(out.asset(uid)?["netbios_name"] == .string("00731"))

        let qps = try #require(TestSchemas.set.sources[.qps]).tableSchema
        for name in ["name", "netbios_name", "cloud_account", "tag_names", "id", "qweb_host_id"] {
            let type = qps.columns.first { $0.name == name }?.type
            #expect(type == .string || type == .stringList, "column \(name)")
        }
        for schema in TestSchemas.set.sources.values {
            for c in schema.columns where c.role.map({ $0.isKey }) == true {
                #expect(c.type == .string || c.type == .stringList, "\(schema.file) \(c.name)")
            }
        }
    }

    @Test("BR-11: same IP with names 00731 and 731 stays two machines; 00731 twice merges")
    func br11ComparesNamesAsText() async throws {
        func vm(_ id: String, _ name: String) -> SourceRecord {
            RecordBuilder(.vm, id).top(["IP": "192.0.2.73", "TRACKING_METHOD": "IP", "NETBIOS": name])
                .object("DNS_DATA/", ["HOSTNAME": name]).record()
        }
        let different = try await run([vm("7001", "00731"), vm("7002", "731")])
        #expect(different.stats.assets == 2)
        let same = try await run([vm("7001", "00731"), vm("7002", "00731")])
        #expect(same.stats.assets == 1)
        #expect(same.lineage.map { $0["match_rule"] } == [.string("seed"), .string("ip+hostname")])
    }

    @Test("BR-01: IP lists split, the invalid piece dropped, counted and reported with interface")
    func br01SplitsAddressLists() async throws {
        let out = try await run(CaseRecords.br01)

        #expect(out.stats.assets == 3)
        let one = try #require(out.row("gav_assets", "asset_id", "4100001"))
        #expect(one["ipv4"] == .list(["192.0.2.21", "192.0.2.22", "192.0.2.23", "198.51.100.40"]))
        #expect(one["ipv6"] == .list(["2001:db8::40"]))
        let two = try #require(out.row("gav_assets", "asset_id", "4100002"))
        #expect(two["ipv4"] == .list(["192.0.2.30", "192.0.2.31"]))
        #expect(two["ipv6"] == .list(["2001:db8::30", "2001:db8::31"]))
        let three = try #require(out.row("gav_assets", "asset_id", "4100003"))
        #expect(three["ipv4"] == .list(["203.0.113.9"]))
        #expect(three["ipv6"] == .null)
        #expect(three["address"] == .string("203.0.113.9"))

        #expect(out.counters["transform.invalid_values.gav_assets.ipv4"] == 1)
        #expect(out.counters.all.keys.filter { $0.hasPrefix("transform.invalid_values") }.count == 1)
        let warnings = out.counters.rejects
        #expect(warnings.count == 1)
        #expect(warnings.first?.recordID == "4100003")
        #expect(warnings.first?.reason == "warning: invalid ipv4 value in ipv4 on interface wan0 dropped; record kept")
        let excerpt = "networkInterfaceListData.networkInterface.addressIpV4=203.0.113.9, 203.0.113.300"
        #expect(warnings.first?.excerpt == excerpt)

        let uid = out.uid("gav", "4100001")
        #expect(out.asset(uid)?["ipv4"] == .list(["192.0.2.21", "192.0.2.22", "192.0.2.23", "198.51.100.40"]))
        #expect(out.asset(uid)?["ipv6"] == .list(["2001:db8::40"]))
    }

    @Test("BR-13: absent and empty values are null; the FQDN of 5103 is null")
    func br13NullsForMissingValues() async throws {
        let out = try await run(CaseRecords.br13)

        #expect(out.perAPI["vm_hosts"]?.count == 4)
        let h3 = try #require(out.row("vm_hosts", "id", "5103"))
        #expect(h3["hostname"] == .string("half-163"))
        #expect(h3["fqdn"] == .null)
        #expect(h3["dns"] == .null)
        #expect(h3["netbios_name"] == .null)
        #expect(h3["os"] == .null)
        #expect(h3["last_vuln_scan"] == .null)
        let h4 = try #require(out.row("vm_hosts", "id", "5104"))
        #expect(h4["os"] == .string("Windows 11"))
        #expect(h4["tracking_method"] == .null)
        #expect(h4["fqdn"] == .string("new-164.example.com"))
        let h2 = try #require(out.row("vm_hosts", "id", "5102"))
        #expect(h2.filter { !$0.value.isNull }.keys.sorted() == ["id", "ip", "ipv4", "tracking_method"])
    }

    @Test("a record without its ID is quarantined, not fatal")
    func missingRecordID() async throws {
        let bad = SourceRecord(api: .vm, recordID: "", locator: Locator(api: .vm, page: 1, position: 5),
                               fields: [SourceField(path: "IP", value: "192.0.2.165")])
        let out = try await run(CaseRecords.br13 + [bad])

        #expect(out.perAPI["vm_hosts"]?.count == 4)
        #expect(out.counters.rejects.map(\.reason) == ["missing required field ID"])
        #expect(out.counters.rejects.first?.excerpt == "IP=192.0.2.165")
        #expect(out.counters.rejects.first?.locator == "vm page 1 record 5")
    }
}
