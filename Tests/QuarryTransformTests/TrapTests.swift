// Quarry — entity-resolution traps: clones, shared MACs, reused IPs, re-imaged machines.

import Foundation
import QuarryCore
import Testing
@testable import QuarryTransform

@Suite struct TrapTests {
    static let nic = "networkInterfaceListData.networkInterface."

    static func agent(_ id: String, agent: String, name: String, ip: String, mac: String,
                      hw: String? = nil, serial: String? = nil) -> SourceRecord {
        var r = RecordBuilder(.gav, id).top(["agentId": agent, "assetName": name + ".corp.example",
                                              "dnsName": name + ".corp.example", "address": ip])
        if let hw { r = r.top(["hwUUID": hw]) }
        if let serial { r = r.top(["biosSerialNumber": serial]) }
        return r.object(nic, ["hostname": name, "addressIpV4": ip, "macAddress": mac])
            .object("agent.", ["lastCheckedIn": "1722485340000"]).record()
    }

    @Test("clones sharing host name and hardware UUID are not merged, nor is a scanner record of that UUID")
    func clonesStayApart() async throws {
        let hw = "4c4c4544-0042-3510-8052-b4c04f4a4e32"
        let out = try await run([
            Self.agent("9001", agent: "aaaa-0001", name: "gold-image", ip: "10.1.0.1", mac: "00:11:22:00:00:01",
                       hw: hw),
            Self.agent("9002", agent: "aaaa-0002", name: "gold-image", ip: "10.1.0.2", mac: "00:11:22:00:00:02",
                       hw: hw),
            RecordBuilder(.vm, "77001").top(["IP": "10.1.0.3", "HARDWARE_UUID": hw.uppercased()]).record(),
        ])

        #expect(out.stats.assets == 3)
        #expect(out.stats.sharedKeys == 1)
        #expect(Set(out.lineage.map { $0["match_rule"] }) == [.string("seed")])
    }

    @Test("a single hardware UUID links a scanner record to its agent record")
    func hardwareUUIDLinks() async throws {
        let hw = "4c4c4544-0042-3510-8052-b4c04f4a4e32"
        let out = try await run([
            Self.agent("9001", agent: "aaaa-0001", name: "db-1", ip: "10.1.0.1", mac: "00:11:22:00:00:01", hw: hw),
            RecordBuilder(.vm, "77001").top(["IP": "10.9.0.3", "HARDWARE_UUID": hw.uppercased()]).record(),
        ])

        #expect(out.stats.assets == 1)
        #expect(out.lineage.map { $0["match_rule"] } == [.string("seed"), .string("hw_uuid")])
        #expect(out.lineage[1]["matched_on"] == .string("hw_uuid=\(hw) via=gav:9001"))
    }

    @Test("a virtual MAC shared by 200 laptops merges none of them, nor a scanner record carrying it")
    func crowdedMACIsShared() async throws {
        var records = (0..<200).map { i in
            Self.agent(String(20_000 + i), agent: "lap-\(i)", name: String(format: "laptop-%03d", i),
                       ip: "10.2.\(i / 250).\(i % 250 + 1)", mac: "00:aa:bb:00:00:01")
        }
        records.append(RecordBuilder(.vm, "88007").top(["IP": "10.99.0.7"])
            .object("DNS_DATA/", ["HOSTNAME": "laptop-007"]).record())
        records.append(RecordBuilder(.qps, "66007").top(["address": "10.99.0.7", "dnsHostName": "laptop-007"])
            .object("networkInterface/list/HostAssetInterface/", ["macAddress": "00-AA-BB-00-00-01"]).record())
        let out = try await run(records)

        // The VM and QPS scanner records agree on IP + name, so they form one machine of their own.
        #expect(out.stats.assets == 201)
        #expect(out.uid("vm", "88007") == out.uid("qps", "66007"))
        #expect(out.uid("qps", "66007") != out.uid("gav", "20007"))
        #expect(out.stats.sharedKeys == 1)
    }

    @Test("a VPN adapter MAC from the known list never links two records")
    func knownVirtualMACIgnored() async throws {
        let out = try await run([
            RecordBuilder(.vm, "1").top(["IP": "10.0.0.1"]).object("DNS_DATA/", ["HOSTNAME": "a"]).record(),
            RecordBuilder(.qps, "2").top(["address": "10.0.0.2", "dnsHostName": "a"])
                .object("networkInterface/list/HostAssetInterface/", ["macAddress": "02:50:41:00:00:01"]).record(),
            RecordBuilder(.qps, "3").top(["address": "10.0.0.3", "dnsHostName": "a"])
                .object("networkInterface/list/HostAssetInterface/", ["macAddress": "02:50:41:00:00:01"]).record(),
        ])
        #expect(out.stats.assets == 3)
    }

