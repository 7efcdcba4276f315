// Quarry — entity resolution: union-find over hashed identity keys with conflict checks.

import Foundation
import QuarryCore

/// Figures of one resolution, for the run report.
public struct ResolveStats: Sendable, Equatable {
    public var records = 0
    public var assets = 0
    /// Records attached to another record's machine (`records - assets`).
    public var merges = 0
    /// Merges refused because two different agent IDs or instance IDs would meet.
    public var refusedConflicts = 0
    /// Key values treated as shared (clone hardware UUIDs, VPN MACs, crowded MACs).
    public var sharedKeys = 0
    public var uidsReused = 0
    public var uidsNew = 0
    /// Previously known uids folded into another one tonight.
    public var uidsMerged = 0
    /// Records attached per rule (`seed`, `agent_id`, `mac+hostname`, …).
    public var rules: [String: Int] = [:]
}

/// The rules, strongest first; `rawValue` indexes `names`.
enum MatchRule: UInt8, CaseIterable {
    case seed, assetID, hostID, agentID, instanceID, hwUUID, serial, macHostname, macFQDN, macIP, fqdnIP, ipHostname
    case ipPassive, fqdnWindow

    var name: String {
        switch self {
        case .seed: "seed"
        case .assetID: "qualys_link:asset_id"
        case .hostID: "qualys_link:host_id"
        case .agentID: "agent_id"
        case .instanceID: "instance_id"
        case .hwUUID: "hw_uuid"
        case .serial: "serial"
        case .macHostname: "mac+hostname"
        case .macFQDN: "mac+fqdn"
        case .macIP: "mac+ip"
        case .fqdnIP: "fqdn+ip"
        case .ipHostname: "ip+hostname"
        case .ipPassive: "ip+passive"
        case .fqdnWindow: "fqdn+recent"
        }
    }
}

/// A successful merge: `b`'s cluster joined `a`'s on values of roles `k1` (and `k2`).
///
/// 12 bytes: the matched values are found again in the two records' spilled evidence when the
/// lineage is written, so no key hash is kept per edge.
struct Edge {
    var a: Int32
    var b: Int32
    var rule: MatchRule
    var k1: Role
    var k2: Role?
}

/// Records kept column-wise with hashed keys; text evidence waits in a spill file.
final class ResolverStore {
    var api: [UInt8] = []
    var sensor: [UInt8] = []
    var recordID: [String] = []
    var lastSeen: [Int64] = []
    /// The record lists some MAC, even one that is not a key (a virtual adapter's, a repaired one).
    var anyMAC: [Bool] = []
    var keyStart: [UInt32] = [0]
    var keyHash: [UInt64] = []
    var keyRole: [UInt8] = []
    let spill: SpillFile

    /// Settings of the rules (documented in docs/entity-resolution.md).
    var macCrowdLimit = 20
    var ipGroupLimit = 64
    var strongGroupLimit = 1000
    var ipWindowSeconds: Int64 = 7 * 86_400
    /// A passive record and a scanner/agent record of one IP must be seen this close together.
    var passiveWindowSeconds: Int64 = 86_400
    /// `fqdn+recent` considers FQDN groups up to this size.
    var fqdnGroupLimit = 16

    init(spillDirectory: String) throws { spill = try SpillFile(directory: spillDirectory) }

    var count: Int { recordID.count }

    func add(api a: SourceAPI, recordID id: String, mapped: MappedRecord) throws {
        api.append(a == .gav ? 0 : a == .qps ? 1 : 2)
        sensor.append(mapped.sensor.rawValue)
        recordID.append(id)
        lastSeen.append(mapped.lastSeen ?? Int64.min)
        anyMAC.append(mapped.evidence.contains { $0.role == .mac } || Self.rowListsMAC(mapped.row))
        var seen: [UInt64] = []
        for e in mapped.evidence where e.role.isKey && !e.repaired {
            let h = StableHash.key(e.role, e.value)
            if seen.contains(h) { continue }
            seen.append(h)
            keyHash.append(h)
            keyRole.append(e.role.rawValue)
        }
        keyStart.append(UInt32(keyHash.count))
        try spill.append(mapped.evidence.filter { $0.role != .trackingMethod && $0.role != .sensorSource })
    }

