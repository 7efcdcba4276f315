// Quarry — the shared bug-report cases and real samples, replayed through the whole job.

import Foundation
import QuarryCore
import QuarryJob
import QuarryLoad
import Testing

/// Runs the job on replayed files and returns the lake and the result.
private func replayRun(_ files: [SourceAPI: [String]], date: String = "2026-03-01") async throws -> (Lake, JobResult) {
    let out = try TestDirs.make("lake")
    let replay = try TestDirs.replay(files)
    let config = try TestDirs.pipeline(sources: Array(files.keys).sorted(), output: out)
    let options = JobOptions(config: config, snapshotDate: date, replay: replay)
    let result = try await NightlyJob.run(options, logger: .silent)
    return (Lake(dir: out), result)
}

private func casePath(_ name: String) throws -> String {
    try TestDirs.shared.appendingPathComponent("cases/\(name)").path
}

private func realPath(_ name: String) throws -> String {
    try TestDirs.shared.appendingPathComponent("fixtures/real/\(name)").path
}

private func byID(_ rows: [[String: Any]], _ key: String) -> [String: [String: Any]] {
    var out: [String: [String: Any]] = [:]
    for r in rows { if let id = r[key] as? String { out[id] = r } }
    return out
}

@Suite struct CaseReplayTests {
    @Test func br01SplitsAddressListsAndReportsTheInvalidPiece() async throws {
        let (lake, _) = try await replayRun([.gav: [try casePath("BR-01/gav-assets-multi-ip.json")]])

        let gav = byID(try lake.rows("gav_assets", date: "2026-03-01"), "asset_id")
        #expect(gav.count == 3)
        #expect(gav["4100001"]?["ipv4"] as? [String] == ["192.0.2.21", "192.0.2.22", "192.0.2.23", "198.51.100.40"])
        #expect(gav["4100001"]?["ipv6"] as? [String] == ["2001:db8::40"])
        #expect(gav["4100002"]?["ipv4"] as? [String] == ["192.0.2.30", "192.0.2.31"])
        #expect(gav["4100002"]?["ipv6"] as? [String] == ["2001:db8::30", "2001:db8::31"])
        #expect(gav["4100003"]?["ipv4"] as? [String] == ["203.0.113.9"])
        let assets = try lake.rows("assets", date: "2026-03-01")
        #expect(assets.count == 3)
        let rejects = try lake.rows("rejects", date: "2026-03-01")
        #expect(rejects.count == 1)
        #expect(rejects.first?["record_id"] as? String == "4100003")
        let text = "\(rejects.first?["reason"] ?? "") \(rejects.first?["excerpt"] ?? "")"
        #expect(text.contains("203.0.113.300") && text.contains("wan0"), "got: \(text)")
        let csv = try lake.csv("gav_assets", date: "2026-03-01")
        #expect(csv.contains(#""[""192.0.2.30"",""192.0.2.31""]""#))
    }

    @Test func br03FollowsTheTruncationWarningToTheEnd() async throws {
        let (lake, result) = try await replayRun([.vm: [
            try casePath("BR-03/page-1-host-list.xml"), try casePath("BR-03/page-2-host-list.xml"),
        ]])

        let ids = try lake.rows("vm_hosts", date: "2026-03-01").compactMap { $0["id"] as? String }
        #expect(ids.sorted() == ["1001", "1002", "1003", "1004", "1005"])
        let vm = try #require(result.report.sources.first { $0.api == "vm" })
        #expect(vm.pages == 2)
        #expect(vm.records == 5)
        #expect(result.manifest.sources["vm"] == 5)
    }

