// Quarry — parse throughput of the extract readers beside plain baselines.

import CLibXML2
import Foundation
import QuarryCore
import QuarryQualys

/// `quarry-bench parse [--mb N] [--hosts-per-page N] [--repeat N] [--only xml|json]`:
/// generates host-list XML and GAV JSON pages (distinct IDs, cycled to reach about N MB
/// each) and prints, one figure per line, the record-building readers' MB/s and records/s
/// next to a plain libxml2 SAX pass (no record building) and `JSONSerialization` over the
/// same bytes, the readers' time relative to the plain SAX pass, then peak RSS.
///
/// Rates are per CPU second of this single-threaded process. The machine is shared and
/// noisy, so the N MB are measured in `--repeat` slices (default 3) with the routes
/// interleaved (plain, reader, plain, reader …) and each figure is the median slice.
func runParseBenchmark(_ args: [String]) async throws {
    var megabytes = 150
    var perPage = 1000
    var repeats = 3
    var only = ""
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--mb": megabytes = Int(args[i + 1]) ?? megabytes; i += 2
        case "--hosts-per-page": perPage = Int(args[i + 1]) ?? perPage; i += 2
        case "--repeat": repeats = max(1, Int(args[i + 1]) ?? repeats); i += 2
        case "--only": only = args[i + 1]; i += 2
        default: i += 1
        }
    }
    let target = megabytes * 1_000_000
    let distinct = 8

    var plainRate: Double?
    if only != "json" {
        plainRate = try xmlBenchmark(target: target, perPage: perPage, distinct: distinct, repeats: repeats)
    }
    if only != "xml" {
        try jsonBenchmark(target: target, perPage: perPage, distinct: distinct, repeats: repeats,
                          plainSAX: plainRate)
    }
    print("parse.peak_rss_mb \(ProcessStats.peakRSSBytes() / 1_000_000)")
}

/// Feeds one XML page to a fresh reader in 64 KB pieces; returns its record count.
private func readXML(_ data: Data, page: Int) throws -> Int {
    let r = XMLPageReader(layout: .vm, page: page)
    var offset = 0
    while offset < data.count {
        let end = min(offset + 65536, data.count)
        try data[offset..<end].withUnsafeBytes { try r.feed($0) }
        offset = end
    }
    return try r.finish().records.count
}

/// Returns the plain SAX pass's MB/s.
private func xmlBenchmark(target: Int, perPage: Int, distinct: Int, repeats: Int) throws -> Double {
    let xmlPages = (0..<distinct).map { BenchData.hostListPage(first: $0 * perPage + 1, count: perPage) }
    let rounds = max(1, target / xmlPages[0].count / repeats)
    print("parse.xml.page_bytes \(xmlPages[0].count)")
    print("parse.xml.total_mb \(String(format: "%.1f", Double(rounds * repeats * xmlPages[0].count) / 1e6))")

    var plain: [Measured] = [], reader: [Measured] = []
    for _ in 0..<repeats {
        plain.append(try measure(rounds: rounds) { n in
            try BenchData.plainSAX(xmlPages[n % distinct])
            return 0
        })
        reader.append(try measure(rounds: rounds) { n in try readXML(xmlPages[n % distinct], page: n + 1) })
    }
    let base = report("parse.xml.libxml2_sax_plain", plain, bytes: xmlPages[0].count)
    let rate = report("parse.xml.quarry_reader", reader, bytes: xmlPages[0].count)
    print("parse.xml.quarry_reader.time_vs_plain_sax \(String(format: "%.2f", base / rate))")
    return base
}

private func jsonBenchmark(target: Int, perPage: Int, distinct: Int, repeats: Int, plainSAX: Double?) throws {
    let jsonPages = (0..<distinct).map { BenchData.gavPage(first: $0 * perPage + 1, count: perPage) }
    let rounds = max(1, target / jsonPages[0].count / repeats)
    print("parse.json.page_bytes \(jsonPages[0].count)")
    var foundation: [Measured] = [], reader: [Measured] = []
    for _ in 0..<repeats {
        foundation.append(try measure(rounds: rounds) { n in
            let object = try JSONSerialization.jsonObject(with: jsonPages[n % distinct])
            return ((object as? [String: Any])?["assetListData"] as? [String: Any]).map { _ in perPage } ?? 0
        })
        reader.append(try measure(rounds: rounds) { n in
            try JSONPageReader.read(jsonPages[n % distinct], page: n + 1).records.count
        })
    }
    let base = report("parse.json.jsonserialization_baseline", foundation, bytes: jsonPages[0].count)
    let rate = report("parse.json.quarry_reader", reader, bytes: jsonPages[0].count)
    print("parse.json.quarry_reader.time_vs_jsonserialization \(String(format: "%.2f", base / rate))")
    if let plainSAX {
        print("parse.json.quarry_reader.time_vs_plain_sax \(String(format: "%.2f", plainSAX / rate))")
    }
}

