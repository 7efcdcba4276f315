// Quarry — benchmark of mapping + entity resolution on synthetic records.

import Foundation
import QuarryCore
import QuarryTransform

/// `quarry-bench resolve [--machines N] [--schemas DIR] [--score]`
///
/// Generates records for N machines (agents seen by GAV + VM, scanner-only hosts in VM and
/// sometimes QPS, cloud and passive assets in GAV, plus clones and a shared VPN MAC), feeds
/// them to a `Transformer` in batches of 1,000 and prints, one per line: records/s of a
/// baseline that only hashes the key values, records/s of map and of the whole run, peak RSS
/// and, with `--score`, pairwise precision/recall against the generator's machines.
func runResolveBenchmark(_ args: [String]) async throws {
    var machines = 100_000
    var schemas = "schemas"
    var scoring = false
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--machines": i += 1; machines = Int(args[i]) ?? machines
        case "--schemas": i += 1; schemas = args[i]
        case "--score": scoring = true
        default: throw ConfigError(file: "command line", key: args[i], problem: "unknown option")
        }
        i += 1
    }
    let gen = SyntheticTenant(machines: machines)
    print("resolve.machines \(machines)")

    // Baseline: generate the same records and hash every field value (no mapping, no clustering).
    var t0 = Date()
    var sink: UInt64 = 0, baselineRecords = 0
    var hashNanos: UInt64 = 0  // the hashing alone, without generating the records
    gen.forEachBatch { batch in
        let start = DispatchTime.now().uptimeNanoseconds
        for r in batch {
            for f in r.fields { for b in f.value.utf8 { sink = (sink ^ UInt64(b)) &* 0x100_0000_01b3 } }
        }
        hashNanos += DispatchTime.now().uptimeNanoseconds - start
        baselineRecords += batch.count
    }
    let baseline = Date().timeIntervalSince(t0)
    print("baseline.records \(baselineRecords)")
    print("baseline.records_per_s \(Int(Double(baselineRecords) / baseline))  # hash \(sink % 10)")
    let hashOnly = Double(baselineRecords) / (Double(max(hashNanos, 1)) / 1e9)
    print("baseline.hash_only_records_per_s \(Int(hashOnly))")
    print("baseline.peak_rss_mb \(ProcessStats.peakRSSBytes() / 1_048_576)")

    let pipeline = #"{"name": "bench", "qualys": {"platform": "US1"}}"#
    let config = try PipelineConfig.parse(file: "bench", data: Data(pipeline.utf8))
    let set = try SchemaSet.load(directory: schemas)
    let counters = RunCounters()
    let transformer = try Transformer(schemas: set, state: nil, settings: config.transform, counters: counters,
                                      logger: .silent)
    t0 = Date()
    var mappedRows = 0
    var mapNanos: UInt64 = 0  // `map` alone, without generating the records
    gen.forEachBatch { batch in
        let start = DispatchTime.now().uptimeNanoseconds
        for b in transformer.map(batch) { mappedRows += b.rows.count }
        mapNanos += DispatchTime.now().uptimeNanoseconds - start
    }
    let mapSeconds = Date().timeIntervalSince(t0)
    print("map.rows \(mappedRows)")
    print("map.records_per_s \(Int(Double(mappedRows) / mapSeconds))")
    let mapOnly = Double(mappedRows) / (Double(max(mapNanos, 1)) / 1e9)
    print("map.only_records_per_s \(Int(mapOnly))")
    print("map.only_vs_hash_only \(String(format: "%.3f", mapOnly / hashOnly))")
    print("map.peak_rss_mb \(ProcessStats.peakRSSBytes() / 1_048_576)")

    let t1 = Date()
    var cells: [String: [Int: Int]] = [:]
    var rows: [String: Int] = [:]
    let (state, stats) = try await transformer.finish(snapshotDate: "2024-08-02", batchRows: 5000) { b in
        rows[b.table, default: 0] += b.rows.count
        guard scoring, b.table == "asset_sources" else { return }
        for r in b.rows {
            guard let uid = r[0].stringValue, let id = r[2].stringValue.flatMap({ Int($0) }) else { continue }
            cells[uid, default: [:]][id % 10_000_000, default: 0] += 1
        }
    }
    let finishSeconds = Date().timeIntervalSince(t1)
    print("finish.seconds \(String(format: "%.2f", finishSeconds))")
    print("total.records_per_s \(Int(Double(stats.records) / (mapSeconds + finishSeconds)))")
    print("resolve.records \(stats.records)")
    print("resolve.assets \(stats.assets)")
    print("resolve.expected_assets \(gen.expectedMachines)")
    print("resolve.refused_conflicts \(stats.refusedConflicts)")
    print("resolve.shared_keys \(stats.sharedKeys)")
    print("resolve.state_keys \(state.count)")
    print("rows.asset_sources \(rows["asset_sources"] ?? 0)")
    print("peak_rss_mb \(ProcessStats.peakRSSBytes() / 1_048_576)")
    if scoring {
        var tp = 0, predicted = 0
        var perMachine: [Int: Int] = [:]
        for (_, m) in cells {
            let n = m.values.reduce(0, +)
            predicted += n * (n - 1) / 2
            for (machine, c) in m {
                tp += c * (c - 1) / 2
                perMachine[machine, default: 0] += c
            }
        }
        let actual = perMachine.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        print("score.pairwise_precision \(String(format: "%.6f", predicted == 0 ? 1 : Double(tp) / Double(predicted)))")
        print("score.pairwise_recall \(String(format: "%.6f", actual == 0 ? 1 : Double(tp) / Double(actual)))")
    }
}

