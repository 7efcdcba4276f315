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
///
/// Not safe for concurrent use: it remembers the last record's paths (the `Transformer` lock
/// serialises calls).
struct RecordMapper {
    let schema: SourceSchema
    /// Path → slot in `targets`: the (column, path priority) pairs the path feeds.
    private let pathSlot: [String: Int32]
    /// Per slot: `column << 21 | priority`, packed for sorting; several per slot in `slotTargets`.
    private let slotTargets: [[UInt64]]
    private let cache = PathCache()
    /// Per column, what `map` reads for every record (copying a `ColumnSpec` retains its strings).
    private let columnPlans: [ColumnPlan]

    private struct ColumnPlan {
        var normaliser: Normaliser
        var type: ColumnType
        var required: Bool
        var role: Role?
    }

    /// The paths of the last record and their slots: records of one API repeat their paths in
    /// the same order, so comparing two strings replaces hashing one.
    private final class PathCache {
        var paths: [String] = []
        var slots: [Int32] = []
    }

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
        var slot: [String: Int32] = [:]
        var targets: [[UInt64]] = []
        for (ci, c) in schema.columns.enumerated() {
            for (pi, p) in c.paths.enumerated() {
                let key = UInt64(ci) << 21 | UInt64(pi)
                if let s = slot[p] {
                    targets[Int(s)].append(key)
                } else {
                    slot[p] = Int32(targets.count)
                    targets.append([key])
                }
            }
        }
        pathSlot = slot
        slotTargets = targets
        columnPlans = schema.columns.map {
            ColumnPlan(normaliser: $0.normaliser, type: $0.type, required: $0.required, role: $0.role)
        }
    }

    /// The slot of field `i`'s path (-1: no column reads it).
    @inline(__always)
    private func slot(_ path: String, at i: Int) -> Int32 {
        if i < cache.paths.count {
            if cache.paths[i] == path { return cache.slots[i] }
            let s = pathSlot[path] ?? -1
            cache.paths[i] = path
            cache.slots[i] = s
            return s
        }
        let s = pathSlot[path] ?? -1
        cache.paths.append(path)
        cache.slots.append(s)
        return s
    }

    /// Maps `record`; nil when it must be quarantined (reported through `counters`).
    // TODO(perf): still ~10-20x slower than hashing the fields: a String and an Array per value
    // (Normalised, column values, Row cells, Evidence) and ResolverStore.add's per-record arrays cost
    // retain/release + malloc. Reaching >200k records/s needs byte-range values from the parser.
    func map(_ record: SourceRecord, counters: RunCounters, warn: (Reject) -> Void) -> MappedRecord? {
        let plans = columnPlans
        let fields = record.fields
        // column << 42 | path priority << 21 | field index, sorted: each column's values in order.
        var hits: [UInt64] = []
        hits.reserveCapacity(fields.count + 8)
        for fi in fields.indices {
            let s = slot(fields[fi].path, at: fi)
            if s < 0 { continue }
            for t in slotTargets[Int(s)] { hits.append(t << 21 | UInt64(fi)) }
        }
        hits.sort()
        var cursor = 0
        let repairedPaths: Set<String> = record.repairs.isEmpty ? [] : Set(record.repairs.map(\.path))
        var row: Row = []
        row.reserveCapacity(plans.count)
        var evidence: [Evidence] = []
        evidence.reserveCapacity(16)
        for ci in plans.indices {
            let begin = cursor
            while cursor < hits.count && Int(hits[cursor] >> 42) == ci { cursor += 1 }
            let c = plans[ci]
            if begin == cursor && !c.required {
                row.append(.null)
                continue
            }
            var values: [String] = []
            var repairedFlags: [Bool] = []
            for h in hits[begin..<cursor] {
                let f = fields[Int(h & 0x1F_FFFF)]
                let n = c.normaliser.apply(f.value)
                if n.controlsReplaced > 0 {
                    let name = schema.columns[ci].name
                    counters.add("transform.controls_replaced.\(schema.table).\(name)", n.controlsReplaced)
                }
                for bad in n.invalid {
                    report(invalid: bad, column: schema.columns[ci], field: f, record: record, counters: counters,
                           warn: warn)
                }
                if values.isEmpty {
                    // A normaliser's values are already distinct: take its array as it is.
                    values = n.values
                    if !repairedPaths.isEmpty && !values.isEmpty {
                        repairedFlags = Array(repeating: repairedPaths.contains(f.path), count: values.count)
                    }
                } else {
                    for v in n.values where !values.contains(v) {
                        values.append(v)
                        // Kept only when the record has repairs (else every flag is false).
                        if !repairedPaths.isEmpty { repairedFlags.append(repairedPaths.contains(f.path)) }
                    }
                }
                if c.type != .stringList && !values.isEmpty { break }
            }
            if c.required && values.isEmpty {
                counters.reject(Reject(
                    source: record.api.rawValue, locator: record.locator.description,
                    recordID: record.recordID.isEmpty ? nil : record.recordID,
                    reason: "missing required field \(schema.columns[ci].paths[0])", excerpt: Self.excerpt(record)
                ))
                return nil
            }
            row.append(cell(values, type: c.type, column: ci, counters: counters))
            if let role = c.role {
                for (vi, v) in values.enumerated() {
                    if role == .mac && Self.isSharedMAC(v) { continue }
                    let repaired = !repairedFlags.isEmpty && repairedFlags[vi]
                    evidence.append(Evidence(role: role, value: v, repaired: repaired))
                }
            }
        }
        return MappedRecord(row: row, evidence: evidence, sensor: Self.sensor(evidence),
                            lastSeen: Self.lastSeen(evidence))
    }

    private func cell(_ values: [String], type: ColumnType, column ci: Int, counters: RunCounters) -> Value {
        guard let first = values.first else { return .null }
        switch type {
        case .string: return .string(first)
        case .stringList: return .list(values)
        case .timestamp: return Int64(first).map(Value.timestamp) ?? .null
        case .integer:
            if let i = Int64(first) { return .integer(i) }
            counters.add("transform.invalid_values.\(schema.table).\(schema.columns[ci].name)")
            return .null
        case .boolean:
            switch first.lowercased() {
            case "true", "1", "yes", "y": return .boolean(true)
            case "false", "0", "no", "n": return .boolean(false)
            default:
                counters.add("transform.invalid_values.\(schema.table).\(schema.columns[ci].name)")
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
        let ascii: Bool? = Normaliser.withBytes(source) { b in
            let needle: [UInt8] = [80, 65, 83, 83, 73, 86, 69]  // PASSIVE
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            guard b.count >= 7 else { return false }
            for i in 0...(b.count - 7) where (0..<7).allSatisfy({ b[i + $0] & 0xDF == needle[$0] }) { return true }
            return false
        }
        if let ascii { return ascii }
        return isPassiveGeneral(source)
    }

    /// `isPassive` on upper-cased text of any script (the reference for the byte version).
    static func isPassiveGeneral(_ source: String) -> Bool {
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