    @Test("records with different agent IDs are never merged, even when Qualys links them")
    func conflictingAgentsRefused() async throws {
        let out = try await run([
            RecordBuilder(.gav, "701").top(["agentId": "agent-x", "hostId": "9001", "address": "10.0.0.1"]).record(),
            RecordBuilder(.qps, "8701").top(["qwebHostId": "9001", "address": "10.0.0.1"])
                .object("agentInfo/", ["agentId": "agent-y"]).record(),
        ])
        #expect(out.stats.assets == 2)
        #expect(out.stats.refusedConflicts == 1)
    }

    @Test("Qualys links join GAV, QPS and VM records of one asset")
    func qualysLinks() async throws {
        let out = try await run([
            RecordBuilder(.gav, "84047683").top(["hostId": "107800671", "agentId": "AG-1"]).record(),
            RecordBuilder(.qps, "84047683").top(["qwebHostId": "107800671"]).record(),
            RecordBuilder(.vm, "107800671").top(["IP": "10.0.0.1", "TRACKING_METHOD": "AGENT"]).record(),
        ])
        #expect(out.stats.assets == 1)
        #expect(out.lineage.map { $0["match_rule"] } == [
            .string("seed"), .string("qualys_link:asset_id"), .string("qualys_link:host_id"),
        ])
        #expect(out.lineage.map { $0["sensor"] } == [.string("agent"), .string("scanner"), .string("agent")])
        #expect(out.lineage[1]["matched_on"] == .string("asset_id=84047683 via=gav:84047683"))
        #expect(out.assets[0]["agent_id"] == .string("ag-1"))
    }

    @Test("an IP and nothing else never merges; a reused IP on the next night gets a new uid")
    func reusedIPNextNight() async throws {
        let night1 = try await run([
            RecordBuilder(.gav, "501").top(["agentId": "a1", "address": "10.0.0.5", "dnsName": "alpha.example"])
                .record(),
        ], date: "2024-08-01")
        let night2 = try await run([
            RecordBuilder(.gav, "501").top(["agentId": "a1", "address": "10.0.0.9", "dnsName": "alpha.example"])
                .record(),
            RecordBuilder(.gav, "777").top(["address": "10.0.0.5", "dnsName": "kiosk.example"]).record(),
            RecordBuilder(.vm, "3777").top(["IP": "10.0.0.5"]).record(),
        ], state: night1.state, date: "2024-08-02")

        #expect(night2.uid("gav", "501") == night1.uid("gav", "501"))
        #expect(night2.uid("gav", "777") != night1.uid("gav", "501"))
        #expect(night2.uid("vm", "3777") != night2.uid("gav", "777"))
        #expect(night2.stats.assets == 3)
        #expect(night2.stats.uidsReused == 1)
        #expect(night2.stats.uidsNew == 2)
    }

    @Test("a re-imaged machine with a new agent ID keeps its uid through hardware UUID and serial")
    func reimagedMachineKeepsUID() async throws {
        let hw = "11111111-2222-3333-4444-555555555555"
        let night1 = try await run([
            Self.agent("601", agent: "old-agent", name: "fin-07", ip: "10.3.0.7", mac: "00:11:22:33:44:07",
                       hw: hw, serial: "CZC1234XYZ"),
        ], date: "2024-08-01")
        let night2 = try await run([
            Self.agent("602", agent: "new-agent", name: "fin-07", ip: "10.3.0.8", mac: "00:11:22:33:44:08",
                       hw: hw, serial: "CZC1234XYZ"),
        ], state: night1.state, date: "2024-08-02")
        #expect(night2.uid("gav", "602") == night1.uid("gav", "601"))
        #expect(night2.stats.uidsReused == 1)

        // Both agent records present the same night: two machines, the old record keeps the uid.
        let both = try await run([
            Self.agent("601", agent: "old-agent", name: "fin-07", ip: "10.3.0.7", mac: "00:11:22:33:44:07",
                       hw: hw, serial: "CZC1234XYZ"),
            Self.agent("602", agent: "new-agent", name: "fin-07", ip: "10.3.0.8", mac: "00:11:22:33:44:08",
                       hw: hw, serial: "CZC1234XYZ"),
        ], state: night1.state, date: "2024-08-02")
        #expect(both.stats.assets == 2)
        #expect(both.uid("gav", "601") == night1.uid("gav", "601"))
        #expect(both.uid("gav", "602") != night1.uid("gav", "601"))
    }

    @Test("two known uids joined by new evidence keep the stronger one and record the merge")
    func mergeOfKnownUIDs() async throws {
        let night1 = try await run([
            RecordBuilder(.gav, "801").top(["agentId": "z-1", "address": "10.5.0.1"]).record(),
            RecordBuilder(.vm, "5801").top(["IP": "10.5.0.99"]).record(),
        ], date: "2024-08-01")
        let agentUID = try #require(night1.uid("gav", "801"))
        let vmUID = try #require(night1.uid("vm", "5801"))
        #expect(agentUID != vmUID)

        let night2 = try await run([
            RecordBuilder(.gav, "801").top(["agentId": "z-1", "address": "10.5.0.1"]).record(),
            RecordBuilder(.vm, "5801").top(["IP": "10.5.0.99", "ASSET_ID": "801"]).record(),
        ], state: night1.state, date: "2024-08-02")
        #expect(night2.stats.assets == 1)
        #expect(night2.uid("vm", "5801") == agentUID)
        #expect(night2.stats.uidsMerged == 1)
        #expect(night2.state.merged[IdentityState.parse(uid: vmUID)!] == IdentityState.parse(uid: agentUID)!)
    }

    @Test("identity is stable across two nights and through the state file")
    func stableAcrossNights() async throws {
        let night1 = try await run(CaseRecords.br07, date: "2024-08-01")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("_state/identity.txt").path
        try night1.state.save(path: path)
        let loaded = try IdentityState.load(path: path)
        #expect(loaded == night1.state)

        let night2 = try await run(shuffled(CaseRecords.br07, seed: 9), state: loaded, date: "2024-08-02")
        #expect(Set(night2.assets.map { $0["asset_uid"] }) == Set(night1.assets.map { $0["asset_uid"] }))
        for id in ["61000001", "61000002", "61000004", "61000005"] {
            #expect(night2.uid("qps", id) == night1.uid("qps", id))
        }
        #expect(night2.stats.uidsReused == 3)
        #expect(night2.stats.uidsNew == 0)
        #expect(night1.assets.allSatisfy { IdentityState.parse(uid: $0["asset_uid"]?.stringValue ?? "") != nil })
    }

    @Test("repaired values are not used as keys")
    func repairedValuesAreNotKeys() async throws {
        var a = RecordBuilder(.gav, "1").top(["agentId": "abc\u{FFFD}", "address": "10.0.0.1"])
        a.repairs = [TextRepair(path: "agentId", kind: .invalidUTF8, count: 1)]
        let b = RecordBuilder(.qps, "2").object("agentInfo/", ["agentId": "abc\u{FFFD}"])
        let out = try await run([a.record(), b.record()])
        #expect(out.stats.assets == 2, "\(out.lineage)")
    }

    @Test("coverage flags: unmanaged, agent never scanned, not seen for N days")
    func coverageFlags() async throws {
        let out = try await run(CaseRecords.br07, date: "2024-09-15", notSeenDays: 30)
        let uid = out.uid("qps", "61000001")
        let c = try #require(out.coverage.first { $0["asset_uid"]?.stringValue == uid })
        #expect(c["sensors"] == .list(["agent", "scanner"]))
        #expect(c["unmanaged"] == .boolean(false))
        #expect(c["agent_never_scanned"] == .boolean(false))
        #expect(c["last_seen_agent"] == .timestamp(1_722_485_340))
        #expect(c["not_seen_days"] == .integer(45))
        #expect(c["not_seen_recently"] == .boolean(true))
        let e = try #require(out.coverage.first { $0["asset_uid"]?.stringValue == out.uid("qps", "61000005") })
        #expect(e["agent_never_scanned"] == .boolean(true))
        let d = try #require(out.coverage.first { $0["asset_uid"]?.stringValue == out.uid("qps", "61000004") })
        #expect(d["unmanaged"] == .boolean(true))
        #expect(d["last_seen"] == .timestamp(1_722_420_000))  // `modified`: the only time on a QPS scan record
        #expect(d["not_seen_days"] == .integer(46))
    }

    @Test("passive and cloud sensors are told apart from scanners")
    func sensorKinds() async throws {
        let out = try await run([
            RecordBuilder(.gav, "1").top(["address": "10.0.0.1"]).object("inventory.", ["source": "PASSIVE_SENSOR"])
                .record(),
            RecordBuilder(.gav, "2").top(["address": "10.0.0.2"])
                .object("activity.", ["source": "Network Passive Sensor"])
                .record(),
            RecordBuilder(.gav, "3").top(["address": "10.0.0.3"])
                .object("cloudProvider.aws.ec2.", ["instanceId": "i-1"]).record(),
            RecordBuilder(.gav, "4").top(["address": "10.0.0.4"]).object("inventory.", ["source": "EASM"]).record(),
        ])
        #expect(out.lineage.map { $0["sensor"] } == [.string("passive"), .string("passive"), .string("cloud"),
                                                     .string("scanner")])
    }
}
