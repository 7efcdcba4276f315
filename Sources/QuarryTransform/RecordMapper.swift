// Quarry — maps one SourceRecord to a row of its API's table plus identity evidence.

import QuarryCore

/// One identity or survivorship value taken from a record.
struct Evidence: Equatable {
    var role: Role
    var value: String
    /// Read from a path the parser had to repair: never used as a key.
    var repaired: Bool
}

/// What the mapper makes of one record.
struct MappedRecord {
    var row: Row
    var evidence: [Evidence]
    var sensor: SensorKind
    /// Latest time any sensor saw the record (UTC seconds), if known.
    var lastSeen: Int64?
}

/// Applies one `SourceSchema` to records of its API.
struct RecordMapper {
    let schema: SourceSchema
    /// Path → (column index, position of the path in the column's list).
    private let pathIndex: [String: [(column: Int, priority: Int)]]

    /// MAC prefixes of virtual, VPN and container adapters shared by many machines.
    static let sharedMACPrefixes = [
        "02:42:",  // docker bridge
        "00:15:5d:",  // Hyper-V default
        "00:05:9a:3c:7a:",  // Cisco AnyConnect virtual adapter
        "02:50:41:00:00:",  // Palo Alto GlobalProtect
        "00:09:0f:fe:",  // FortiClient
        "02:00:4c:4f:4f:",  // Microsoft loopback adapter
        "00:ff:",  // TAP-Windows / OpenVPN
        "0a:00:27:00:00:",  // VirtualBox host-only
        "00:50:56:c0:00:",  // VMware host-only / NAT host adapters
        "52:54:00:12:34:",  // QEMU default
    ]

    static func isSharedMAC(_ mac: String) -> Bool { sharedMACPrefixes.contains { mac.hasPrefix($0) } }

    init(schema: SourceSchema) {
        self.schema = schema
        var index: [String: [(Int, Int)]] = [:]
        for (ci, c) in schema.columns.enumerated() {
            for (pi, p) in c.paths.enumerated() { index[p, default: []].append((ci, pi)) }
        }
        pathIndex = index
    }

    /// Maps `record`; nil when it must be quarantined (reported through `counters`).
    // TODO(perf): about 7x slower than merely hashing the fields (String allocations per value);
    // normalising on UTF-8 bytes would matter once the APIs deliver faster than ~10k records/s.
    func map(_ record: SourceRecord, counters: RunCounters, warn: (Reject) -> Void) -> MappedRecord? {
        let columns = schema.columns
        // (column, path priority, field index) sorted: each column's values in the order to use.
        var hits: [(column: Int32, priority: Int32, field: Int32)] = []
        hits.reserveCapacity(record.fields.count + 8)
        for (fi, f) in record.fields.enumerated() {
            guard let targets = pathIndex[f.path] else { continue }
            for t in targets { hits.append((Int32(t.column), Int32(t.priority), Int32(fi))) }
        }
        hits.sort { ($0.column, $0.priority, $0.field) < ($1.column, $1.priority, $1.field) }
        var cursor = 0
        let repairedPaths = Set(record.repairs.map(\.path))
        var row: Row = []
        row.reserveCapacity(columns.count)
        var evidence: [Evidence] = []
        for (ci, c) in columns.enumerated() {
            let begin = cursor
            while cursor < hits.count && hits[cursor].column == Int32(ci) { cursor += 1 }
            var values: [String] = []
            var repairedFlags: [Bool] = []
            for h in hits[begin..<cursor] {
                let f = record.fields[Int(h.field)]
                let n = c.normaliser.apply(f.value)
                if n.controlsReplaced > 0 {
                    counters.add("transform.controls_replaced.\(schema.table).\(c.name)", n.controlsReplaced)
                }
                for bad in n.invalid {
                    report(invalid: bad, column: c, field: f, record: record, counters: counters, warn: warn)
                }
                for v in n.values where !values.contains(v) {
                    values.append(v)
                    repairedFlags.append(repairedPaths.contains(f.path))
                }
                if c.type != .stringList && !values.isEmpty { break }
            }
            if c.required && values.isEmpty {
                counters.reject(Reject(
                    source: record.api.rawValue, locator: record.locator.description,
                    recordID: record.recordID.isEmpty ? nil : record.recordID,
                    reason: "missing required field \(c.paths[0])", excerpt: Self.excerpt(record)
                ))
                return nil
            }
            row.append(cell(values, column: c, counters: counters))
            if let role = c.role {
                for (v, r) in zip(values, repairedFlags) {
                    if role == .mac && Self.isSharedMAC(v) { continue }
                    evidence.append(Evidence(role: role, value: v, repaired: r))
                }
            }
        }
        return MappedRecord(row: row, evidence: evidence, sensor: Self.sensor(evidence),
                            lastSeen: Self.lastSeen(evidence))
    }

