// Quarry — the recall rules `ip+passive` and `fqdn+recent`, each with the traps they must avoid.

import Foundation
import QuarryCore
import Testing
@testable import QuarryTransform

@Suite struct RecallRuleTests {
    static let nic = "networkInterfaceListData.networkInterface."
    /// 2024-08-01T10:00:00Z in epoch milliseconds; `hours` shifts it.
    static func ms(_ hours: Int) -> String { String(1_722_506_400_000 + Int64(hours) * 3_600_000) }

    /// A scanner-found GAV asset: an IP and a DNS name, seen at `hours`.
    static func scanner(_ id: String, ip: String, dns: String?, hours: Int) -> SourceRecord {
        var r = RecordBuilder(.gav, id).top(["address": ip, "sensorLastUpdatedDate": ms(hours)])
        if let dns { r = r.top(["dnsName": dns]) }
        return r.object("inventory.", ["source": "IP SCANNER"]).record()
    }

    /// A passive-sensor GAV asset: the IP–MAC binding seen on the wire at `hours`.
    static func passive(_ id: String, ip: String, mac: String, hours: Int) -> SourceRecord {
        RecordBuilder(.gav, id).top(["address": ip, "sensorLastUpdatedDate": ms(hours)])
            .object(nic, ["addressIpV4": ip, "macAddress": mac])
            .object("inventory.", ["source": "PASSIVE_SENSOR"]).record()
    }

    static func agent(_ id: String, agent: String, dns: String, ip: String, mac: String, hours: Int,
                      hw: String? = nil) -> SourceRecord {
        var r = RecordBuilder(.gav, id).top(["agentId": agent, "dnsName": dns, "address": ip])
        if let hw { r = r.top(["hwUUID": hw]) }
        return r.object(nic, ["addressIpV4": ip, "macAddress": mac])
            .object("agent.", ["lastCheckedIn": ms(hours)]).record()
    }

    @Test("a lone passive record joins the one machine that had its IP within a day")
    func passiveJoinsScanner() async throws {
        let out = try await run([
            Self.scanner("1", ip: "10.0.0.5", dns: "cam-1.corp.example", hours: 0),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 6),
        ])
        #expect(out.stats.assets == 1)
        #expect(out.lineage.map { $0["match_rule"] } == [.string("seed"), .string("ip+passive")])
        #expect(out.lineage[1]["matched_on"] == .string("ipv4=10.0.0.5 mac=00:40:8c:00:00:01 via=gav:1"))
        #expect(out.assets[0]["mac_addresses"] == out.perAPI["gav_assets"]?[1]["mac_addresses"])
    }

    @Test("trap: a passive sighting three days after the scan (DHCP may have moved the IP) stays apart")
    func passiveOutsideWindow() async throws {
        let out = try await run([
            Self.scanner("1", ip: "10.0.0.5", dns: "cam-1.corp.example", hours: 0),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 72),
        ])
        #expect(out.stats.assets == 2)
    }

    @Test("trap: two machines, or two MACs, on the IP that day leave the passive record alone")
    func passiveAmbiguous() async throws {
        let twoMachines = try await run([
            Self.scanner("1", ip: "10.0.0.5", dns: "cam-1.corp.example", hours: 0),
            Self.scanner("3", ip: "10.0.0.5", dns: "prn-9.corp.example", hours: 2),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 6),
        ])
        #expect(twoMachines.stats.assets == 3)
        let twoMACs = try await run([
            Self.scanner("1", ip: "10.0.0.5", dns: "cam-1.corp.example", hours: 0),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 6),
            Self.passive("4", ip: "10.0.0.5", mac: "00:40:8c:00:00:02", hours: 8),
        ])
        #expect(twoMACs.stats.assets == 3)
    }

    @Test("trap: a passive MAC that differs from the machine's own MAC on that IP does not join it")
    func passiveMACDisagrees() async throws {
        let out = try await run([
            Self.agent("1", agent: "ag-1", dns: "ws-1.corp.example", ip: "10.0.0.5", mac: "f8:b4:6a:00:00:01",
                       hours: 0),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 3),
        ])
        #expect(out.stats.assets == 2)
        // A Hyper-V MAC is no key, yet it is a MAC the passive record's MAC is not.
        let virtual = try await run([
            RecordBuilder(.gav, "1").top(["address": "10.0.0.5", "dnsName": "db-1.corp.example",
                                          "sensorLastUpdatedDate": Self.ms(0)])
                .object(Self.nic, ["addressIpV4": "10.0.0.5", "macAddress": "00:15:5d:01:02:03"]).record(),
            Self.passive("2", ip: "10.0.0.5", mac: "00:40:8c:00:00:01", hours: 3),
        ])
        #expect(virtual.stats.assets == 2)
    }

    @Test("a scanner record with the agent's FQDN on another IP (DHCP) joins it when seen within 7 days")
    func fqdnRecentJoins() async throws {
        let out = try await run([
            Self.agent("1", agent: "ag-1", dns: "ws-7.corp.example", ip: "10.0.0.8", mac: "f8:b4:6a:00:00:07",
                       hours: 0),
            Self.scanner("2", ip: "10.0.0.77", dns: "WS-7.corp.example", hours: -30),
        ])
        #expect(out.stats.assets == 1)
        #expect(out.lineage.map { $0["match_rule"] } == [.string("seed"), .string("fqdn+recent")])
        #expect(out.lineage[1]["matched_on"] == .string("fqdn=ws-7.corp.example via=gav:1"))
    }

    @Test("trap: an FQDN re-used a month later, or held by two agents, or on other hardware, links nothing")
    func fqdnRecentTraps() async throws {
        let reused = try await run([
            Self.agent("1", agent: "ag-1", dns: "ws-7.corp.example", ip: "10.0.0.8", mac: "f8:b4:6a:00:00:07",
                       hours: 0),
            Self.scanner("2", ip: "10.0.0.77", dns: "ws-7.corp.example", hours: -24 * 30),
        ])
        #expect(reused.stats.assets == 2)
        let twoAgents = try await run([
            Self.agent("1", agent: "ag-1", dns: "ws-7.corp.example", ip: "10.0.0.8", mac: "f8:b4:6a:00:00:07",
                       hours: 0),
            Self.agent("3", agent: "ag-3", dns: "ws-7.corp.example", ip: "10.0.0.9", mac: "f8:b4:6a:00:00:09",
                       hours: 1),
            Self.scanner("2", ip: "10.0.0.77", dns: "ws-7.corp.example", hours: 2),
        ])
        #expect(twoAgents.stats.assets == 3)
        let otherHardware = try await run([
            Self.agent("1", agent: "ag-1", dns: "ws-7.corp.example", ip: "10.0.0.8", mac: "f8:b4:6a:00:00:07",
                       hours: 0, hw: "4c4c4544-0042-3510-8052-b4c04f4a4e32"),
            RecordBuilder(.vm, "3002").top(["IP": "10.0.0.77", "DNS": "ws-7.corp.example",
                                            "HARDWARE_UUID": "4c4c4544-0042-3510-8052-000000000099",
                                            "LAST_ACTIVITY": "2024-08-01T12:00:00Z"]).record(),
        ])
        #expect(otherHardware.stats.assets == 2)
    }
}