    static let apiNames = ["gav", "qps", "vm"]

    /// Whether a mapped row lists a MAC (normalised `xx:xx:xx:xx:xx:xx`): virtual-adapter MACs are
    /// left out of the evidence, yet they still tell that the record saw a NIC on that address.
    static func rowListsMAC(_ row: Row) -> Bool {
        func isMAC(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard u.count == 17 else { return false }
            for (i, c) in u.enumerated() {
                if i % 3 == 2 { if c != 58 { return false } } else if !((48...57).contains(c) || (97...102).contains(c)) {
                    return false
                }
            }
            return true
        }
        for v in row { if case .list(let l) = v, l.contains(where: isMAC) { return true } }
        return false
    }

    func keys(_ i: Int, _ role: Role) -> [UInt64] {
        var out: [UInt64] = []
        for k in Int(keyStart[i])..<Int(keyStart[i + 1]) where keyRole[k] == role.rawValue { out.append(keyHash[k]) }
        return out
    }

    func firstKey(_ i: Int, _ role: Role) -> UInt64 {
        for k in Int(keyStart[i])..<Int(keyStart[i + 1]) where keyRole[k] == role.rawValue { return keyHash[k] }
        return 0
    }

    /// A key of `role` both records carry, or 0.
    func shared(_ a: Int, _ b: Int, _ role: Role) -> UInt64 {
        for ka in Int(keyStart[a])..<Int(keyStart[a + 1]) where keyRole[ka] == role.rawValue {
            for kb in Int(keyStart[b])..<Int(keyStart[b + 1]) where keyRole[kb] == role.rawValue {
                if keyHash[ka] == keyHash[kb] { return keyHash[ka] }
            }
        }
        return 0
    }

    func has(_ i: Int, _ role: Role) -> Bool { firstKey(i, role) != 0 }

    /// Frees the key arrays once clusters and uids are known.
    func releaseKeys() {
        keyHash = []
        keyRole = []
        keyStart = [0]
        anyMAC = []
    }
}

/// The outcome of clustering: cluster membership in canonical order plus merge edges.
struct Clustering {
    /// Record indices, grouped by cluster, clusters ordered by their seed.
    var members: [Int32]
    /// Start of each cluster in `members` (count = clusters + 1).
    var clusterStart: [Int32]
    /// Edge that attached each record (-1 for a seed).
    var attach: [Int32]
    var edges: [Edge]
    var sharedKeys: Set<UInt64>
    var rank: [Int32]
    var refused: Int
}

