// Quarry — survivorship: one `assets` row, its `coverage` row and lineage per cluster.

import QuarryCore

/// Builds the output rows of one cluster from the evidence spilled for its records.
struct AssetRowBuilder {
    let store: ResolverStore
    let clustering: Clustering
    /// End of the snapshot day (UTC seconds): ages in `coverage` are counted from here.
    let snapshotSeconds: Int64
    let notSeenDays: Int

    struct Output {
        var asset: Row
        var coverage: Row
        var lineage: [Row]
    }

    func build(cluster ci: Int, uid: String) throws -> Output {
        let c = clustering
        let ids = c.members[Int(c.clusterStart[ci])..<Int(c.clusterStart[ci + 1])].map { Int($0) }
        var evidence: [Int: [Evidence]] = [:]
        for i in ids { evidence[i] = try store.spill.read(i) }

        // Survivorship order: sensor priority (agent > cloud > scanner > passive), then the
        // most recently seen, then canonical record order.
        let ranked = ids.sorted { a, b in
            if store.sensor[a] != store.sensor[b] { return store.sensor[a] < store.sensor[b] }
            if store.lastSeen[a] != store.lastSeen[b] { return store.lastSeen[a] > store.lastSeen[b] }
            return c.rank[a] < c.rank[b]
        }
        func first(_ role: Role) -> String? {
            for i in ranked { if let v = evidence[i]!.first(where: { $0.role == role }) { return v.value } }
            return nil
        }
        func all(_ role: Role) -> [String] {
            var out: [String] = [], seen = Set<String>()
            for i in ranked {
                for e in evidence[i]! where e.role == role && seen.insert(e.value).inserted { out.append(e.value) }
            }
            return out
        }
        func times(_ role: Role, _ pick: (Int64, Int64) -> Int64, _ filter: (Int) -> Bool = { _ in true }) -> Int64? {
            var best: Int64?
            for i in ids where filter(i) {
                for e in evidence[i]! where e.role == role {
                    if let t = Int64(e.value) { best = best.map { pick($0, t) } ?? t }
                }
            }
            return best
        }
        func list(_ a: [String]) -> Value { a.isEmpty ? .null : .list(a) }
        func str(_ s: String?) -> Value { s.map(Value.string) ?? .null }
        func ts(_ t: Int64?) -> Value { t.map(Value.timestamp) ?? .null }

        var lastByKind: [SensorKind: Int64] = [:]
        var kinds = Set<SensorKind>()
        for i in ids {
            let k = SensorKind(rawValue: store.sensor[i])!
            kinds.insert(k)
            if store.lastSeen[i] != Int64.min { lastByKind[k] = max(lastByKind[k] ?? Int64.min, store.lastSeen[i]) }
        }
        let sensors = SensorKind.allCases.filter(kinds.contains).map(\.name)
        let lastSeen = ids.map { store.lastSeen[$0] }.filter { $0 != Int64.min }.max()
        let lastScan = times(.lastScan, max)
        let hostname = first(.hostname), fqdn = first(.fqdn), netbios = first(.netbios)
        let ipv4 = all(.ipv4), ipv6 = all(.ipv6)

        let asset: Row = [
            .string(uid),
            str(fqdn ?? hostname ?? netbios?.lowercased() ?? ipv4.first ?? ipv6.first),
            str(hostname), str(fqdn), str(netbios), str(first(.os)),
            list(ipv4), list(ipv6), list(all(.mac)),
            list(all(.assetID)), list(all(.hostID)), str(first(.agentID)), list(all(.agentID)),
            str(first(.cloudProvider)), str(first(.cloudAccount)), str(first(.instanceID)),
            str(first(.hwUUID)), str(first(.serial)),
            list(sensors),
            ts(times(.firstSeen, min)), ts(lastSeen),
            ts(lastByKind[.agent]), ts(lastByKind[.cloud]), ts(lastByKind[.scanner]), ts(lastByKind[.passive]),
            ts(lastScan), list(all(.tags)), .integer(Int64(ids.count)),
        ]

        let notSeen = lastSeen.map { Int64(max(0, (snapshotSeconds - $0) / 86_400)) }
        let hasAgent = kinds.contains(.agent)
        let coverage: Row = [
            .string(uid), list(sensors),
            .boolean(hasAgent), .boolean(kinds.contains(.scanner)), .boolean(kinds.contains(.passive)),
            .boolean(kinds.contains(.cloud)),
            ts(lastByKind[.agent]), ts(lastByKind[.cloud]), ts(lastByKind[.scanner]), ts(lastByKind[.passive]),
            ts(lastSeen), notSeen.map(Value.integer) ?? .null,
            .boolean(!hasAgent),
            .boolean(hasAgent && !kinds.contains(.scanner) && times(.lastScan, max, { store.sensor[$0] != 0 }) == nil),
            notSeen.map { .boolean($0 > Int64(notSeenDays)) } ?? .null,
        ]

        var lineage: [Row] = []
        for i in ids {
            let api = ResolverStore.apiNames[Int(store.api[i])]
            let sensor = SensorKind(rawValue: store.sensor[i])!.name
            let e = c.attach[i]
            if e < 0 {
                lineage.append([.string(uid), .string(api), .string(store.recordID[i]), .string(sensor),
                                .string(MatchRule.seed.name), .null])
                continue
            }
            let edge = c.edges[Int(e)]
            let partner = Int(edge.a) == i ? Int(edge.b) : Int(edge.a)
            var parts: [String] = []
            if let v = value(of: edge.k1, in: evidence[i]!, partner: evidence[partner]!) {
                parts.append("\(edge.k1.name)=\(v)")
            }
            if let k2 = edge.k2, let v = value(of: k2, in: evidence[i]!, partner: evidence[partner]!) {
                parts.append("\(k2.name)=\(v)")
            }
            parts.append("via=\(ResolverStore.apiNames[Int(store.api[partner])]):\(store.recordID[partner])")
            lineage.append([.string(uid), .string(api), .string(store.recordID[i]), .string(sensor),
                            .string(edge.rule.name), .string(parts.joined(separator: " "))])
        }
        return Output(asset: asset, coverage: coverage, lineage: lineage)
    }

    /// The record's value of `role` that its partner also carries (the matched key), else its
    /// first value of `role` (the passive MAC of `ip+passive`, which the partner lacks).
    private func value(of role: Role, in ev: [Evidence], partner: [Evidence]) -> String? {
        let mine = ev.filter { $0.role == role }
        return mine.first { e in partner.contains { $0.role == role && $0.value == e.value } }?.value
            ?? mine.first?.value
    }
}