    @Test func br05RepairsForbiddenBytesAndCountsThem() async throws {
        let (lake, result) = try await replayRun([.vm: [try casePath("BR-05/host-list-illegal-bytes.xml")]])

        let vm = byID(try lake.rows("vm_hosts", date: "2026-03-01"), "id")
        #expect(vm.count == 4)
        #expect(vm["3101"]?["netbios_name"] as? String == "PRN\u{FFFD}51")
        #expect(vm["3102"]?["netbios_name"] as? String == "CAM-52\u{FFFD}[0m")
        #expect(vm["3103"]?["netbios_name"] as? String == "CAF\u{FFFD}-POS-53")
        #expect(vm["3103"]?["dns"] as? String == "caf\u{FFFD}-pos-53.example.com")
        #expect(result.report.textRepairs.values.reduce(0, +) == 4)
        for table in ["vm_hosts", "assets", "asset_sources"] {
            let bytes = Array(try lake.csv(table, date: "2026-03-01").utf8)
            #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }, "\(table)")
        }
    }

    @Test func br07MergesAgentAndScannerButNotLookAlikes() async throws {
        let (lake, result) = try await replayRun([.qps: [try casePath("BR-07/qps-hostasset-agent-and-scanner.xml")]])

        let assets = try lake.rows("assets", date: "2026-03-01")
        #expect(assets.count == 3)
        let merged = try #require(assets.first { ($0["qualys_asset_ids"] as? [String])?.count == 2 })
        #expect(merged["qualys_asset_ids"] as? [String] == ["61000001", "61000002"])
        #expect(merged["qualys_host_ids"] as? [String] == ["300001", "300002"])
        #expect(merged["name"] as? String == "web-01.example.com")
        #expect(merged["os"] as? String == "Ubuntu 22.04.4 LTS")
        #expect(Set(merged["ipv4"] as? [String] ?? []) == ["192.0.2.10", "198.51.100.10"])
        #expect(Set(merged["mac_addresses"] as? [String] ?? []) == ["00:50:56:0a:0b:01", "00:50:56:0a:0b:02"])
        #expect(merged["last_vuln_scan"] as? String == "2024-07-30T23:50:00Z")
        let lineage = try lake.rows("asset_sources", date: "2026-03-01")
        let uid = merged["asset_uid"] as? String
        let mine = lineage.filter { $0["asset_uid"] as? String == uid }
        #expect(mine.compactMap { $0["source_record_id"] as? String }.sorted() == ["61000001", "61000002"])
        #expect(Set(mine.compactMap { $0["sensor"] as? String }) == ["agent", "scanner"])
        #expect(result.report.recordsBeforeDedup == 4)
        #expect(result.report.assetsAfterDedup == 3)

        let (again, _) = try await replayRun([.qps: [try casePath("BR-07/qps-hostasset-agent-and-scanner.xml")]])
        #expect(try again.sortedLines("assets", date: "2026-03-01") == lake.sortedLines("assets", date: "2026-03-01"))
    }

    @Test func br09LineBreaksKeepNDJSONAndCSVFraming() async throws {
        let (lake, _) = try await replayRun([.gav: [try casePath("BR-09/gav-assets-multiline-values.json")]])

        let file = "\(lake.dir)/ndjson/gav_assets/snapshot_date=2026-03-01/part-00000.ndjson.gz"
        let bytes = Array(try GzipReader.readAll(path: file))
        #expect(bytes.filter { $0 == 0x0A }.count == 3)
        #expect(!bytes.contains(0x0D))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"\u2028"#) && text.contains(#"\u2029"#) && text.contains(#"\u000b"#))
        let gav = byID(try lake.rows("gav_assets", date: "2026-03-01"), "asset_id")
        #expect(gav["4400001"]?["bios_description"] as? String == "Vendor BIOS v2.1\nBuild 2023-11\nSecure boot: on")
        #expect(gav["4400001"]?["last_logged_on_user"] as? String == "EXAMPLE\\ops.night")
        #expect(gav["4400002"]?["bios_description"] as? String == "Firmware \"QX\", rev 7\r\nfactory image")
        #expect(gav["4400003"]?["bios_description"] as? String == "para one\u{2029}para two\u{85}end\u{0B}")
        let csv = try lake.csv("gav_assets", date: "2026-03-01")
        #expect(csv.contains("\"Firmware \"\"QX\"\", rev 7\r\nfactory image\""))
        #expect(csv.contains("\"ops, \"\"night\"\" shift\""))
    }