    private func cell(_ values: [String], column c: ColumnSpec, counters: RunCounters) -> Value {
        guard let first = values.first else { return .null }
        switch c.type {
        case .string: return .string(first)
        case .stringList: return .list(values)
        case .timestamp: return Int64(first).map(Value.timestamp) ?? .null
        case .integer:
            if let i = Int64(first) { return .integer(i) }
            counters.add("transform.invalid_values.\(schema.table).\(c.name)")
            return .null
        case .boolean:
            switch first.lowercased() {
            case "true", "1", "yes", "y": return .boolean(true)
            case "false", "0", "no", "n": return .boolean(false)
            default:
                counters.add("transform.invalid_values.\(schema.table).\(c.name)")
                return .null
            }
        }
    }

    /// Counts an invalid piece and reports it as a warning naming the record and interface.
    private func report(
        invalid: String, column c: ColumnSpec, field: SourceField, record: SourceRecord,
        counters: RunCounters, warn: (Reject) -> Void
    ) {
        counters.add("transform.invalid_values.\(schema.table).\(c.name)")
        let iface = record.fields.first {
            $0.group == field.group && $0.path != field.path
                && ($0.path.lowercased().hasSuffix("interfacename") || $0.path.hasSuffix("INTERFACE_NAME"))
        }?.value
        let where_ = iface.map { " on interface \($0)" } ?? ""
        warn(Reject(
            source: record.api.rawValue, locator: record.locator.description, recordID: record.recordID,
            reason: "warning: invalid \(c.normaliser.rawValue) value in \(c.name)\(where_) dropped; record kept",
            excerpt: "\(field.path)=\(field.value)"
        ))
    }

    static func excerpt(_ r: SourceRecord) -> String {
        r.fields.prefix(6).map { "\($0.path)=\($0.value)" }.joined(separator: " ")
    }

    static let agentTracking: Set<String> = ["QAGENT", "AGENT"]
    static let cloudTracking: Set<String> = [
        "INSTANCE_ID", "EC2_INSTANCE_ID", "EC2", "AZURE", "GCP", "VIRTUAL_MACHINE_ID", "AZURE_VM_ID",
        "GCP_INSTANCE_ID", "CLOUD_INSTANCE_ID",
    ]

    /// agent > cloud connector > passive > scanner, as described in docs/entity-resolution.md.
    static func sensor(_ ev: [Evidence]) -> SensorKind {
        let tracking = ev.first { $0.role == .trackingMethod }?.value.uppercased()
        if ev.contains(where: { $0.role == .agentID }) || tracking.map(agentTracking.contains) == true { return .agent }
        if ev.contains(where: { $0.role == .instanceID }) && (tracking == nil || cloudTracking.contains(tracking!)) {
            return .cloud
        }
        if ev.contains(where: { $0.role == .sensorSource && isPassive($0.value) }) {
            return .passive
        }
        return .scanner
    }

    /// `PASSIVE_SENSOR`, `PASSIVE`, `Network Passive Sensor`, …: any source naming "passive".
    static func isPassive(_ source: String) -> Bool {
        let hay = Array(source.uppercased().utf8), needle = Array("PASSIVE".utf8)
        guard hay.count >= needle.count else { return false }
        return (0...(hay.count - needle.count)).contains { i in hay[i..<(i + needle.count)].elementsEqual(needle) }
    }

    static func lastSeen(_ ev: [Evidence]) -> Int64? {
        var best: Int64?
        for e in ev where e.role == .lastSeen || e.role == .lastScan {
            if let t = Int64(e.value) { best = max(best ?? t, t) }
        }
        if best != nil { return best }
        for e in ev where e.role == .lastModified {
            if let t = Int64(e.value) { best = max(best ?? t, t) }
        }
        return best
    }
}