private struct Measured {
    var seconds: Double
    var rounds: Int
    var records: Int
}

private func measure(rounds: Int, _ body: (Int) throws -> Int) throws -> Measured {
    // CPU seconds of this (single-threaded) process: the build machine is shared, and wall
    // time there mostly measures the other jobs.
    let start = ProcessStats.cpuSeconds()
    var records = 0
    for n in 0..<rounds { records += try body(n) }
    return Measured(seconds: ProcessStats.cpuSeconds() - start, rounds: rounds, records: records)
}

/// Prints the median slice's MB/s (and records/s) and returns that MB/s.
@discardableResult
private func report(_ name: String, _ slices: [Measured], bytes: Int) -> Double {
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let mbps = median(slices.map { Double(bytes * $0.rounds) / 1e6 / $0.seconds })
    print("\(name).mb_per_s \(String(format: "%.0f", mbps))")
    if slices.contains(where: { $0.records > 0 }) {
        let rps = median(slices.map { Double($0.records) / $0.seconds })
        print("\(name).records_per_s \(String(format: "%.0f", rps))")
    }
    return mbps
}

/// Generated pages shaped like the real APIs' answers.
enum BenchData {
    static func hostListPage(first: Int, count: Int) -> Data {
        var s = """
            <?xml version="1.0" encoding="UTF-8" ?>
            <!DOCTYPE HOST_LIST_OUTPUT SYSTEM "https://qualysapi.example.com/api/2.0/fo/asset/host/host_list_output.dtd">
            <HOST_LIST_OUTPUT>
              <RESPONSE>
                <DATETIME>2024-05-06T02:00:04Z</DATETIME>
                <HOST_LIST>

            """
        for id in first..<(first + count) {
            let ip = "10.\(id / 65536 % 256).\(id / 256 % 256).\(id % 256)"
            s += """
                      <HOST>
                        <ID>\(id)</ID>
                        <ASSET_ID>\(70_000_000 + id)</ASSET_ID>
                        <IP>\(ip)</IP>
                        <TRACKING_METHOD>IP</TRACKING_METHOD>
                        <NETWORK_ID>0</NETWORK_ID>
                        <DNS><![CDATA[host-\(id).corp.example.com]]></DNS>
                        <DNS_DATA>
                          <HOSTNAME><![CDATA[host-\(id)]]></HOSTNAME>
                          <DOMAIN><![CDATA[corp.example.com]]></DOMAIN>
                          <FQDN><![CDATA[host-\(id).corp.example.com]]></FQDN>
                        </DNS_DATA>
                        <NETBIOS><![CDATA[HOST-\(id)]]></NETBIOS>
                        <OS><![CDATA[Windows Server 2019 Datacenter 64 bit Edition Version 1809]]></OS>
                        <QG_HOSTID><![CDATA[6f1c2b7e-\(String(format: "%04x", id % 65536))-4d3a-9c11-aa0000000001]]></QG_HOSTID>
                        <FIRST_FOUND_DATE>2021-03-04T11:02:33Z</FIRST_FOUND_DATE>
                        <LAST_ACTIVITY>2024-05-05T21:14:09Z</LAST_ACTIVITY>
                        <TAGS>
                          <TAG><TAG_ID>\(1000 + id % 7)</TAG_ID><NAME><![CDATA[Site \(id % 7)]]></NAME></TAG>
                          <TAG><TAG_ID>2001</TAG_ID><NAME><![CDATA[Windows Servers]]></NAME></TAG>
                        </TAGS>
                        <LAST_VULN_SCAN_DATETIME>2024-05-05T21:14:09Z</LAST_VULN_SCAN_DATETIME>
                        <LAST_VM_SCANNED_DATE>2024-05-05T21:14:09Z</LAST_VM_SCANNED_DATE>
                        <LAST_VM_SCANNED_DURATION>612</LAST_VM_SCANNED_DURATION>
                        <LAST_COMPLIANCE_SCAN_DATETIME>2024-04-28T03:00:00Z</LAST_COMPLIANCE_SCAN_DATETIME>
                        <OWNER><![CDATA[ops_team]]></OWNER>
                        <ASSET_RISK_SCORE>\(id % 1000)</ASSET_RISK_SCORE>
                      </HOST>

                """
        }
        s += """
                </HOST_LIST>
                <WARNING>
                  <CODE>1980</CODE>
                  <TEXT>1000 record limit exceeded. Use URL to get next batch of results.</TEXT>
                  <URL><![CDATA[https://qualysapi.example.com/api/2.0/fo/asset/host/?action=list&id_min=\(first + count)]]></URL>
                </WARNING>
              </RESPONSE>
            </HOST_LIST_OUTPUT>

            """
        return Data(s.utf8)
    }