    @Test func br11KeepsLeadingZerosAsText() async throws {
        let (lake, result) = try await replayRun([.qps: [try casePath("BR-11/qps-hostasset-leading-zeros.xml")]])

        let csv = try lake.csv("qps_host_assets", date: "2026-03-01")
        let ndjson = try lake.sortedLines("qps_host_assets", date: "2026-03-01").joined(separator: "\n")
        for value in ["012345678901", "000987654321", "00731", "0001", "1.10"] {
            #expect(csv.contains(value), "CSV keeps \(value)")
            #expect(ndjson.contains("\"\(value)\""), "NDJSON keeps \(value) as a string")
        }
        let table = try #require(result.manifest.tables.first { $0.name == "qps_host_assets" })
        for column in ["cloud_account", "name", "netbios_name", "tag_names"] {
            let type = table.columns.first { $0.name == column }?.type
            #expect(type == "string" || type == "list<string>", "\(column): \(type ?? "missing")")
        }
    }

    @Test func br13OptionalElementsBecomeNullAndAHostWithoutIDIsQuarantined() async throws {
        let (lake, result) = try await replayRun([.vm: [try casePath("BR-13/host-list-optional-elements.xml")]])

        let vm = byID(try lake.rows("vm_hosts", date: "2026-03-01"), "id")
        #expect(vm.keys.sorted() == ["5101", "5102", "5103", "5104"])
        #expect(vm["5103"]?["hostname"] as? String == "half-163")
        #expect(vm["5103"]?["fqdn"] is NSNull)
        #expect(vm["5103"]?["last_vuln_scan"] is NSNull)
        #expect(vm["5103"]?["os"] is NSNull)
        #expect(vm["5104"]?["os"] as? String == "Windows 11")
        #expect(vm["5104"]?["tracking_method"] is NSNull)
        let rejects = try lake.rows("rejects", date: "2026-03-01")
        #expect(rejects.count == 1)
        #expect(rejects.first?["reason"] as? String == "missing required field ID")
        #expect((rejects.first?["excerpt"] as? String ?? "").contains("192.0.2.165"))
        #expect(result.report.unknownElements["vm.CLOUD_PROVIDER"] == 1)
        #expect(result.report.unknownElements["vm.SOME_FUTURE_BLOCK"] == 1)
        let csv = try lake.csv("vm_hosts", date: "2026-03-01")
        for bad in [",null,", ",None,", ",nil,", "(null)", "1970-01-01"] { #expect(!csv.contains(bad), "\(bad)") }
    }

    @Test func br17ForbiddenCharacterReferencesAreReplacedOutsideCDATA() async throws {
        let (lake, result) = try await replayRun([.vm: [try casePath("BR-17/host-list-forbidden-charrefs.xml")]])

        let vm = byID(try lake.rows("vm_hosts", date: "2026-03-01"), "id")
        #expect(vm.count == 4)
        #expect(vm["7101"]?["netbios_name"] as? String == "SW-71\u{FFFD}")
        #expect(vm["7102"]?["netbios_name"] as? String == "AP\u{FFFD}-72\u{FFFD}")
        #expect(vm["7102"]?["os"] as? String == "Embedded & Co. firmware 3")
        #expect(vm["7103"]?["dns"] as? String == "café-73.example.com")
        #expect(vm["7103"]?["os"] as? String == "Windows 11 — kiosk")
        #expect(vm["7103"]?["netbios_name"] as? String == "KEEP&#0;LITERAL")
        #expect(result.report.textRepairs.values.reduce(0, +) == 3)
    }
}

@Suite struct RealSampleReplayTests {
    @Test(arguments: [
        ("qps/hostasset-agent-qagent-lastid.xml", ["3043442"]),
        ("qps/hostasset-azure-vm.xml", nil),
        ("qps/hostasset-ec2-by-qwebhostid.xml", ["84047683"]),
        ("qps/hostasset-ec2-instance.xml", ["709837", "709838"]),
        ("qps/hostasset-gcp-instance.xml", nil),
    ] as [(String, [String]?)])
    func realHostAssetPagesPublishASnapshot(file: String, ids: [String]?) async throws {
        let path = try realPath(file)
        let (lake, result) = try await replayRun([.qps: [path]])

        let rows = try lake.rows("qps_host_assets", date: "2026-03-01")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = Set(text.components(separatedBy: "<HostAsset>").dropFirst().compactMap { block -> String? in
            guard let s = block.range(of: "<id>"), let e = block.range(of: "</id>") else { return nil }
            return String(block[s.upperBound..<e.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        })
        let got = rows.compactMap { $0["id"] as? String }
        #expect(Set(got) == expected)
        #expect(got.count == expected.count, "each record once")
        if let ids { #expect(got.sorted() == ids) }
        #expect(FileManager.default.fileExists(atPath: "\(lake.dir)/_manifests/snapshot_date=2026-03-01/_SUCCESS"))
        #expect(result.manifest.tables.first { $0.name == "assets" }?.rows ?? 0 >= 1)
    }

    @Test func twoEC2RecordsOfOneInstanceAreOneMachine() async throws {
        let (lake, _) = try await replayRun([.qps: [try realPath("qps/hostasset-ec2-instance.xml")]])

        let assets = try lake.rows("assets", date: "2026-03-01")
        #expect(assets.count == 1)
        #expect(assets.first?["instance_id"] as? String == "i-023b166432b1c7afc")
        #expect(assets.first?["cloud_account"] as? String == "123456789012")
        let qps = byID(try lake.rows("qps_host_assets", date: "2026-03-01"), "id")
        #expect(qps["709837"]?["qweb_host_id"] as? String == "12864")
        #expect(qps["709837"]?["address"] as? String == "10.97.15.117")
        #expect(qps["709837"]?["tracking_method"] as? String == "INSTANCE_ID")
    }
}

@Suite struct JobConfigErrorTests {
    @Test func anOutputFolderThatCannotBeMadeIsAConfigurationErrorNamingTheSetting() async throws {
        let file = try TestDirs.make("not-a-folder") + "/lake"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let config = try TestDirs.pipeline(sources: [.vm], output: file)
        let replay = try TestDirs.replay([.vm: [try TestDirs.shared.appendingPathComponent("cases/BR-03/page-2-host-list.xml").path]])

        await #expect {
            _ = try await NightlyJob.run(JobOptions(config: config, snapshotDate: "2026-03-01", replay: replay), logger: .silent)
        } throws: { error in
            (error as? ConfigError)?.description == "e2e.json: output.dir (or --output): \(file) is a file, expected a folder"
        }
    }

    @Test func repairedRecordsAreListedInTheReport() async throws {
        let (_, result) = try await replayRun([.vm: [try casePath("BR-05/host-list-illegal-bytes.xml")]])

        #expect(result.report.repairedRecords == ["vm 3101: NETBIOS", "vm 3102: NETBIOS", "vm 3103: DNS+NETBIOS"])
        #expect(result.manifest.rejects.isEmpty)
    }
}

@Suite struct ReplayErrorTests {
    @Test func aBrokenReplayedPageIsNamedWhenTheFolderRunsOut() async throws {
        let dir = try TestDirs.make("broken")
        let page = dir + "/page.xml"
        try Data("<HOST_LIST_OUTPUT><RESPONSE><HOST_LIST><HOST><ID>1".utf8).write(to: URL(fileURLWithPath: page))

        await #expect {
            _ = try await replayRun([.vm: [page]])
        } throws: { error in
            let text = "\(error)"
            return text.contains("no recorded response left") && text.contains("vm page 1: not well-formed")
        }
    }
}
