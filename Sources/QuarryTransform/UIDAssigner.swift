// Quarry — gives each cluster an asset_uid that survives from night to night.

import QuarryCore

/// Assigns uids from the previous state, mints new ones, and builds tonight's state.
struct UIDAssigner {
    /// Roles remembered in the state, strongest claim first.
    static let stateRoles: [Role] = [.agentID, .assetID, .hostID, .instanceID, .hwUUID, .serial, .mac]
    static func strength(_ r: Role) -> Int { stateRoles.firstIndex(of: r) ?? stateRoles.count }

    /// Entries not seen for this many days are dropped from the state.
    var retainDays: Int32 = 180

    struct Result {
        var uids: [UInt64]  // per cluster
        var state: IdentityState
        var reused = 0
        var minted = 0
        var merged = 0
    }

    func assign(store: ResolverStore, clustering c: Clustering, previous: IdentityState, today: Int32) -> Result {
        let clusters = c.clusterStart.count - 1
        let stateRoleSet = Set(Self.stateRoles.map(\.rawValue))

        // Claims: (cluster, uid) with the strongest role that links them and how many keys agree.
        struct Claim { var cluster: Int32; var uid: UInt64; var strength: Int; var votes: Int }
        var claims: [Claim] = []
        var perCluster: [UInt64: Int] = [:]
        for ci in 0..<clusters {
            perCluster.removeAll(keepingCapacity: true)
            var strength: [UInt64: Int] = [:]
            for m in c.members[Int(c.clusterStart[ci])..<Int(c.clusterStart[ci + 1])] {
                let i = Int(m)
                let keys = Int(store.keyStart[i])..<Int(store.keyStart[i + 1])
                for k in keys where stateRoleSet.contains(store.keyRole[k]) {
                    let h = store.keyHash[k]
                    if c.sharedKeys.contains(h) { continue }
                    guard let uid = previous.uid(forKey: h) else { continue }
                    perCluster[uid, default: 0] += 1
                    let s = Self.strength(Role(rawValue: store.keyRole[k])!)
                    strength[uid] = min(strength[uid] ?? s, s)
                }
            }
            for (uid, votes) in perCluster {
                claims.append(Claim(cluster: Int32(ci), uid: uid, strength: strength[uid]!, votes: votes))
            }
        }
        claims.sort {
            ($0.strength, -$0.votes, $0.uid, $0.cluster) < ($1.strength, -$1.votes, $1.uid, $1.cluster)
        }

        var result = Result(uids: [UInt64](repeating: 0, count: clusters), state: IdentityState())
        var taken = Set<UInt64>()
        var used = previous.allUIDs
        for cl in claims where result.uids[Int(cl.cluster)] == 0 && !taken.contains(cl.uid) {
            result.uids[Int(cl.cluster)] = cl.uid
            taken.insert(cl.uid)
            result.reused += 1
        }
        // A uid claimed only by a cluster that kept another uid was merged into that one.
        var merged = previous.merged
        for cl in claims where !taken.contains(cl.uid) && merged[cl.uid] == nil {
            merged[cl.uid] = result.uids[Int(cl.cluster)]
            result.merged += 1
        }

        // New machines: a uid derived from the seed's strongest key, re-mixed on collision.
        for ci in 0..<clusters where result.uids[ci] == 0 {
            let seed = Int(c.members[Int(c.clusterStart[ci])])
            var basis: UInt64 = 0
            for role in Self.stateRoles + [.fqdn, .hostname, .netbios, .ipv4, .ipv6] {
                basis = store.firstKey(seed, role)
                if basis != 0 && !c.sharedKeys.contains(basis) { break }
                basis = 0
            }
            if basis == 0 {
                basis = StableHash.text(ResolverStore.apiNames[Int(store.api[seed])] + ":" + store.recordID[seed])
            }
            var uid = StableHash.mix(basis)
            while uid == 0 || used.contains(uid) || taken.contains(uid) { uid = StableHash.mix(uid &+ 1) }
            used.insert(uid)
            taken.insert(uid)
            result.uids[ci] = uid
            result.minted += 1
        }

        result.state = Self.nextState(store: store, clustering: c, uids: result.uids, previous: previous,
                                      today: today, retainDays: retainDays, merged: merged)
        return result
    }

    /// Tonight's keys (new owner wins) plus last nights' keys still within `retainDays`.
    static func nextState(store: ResolverStore, clustering c: Clustering, uids: [UInt64],
                          previous: IdentityState, today: Int32, retainDays: Int32,
                          merged: [UInt64: UInt64]) -> IdentityState {
        let stateRoleSet = Set(stateRoles.map(\.rawValue))
        // Each cluster's distinct keys; counted first so the arrays are allocated once.
        var local: [UInt64] = []
        func keys(of ci: Int) -> [UInt64] {
            local.removeAll(keepingCapacity: true)
            for m in c.members[Int(c.clusterStart[ci])..<Int(c.clusterStart[ci + 1])] {
                let i = Int(m)
                let keys = Int(store.keyStart[i])..<Int(store.keyStart[i + 1])
                for k in keys where stateRoleSet.contains(store.keyRole[k]) {
                    if !c.sharedKeys.contains(store.keyHash[k]) && !local.contains(store.keyHash[k]) {
                        local.append(store.keyHash[k])
                    }
                }
            }
            return local
        }
        let clusters = c.clusterStart.count - 1
        var total = 0
        for ci in 0..<clusters { total += keys(of: ci).count }
        var fresh: [(UInt64, UInt64)] = []
        fresh.reserveCapacity(total)
        for ci in 0..<clusters { for h in keys(of: ci) { fresh.append((h, uids[ci])) } }
        store.releaseKeys()  // not needed any more; frees memory before the sort's buffer and the state
        fresh.sort { $0.0 < $1.0 }
        var s = IdentityState()
        s.merged = merged
        let kept = previous.keyDays.reduce(0) { $0 + (today - $1 <= retainDays ? 1 : 0) }
        s.keyHashes.reserveCapacity(fresh.count + kept)
        s.keyUIDs.reserveCapacity(fresh.count + kept)
        s.keyDays.reserveCapacity(fresh.count + kept)
        var p = 0, q = 0
        func keepOld(_ j: Int) {
            if today - previous.keyDays[j] <= retainDays {
                s.keyHashes.append(previous.keyHashes[j]); s.keyUIDs.append(previous.keyUIDs[j])
                s.keyDays.append(previous.keyDays[j])
            }
        }
        while p < fresh.count || q < previous.keyHashes.count {
            if q >= previous.keyHashes.count || (p < fresh.count && fresh[p].0 <= previous.keyHashes[q]) {
                let h = fresh[p].0
                if s.keyHashes.last != h {
                    s.keyHashes.append(h); s.keyUIDs.append(fresh[p].1); s.keyDays.append(today)
                }
                if q < previous.keyHashes.count && previous.keyHashes[q] == h { q += 1 }
                p += 1
            } else {
                if s.keyHashes.last != previous.keyHashes[q] { keepOld(q) }
                q += 1
            }
        }
        return s
    }
}