extension ResolverStore {
    /// Runs the rules in order (qualys links, strong keys, corroborated medium keys, weak keys).
    func cluster() -> Clustering {
        let n = count
        var order = (0..<n).map { Int32($0) }
        order.sort { a, b in
            let a = Int(a), b = Int(b)
            return api[a] != api[b] ? api[a] < api[b] : recordID[a] < recordID[b]
        }
        var rank = [Int32](repeating: 0, count: n)
        for (r, i) in order.enumerated() { rank[Int(i)] = Int32(r) }

        var parent = (0..<n).map { Int32($0) }
        var cAgent = (0..<n).map { firstKey($0, .agentID) }
        var cInst = (0..<n).map { firstKey($0, .instanceID) }
        var size = [Int32](repeating: 1, count: n)
        var edges: [Edge] = []
        var refused = 0
        var sharedSet = Set<UInt64>()

        func find(_ x0: Int32) -> Int32 {
            var x = x0
            while parent[Int(x)] != x {
                parent[Int(x)] = parent[Int(parent[Int(x)])]
                x = parent[Int(x)]
            }
            return x
        }
        func union(_ a: Int, _ b: Int, _ rule: MatchRule, _ k1: Role, _ k2: Role? = nil) -> Bool {
            var ra = find(Int32(a)), rb = find(Int32(b))
            if ra == rb { return false }
            let aa = cAgent[Int(ra)], ab = cAgent[Int(rb)], ia = cInst[Int(ra)], ib = cInst[Int(rb)]
            if (aa != 0 && ab != 0 && aa != ab) || (ia != 0 && ib != 0 && ia != ib) {
                refused += 1
                return false
            }
            if rank[Int(rb)] < rank[Int(ra)] { swap(&ra, &rb) }
            parent[Int(rb)] = ra
            size[Int(ra)] += size[Int(rb)]
            if cAgent[Int(ra)] == 0 { cAgent[Int(ra)] = cAgent[Int(rb)] }
            if cInst[Int(ra)] == 0 { cInst[Int(ra)] = cInst[Int(rb)] }
            edges.append(Edge(a: Int32(a), b: Int32(b), rule: rule, k1: k1, k2: k2))
            return true
        }

        /// Groups of records sharing a key of `role`, each in canonical order.
        func groups(_ role: Role, _ body: (UInt64, [Int]) -> Void) {
            var pairs: [(UInt64, Int32)] = []
            pairs.reserveCapacity(keyRole.reduce(0) { $0 + ($1 == role.rawValue ? 1 : 0) })
            for k in keyHash.indices where keyRole[k] == role.rawValue { pairs.append((keyHash[k], 0)) }
            // Fill record numbers with a second scan (keyStart is monotone).
            var p = 0
            for i in 0..<n {
                for k in Int(keyStart[i])..<Int(keyStart[i + 1]) where keyRole[k] == role.rawValue {
                    pairs[p].1 = rank[i]
                    p += 1
                }
            }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var s = 0
            while s < pairs.count {
                var e = s + 1
                while e < pairs.count && pairs[e].0 == pairs[s].0 { e += 1 }
                if e - s > 1 { body(pairs[s].0, pairs[s..<e].map { Int(order[Int($0.1)]) }) }
                s = e
            }
        }

        /// Distinct values of `role` (a record's first) among the records of `g`.
        func distinct(_ g: [Int], _ role: Role) -> Int {
            var seen: [UInt64] = []
            for i in g {
                let k = firstKey(i, role)
                if k != 0 && !seen.contains(k) { seen.append(k); if seen.count > 1 { return 2 } }
            }
            return seen.count
        }

        // (a) Qualys links, (b) strong keys: every member joins the group's first it can.
        let strong: [(Role, MatchRule)] = [
            (.assetID, .assetID), (.hostID, .hostID), (.agentID, .agentID), (.instanceID, .instanceID),
            (.hwUUID, .hwUUID), (.serial, .serial),
        ]
        for (role, rule) in strong {
            groups(role) { h, g in
                if role == .hwUUID || role == .serial {
                    // Clones: one hardware value under two agents (or instances) identifies nothing.
                    if distinct(g, .agentID) >= 2 || distinct(g, .instanceID) >= 2 { sharedSet.insert(h); return }
                }
                if g.count > strongGroupLimit { sharedSet.insert(h); return }
                for j in 1..<g.count {
                    for i in 0..<j where union(g[i], g[j], rule, role) { break }
                }
            }
        }

        func namesConflict(_ a: Int, _ b: Int) -> Bool {
            has(a, .hostname) && has(b, .hostname) && shared(a, b, .hostname) == 0
        }

        // (c) MAC, corroborated by a host name, an FQDN or an address.
        groups(.mac) { h, g in
            if g.count > macCrowdLimit || distinct(g, .agentID) >= 2 || distinct(g, .instanceID) >= 2 {
                sharedSet.insert(h)
                return
            }
            for j in 1..<g.count {
                for i in 0..<j {
                    let a = g[i], b = g[j]
                    if find(Int32(a)) == find(Int32(b)) { break }
                    if case let hn = shared(a, b, .hostname), hn != 0 {
                        if union(a, b, .macHostname, .mac, .hostname) { break }
                    } else if case let fq = shared(a, b, .fqdn), fq != 0 {
                        if union(a, b, .macFQDN, .mac, .fqdn) { break }
                    } else if !namesConflict(a, b) {
                        let ip = shared(a, b, .ipv4) != 0 ? shared(a, b, .ipv4) : shared(a, b, .ipv6)
                        if ip != 0, union(a, b, .macIP, .mac, shared(a, b, .ipv4) != 0 ? .ipv4 : .ipv6) { break }
                    }
                }
            }
        }

        // (c) FQDN, corroborated by an address.
        groups(.fqdn) { h, g in
            if distinct(g, .agentID) >= 2 && g.count > macCrowdLimit { sharedSet.insert(h); return }
            for j in 1..<g.count {
                for i in 0..<j {
                    let a = g[i], b = g[j]
                    if find(Int32(a)) == find(Int32(b)) { break }
                    let v4 = shared(a, b, .ipv4)
                    let ip = v4 != 0 ? v4 : shared(a, b, .ipv6)
                    if ip != 0, union(a, b, .fqdnIP, .fqdn, v4 != 0 ? .ipv4 : .ipv6) { break }
                }
            }
        }

        // (d) IP + the same short name (or NetBIOS name) seen within the time window.
        for role in [Role.ipv4, .ipv6] {
            groups(role) { h, g in
                if g.count > ipGroupLimit { return }
                for j in 1..<g.count {
                    for i in 0..<j {
                        let a = g[i], b = g[j]
                        if find(Int32(a)) == find(Int32(b)) { break }
                        let ta = lastSeen[a], tb = lastSeen[b]
                        if ta != Int64.min && tb != Int64.min && abs(ta - tb) > ipWindowSeconds { continue }
                        var name = shared(a, b, .hostname), nameRole = Role.hostname
                        if name == 0 && !namesConflict(a, b) { name = shared(a, b, .netbios); nameRole = .netbios }
                        if name != 0, union(a, b, .ipHostname, role, nameRole) { break }
                    }
                }
            }
        }

        /// Both records carry `role` values and none of them is shared.
        func disagree(_ a: Int, _ b: Int, _ role: Role) -> Bool {
            has(a, role) && has(b, role) && shared(a, b, role) == 0
        }
        func within(_ a: Int, _ b: Int, _ window: Int64) -> Bool {
            let ta = lastSeen[a], tb = lastSeen[b]
            return ta != Int64.min && tb != Int64.min && abs(ta - tb) <= window
        }

        /// The passive record `p`'s MAC is not among `c`'s MACs (keys or not).
        func macDiffers(_ p: Int, _ c: Int) -> Bool { anyMAC[c] && (!has(p, .mac) || shared(p, c, .mac) == 0) }

        // (e) A passive record (an IP–MAC binding the sensor saw on the wire) joins the one
        // machine that had its IP at the same time, when no other machine or MAC had that IP then.
        let passive = SensorKind.passive.rawValue
        for role in [Role.ipv4, .ipv6] {
            groups(role) { h, g in
                if g.count > ipGroupLimit { return }
                // Only a passive record still on its own: one already joined has better evidence.
                for p in g where sensor[p] == passive && lastSeen[p] != Int64.min
                    && size[Int(find(Int32(p)))] == 1 {
                    var target: Int32 = -1, partner = -1, ambiguous = false
                    for c in g where c != p && within(p, c, passiveWindowSeconds) {
                        if sensor[c] == passive {
                            // Another passive sighting of this IP with another MAC: the IP moved.
                            if disagree(p, c, .mac) || namesConflict(p, c) { ambiguous = true }
                            continue
                        }
                        let r = find(Int32(c))
                        if macDiffers(p, c) || namesConflict(p, c) || (target != -1 && target != r) {
                            ambiguous = true
                        } else if target == -1 {
                            target = r
                            partner = c
                        }
                    }
                    // Any record of that machine with this IP (seen then or not) must not disagree.
                    for c in g where !ambiguous && partner >= 0 && find(Int32(c)) == target {
                        if macDiffers(p, c) || namesConflict(p, c) { ambiguous = true }
                    }
                    if !ambiguous, partner >= 0, find(Int32(p)) != target {
                        _ = union(partner, p, .ipPassive, role, has(p, .mac) ? .mac : nil)
                    }
                }
            }
        }

        // (f) Same FQDN, seen within the window, no hardware or MAC disagreement, and the name
        // belongs to at most one agent and one cloud instance (DHCP moved the machine's IP).
        groups(.fqdn) { h, g in
            if g.count > fqdnGroupLimit || distinct(g, .agentID) >= 2 || distinct(g, .instanceID) >= 2 { return }
            for j in 1..<g.count {
                for i in 0..<j {
                    let a = g[i], b = g[j]
                    if find(Int32(a)) == find(Int32(b)) { break }
                    if !within(a, b, ipWindowSeconds) || namesConflict(a, b) || disagree(a, b, .mac)
                        || disagree(a, b, .hwUUID) || disagree(a, b, .serial) { continue }
                    if union(a, b, .fqdnWindow, .fqdn) { break }
                }
            }
        }

        // Free what the layout does not need before it allocates its own arrays.
        cAgent = []
        cInst = []
        size = []
        order = []
        return Self.layout(n: n, rank: rank, find: find, edges: edges, shared: sharedSet, refused: refused)
    }