    static func gavPage(first: Int, count: Int) -> Data {
        var assets: [String] = []
        for id in first..<(first + count) {
            let ip = "10.\(id / 65536 % 256).\(id / 256 % 256).\(id % 256)"
            assets.append("""
                {"assetId":\(40_000_000 + id),"assetUUID":"6f1c2b7e-\(String(format: "%04x", id % 65536))-4d3a-9c11-aa0000000001",\
                "hostId":\(880_000 + id),"agentId":"a1b2c3d4-\(String(format: "%04x", id % 65536))-4e5f-8a9b-0c1d2e3f4a5b",\
                "assetType":"HOST","assetName":"host-\(id).corp.example.com","address":"\(ip)",\
                "dnsName":"host-\(id).corp.example.com","netbiosName":"HOST-\(id)","hwUUID":null,\
                "biosSerialNumber":"VMware-56 4d \(id % 100)","createdDate":"2021-03-04T11:02:33.000Z",\
                "lastModifiedDate":"2024-05-05T21:14:09.000Z","sensorLastUpdatedDate":"2024-05-05T21:14:09.000Z",\
                "operatingSystem":{"osName":"Windows Server 2019","fullName":"Microsoft Windows Server 2019 Datacenter",\
                "category":"Windows","category1":"Server","category2":"Windows Server","publisher":"Microsoft",\
                "version":"1809","architecture":"64-Bit"},\
                "hardware":{"fullName":"VMware Virtual Platform","manufacturer":"VMware","model":"Virtual Platform"},\
                "cpuCount":4,"totalMemory":16384,"isVirtualMachine":true,"provider":null,\
                "networkInterfaceListData":{"networkInterface":[\
                {"interfaceName":"Ethernet0","hostname":"host-\(id)","addressIpV4":"\(ip)","addressIpV6":null,\
                "macAddress":"00:50:56:\(String(format: "%02x:%02x:%02x", id / 65536 % 256, id / 256 % 256, id % 256))",\
                "gatewayAddress":"10.0.0.1","dnsAddress":"10.0.0.53"}]},\
                "agent":{"version":"5.1.0.20","lastActivity":1714943649000,"lastCheckedIn":1714943649000,\
                "activations":[{"key":"VM","status":"ACTIVE"},{"key":"PC","status":"ACTIVE"}]},\
                "sensor":{"activatedForModules":["VM","PC","CSAM"],"lastVMScan":1714943649000,"lastComplianceScan":0},\
                "inventory":{"source":"QAGENT","created":1614855753000,"lastUpdated":1714943649000},\
                "tagList":{"tag":[{"tagId":\(1000 + id % 7),"tagName":"Site \(id % 7)"},{"tagId":2001,"tagName":"Windows Servers"}]}}
                """)
        }
        let body = #"{"responseMessage":"Valid API Access","responseCode":"SUCCESS","count":\#(count),"#
            + #""hasMore":1,"lastSeenAssetId":\#(40_000_000 + first + count - 1),"assetListData":{"asset":["#
            + assets.joined(separator: ",") + "]}}"
        return Data(body.utf8)
    }

    /// A libxml2 SAX2 push parse with empty callbacks, 64 KB chunks: the floor.
    static func plainSAX(_ data: Data) throws {
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { _, _, _, _, _, _, _, _, _ in }
        sax.endElementNs = { _, _, _, _ in }
        sax.characters = { _, _, _ in }
        sax.cdataBlock = { _, _, _ in }
        sax.serror = { _, _ in }
        guard let ctxt = xmlCreatePushParserCtxt(&sax, nil, nil, 0, nil) else { return }
        defer { xmlFreeParserCtxt(ctxt) }
        xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue))
        try data.withUnsafeBytes { buf in
            var offset = 0
            let base = buf.baseAddress!.assumingMemoryBound(to: CChar.self)
            while offset < buf.count {
                let n = min(65536, buf.count - offset)
                if xmlParseChunk(ctxt, base + offset, Int32(n), 0) != 0 { throw BenchError.parse }
                offset += n
            }
            if xmlParseChunk(ctxt, nil, 0, 1) != 0 { throw BenchError.parse }
        }
    }

    enum BenchError: Error { case parse }
}