/// A deterministic synthetic tenant. Record IDs carry the machine number (`id % 10_000_000`).
struct SyntheticTenant {
    let machines: Int

    /// Machine kinds by `m % 20`: 0–11 agent, 12–16 scanner-only, 17–18 cloud, 19 passive.
    func kind(_ m: Int) -> Int {
        let k = m % 20
        return k < 12 ? 0 : k < 17 ? 1 : k < 19 ? 2 : 3
    }

    var expectedMachines: Int { machines }

    func forEachBatch(_ body: ([SourceRecord]) -> Void) {
        var batch: [SourceRecord] = []
        batch.reserveCapacity(1000)
        var page = 0
        for m in 0..<machines {
            for r in records(m, page: page) { batch.append(r) }
            if batch.count >= 1000 {
                body(batch)
                batch.removeAll(keepingCapacity: true)
                page += 1
            }
        }
        if !batch.isEmpty { body(batch) }
    }

    private func hex(_ x: Int, _ width: Int) -> String {
        let s = String(x, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    func records(_ m: Int, page: Int) -> [SourceRecord] {
        let name = "host-\(m)"
        let ip = "10.\((m >> 16) & 255).\((m >> 8) & 255).\(m & 255)"
        let mac = "00:1a:" + [24, 16, 8, 0].map { hex((m >> $0) & 255, 2) }.joined(separator: ":")
        // Every 50th agent machine is a clone of the previous one: same name and hardware UUID.
        let cloneOf = (m % 50 == 1 && kind(m) == 0 && kind(m - 1) == 0) ? m - 1 : m
        let hw = "4c4c4544-\(hex(cloneOf, 8).prefix(4))-\(hex(cloneOf, 8).suffix(4))-8052-b4c04f4a4e32"
        let vpnMAC = m % 7 == 0 ? "00:aa:bb:00:00:01" : mac
        let gavID = String(10_000_000 + m), vmID = String(20_000_000 + m), qpsID = String(30_000_000 + m)
        func loc(_ api: SourceAPI) -> Locator { Locator(api: api, page: page, position: 1) }
        var out: [SourceRecord] = []
        let nic = "networkInterfaceListData.networkInterface."
        switch kind(m) {
        case 0:
            out.append(SourceRecord(api: .gav, recordID: gavID, locator: loc(.gav), fields: [
                SourceField(path: "assetId", value: gavID, group: 1),
                SourceField(path: "hostId", value: vmID, group: 1),
                SourceField(path: "agentId", value: "a0000000-0000-4000-8000-\(hex(m, 12))", group: 1),
                SourceField(path: "assetName", value: "host-\(cloneOf).corp.example", group: 1),
                SourceField(path: "dnsName", value: "host-\(cloneOf).corp.example", group: 1),
                SourceField(path: "address", value: ip, group: 1),
                SourceField(path: nic + "hostname", value: "host-\(cloneOf)", group: 2),
                SourceField(path: nic + "addressIpV4", value: ip, group: 2),
                SourceField(path: nic + "macAddress", value: mac.uppercased(), group: 2),
                SourceField(path: nic + "interfaceName", value: "eth0", group: 2),
                SourceField(path: nic + "macAddress", value: vpnMAC, group: 3),
                SourceField(path: "operatingSystem.osName", value: "Ubuntu  22.04.4 LTS", group: 4),
                SourceField(path: "hwUUID", value: hw.uppercased(), group: 1),
                SourceField(path: "biosSerialNumber", value: "SN\(cloneOf)", group: 1),
                SourceField(path: "createdDate", value: "2024-01-10T09:00:00.000Z", group: 1),
                SourceField(path: "sensorLastUpdatedDate", value: "1722485340000", group: 1),
                SourceField(path: "agent.lastCheckedIn", value: "1722485340000", group: 5),
                SourceField(path: "inventory.source", value: "QAGENT", group: 6),
                SourceField(path: "tagList.tag.tagName", value: "Servers", group: 7),
                SourceField(path: "tagList.tag.tagName", value: "0001", group: 8),
            ]))
            out.append(vm(vmID, gavID, ip, name: "host-\(cloneOf)", tracking: "AGENT", loc(.vm)))
        case 1:
            out.append(vm(vmID, nil, ip, name: name, tracking: "IP", loc(.vm)))
            if m % 5 < 2 {
                out.append(SourceRecord(api: .qps, recordID: qpsID, locator: loc(.qps), fields: [
                    SourceField(path: "id", value: qpsID, group: 1),
                    SourceField(path: "name", value: name.uppercased(), group: 1),
                    SourceField(path: "dnsHostName", value: name + ".corp.example.", group: 1),
                    SourceField(path: "address", value: ip, group: 1),
                    SourceField(path: "trackingMethod", value: "IP", group: 1),
                    SourceField(path: "modified", value: "2024-07-30T23:55:00Z", group: 1),
                    SourceField(path: "networkInterface/list/HostAssetInterface/macAddress",
                                value: mac.replacingOccurrences(of: ":", with: "-"), group: 2),
                    SourceField(path: "networkInterface/list/HostAssetInterface/address", value: ip, group: 2),
                ]))
            }
        case 2:
            out.append(SourceRecord(api: .gav, recordID: gavID, locator: loc(.gav), fields: [
                SourceField(path: "assetId", value: gavID, group: 1),
                SourceField(path: "assetName", value: "ip-\(ip.replacingOccurrences(of: ".", with: "-"))", group: 1),
                SourceField(path: "address", value: ip, group: 1),
                SourceField(path: "provider", value: "AWS", group: 1),
                SourceField(path: "cloudProvider.aws.ec2.instanceId", value: "i-\(hex(m, 17))", group: 3),
                SourceField(path: "cloudProvider.aws.ec2.accountId", value: "012345678901", group: 3),
                SourceField(path: "sensorLastUpdatedDate", value: "2024-08-01T00:00:00.000Z", group: 1),
            ]))
        default:
            out.append(SourceRecord(api: .gav, recordID: gavID, locator: loc(.gav), fields: [
                SourceField(path: "assetId", value: gavID, group: 1),
                SourceField(path: "address", value: ip, group: 1),
                SourceField(path: nic + "addressIpV4", value: ip, group: 2),
                SourceField(path: nic + "macAddress", value: mac, group: 2),
                SourceField(path: "inventory.source", value: "PASSIVE_SENSOR", group: 3),
                SourceField(path: "sensorLastUpdatedDate", value: "1722485340000", group: 1),
            ]))
        }
        return out
    }

    private func vm(_ id: String, _ assetID: String?, _ ip: String, name: String, tracking: String,
                    _ loc: Locator) -> SourceRecord {
        var f = [
            SourceField(path: "ID", value: id, group: 1),
            SourceField(path: "IP", value: ip, group: 1),
            SourceField(path: "TRACKING_METHOD", value: tracking, group: 1),
            SourceField(path: "DNS", value: name + ".corp.example", group: 1),
            SourceField(path: "DNS_DATA/HOSTNAME", value: name, group: 2),
            SourceField(path: "DNS_DATA/FQDN", value: name + ".corp.example", group: 2),
            SourceField(path: "NETBIOS", value: name.uppercased(), group: 1),
            SourceField(path: "OS", value: "Linux 5.x", group: 1),
            SourceField(path: "LAST_VULN_SCAN_DATETIME", value: "2024-07-30T23:50:00Z", group: 1),
            SourceField(path: "TAGS/TAG/NAME", value: "Scanned", group: 3),
        ]
        if let assetID { f.append(SourceField(path: "ASSET_ID", value: assetID, group: 1)) }
        return SourceRecord(api: .vm, recordID: id, locator: loc, fields: f)
    }
}