    /// Orders clusters by seed and records within them, and finds each record's attaching edge.
    private static func layout(n: Int, rank: [Int32], find: (Int32) -> Int32, edges: [Edge],
                               shared: Set<UInt64>, refused: Int) -> Clustering {
        var root = [Int32](repeating: 0, count: n)
        for i in 0..<n { root[i] = find(Int32(i)) }
        var members = (0..<n).map { Int32($0) }
        members.sort { a, b in
            let ra = rank[Int(root[Int(a)])], rb = rank[Int(root[Int(b)])]
            return ra != rb ? ra < rb : rank[Int(a)] < rank[Int(b)]
        }
        var clusterStart: [Int32] = []
        for (p, m) in members.enumerated() where p == 0 || root[Int(m)] != root[Int(members[p - 1])] {
            clusterStart.append(Int32(p))
        }
        clusterStart.append(Int32(n))

        // Spanning tree of each cluster from its seed (the root): breadth first over edges.
        var adjStart = [Int32](repeating: 0, count: n + 1)
        for e in edges { adjStart[Int(e.a) + 1] += 1; adjStart[Int(e.b) + 1] += 1 }
        for i in 0..<n { adjStart[i + 1] += adjStart[i] }
        var fill = adjStart
        var adj = [Int32](repeating: 0, count: edges.count * 2)
        for (ei, e) in edges.enumerated() {
            adj[Int(fill[Int(e.a)])] = Int32(ei); fill[Int(e.a)] += 1
            adj[Int(fill[Int(e.b)])] = Int32(ei); fill[Int(e.b)] += 1
        }
        var attach = [Int32](repeating: -2, count: n)
        var queue: [Int32] = []
        for c in 0..<(clusterStart.count - 1) {
            let seed = root[Int(members[Int(clusterStart[c])])]
            attach[Int(seed)] = -1
            queue.removeAll(keepingCapacity: true)
            queue.append(seed)
            var q = 0
            while q < queue.count {
                let x = queue[q]; q += 1
                for k in Int(adjStart[Int(x)])..<Int(adjStart[Int(x) + 1]) {
                    let e = edges[Int(adj[k])]
                    let y = e.a == x ? e.b : e.a
                    if attach[Int(y)] == -2 { attach[Int(y)] = adj[k]; queue.append(y) }
                }
            }
        }
        return Clustering(members: members, clusterStart: clusterStart, attach: attach, edges: edges,
                          sharedKeys: shared, rank: rank, refused: refused)
    }
}
