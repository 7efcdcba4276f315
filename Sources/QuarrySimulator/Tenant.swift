// Quarry — the synthetic tenant: ID layout, record enumeration, paging, ground truth.

import Foundation
import QuarryCore

/// One record as served: the machine plan it belongs to and its kind.
struct SimRecord {
    let plan: MachinePlan
    let kind: RecordKind

    var machineIndex: Int { plan.index }
}

/// A tenant generated on the fly from (seed, machine index, night). Nothing is stored:
/// record IDs are `base + 16·machine + 2·slot + jitter`, so an ID maps back to its machine
/// by arithmetic and any page can be rebuilt from its cursor alone.
struct Tenant {
    let seed: UInt64
    let night: Int
    let initialMachines: Int
    let newPerNight: Int
    /// Machines that exist by this night (some may be decommissioned).
    let machineCount: Int
    let assetBase: Int64
    let hostBase: Int64
    /// 02:00 UTC of this night (night 1 is 2026-03-02).
    let now: Int64
    let nightOneStart: Int64

    static let stride: Int64 = 16

    init(assets: Int, seed: UInt64, night: Int) {
        self.seed = seed
        self.night = max(1, night)
        initialMachines = assets
        newPerNight = max(1, assets / 200)
        machineCount = assets + (assets > 0 ? newPerNight * (self.night - 1) : 0)
        assetBase = 10_000_000 + Int64(seed % 89) * 1_000
        hostBase = 100_000_000 + Int64((seed / 89) % 89) * 1_000 + Int64(seed % 7) * 100
        nightOneStart = Timestamp.days(year: 2026, month: 3, day: 2) * 86_400 + 7_200
        now = nightOneStart + Int64(self.night - 1) * 86_400
    }

    func nightStart(_ n: Int) -> Int64 { nightOneStart + Int64(n - 1) * 86_400 }

    // MARK: - IDs

    private func jitter(_ m: Int, _ kind: RecordKind, _ salt: UInt64) -> Int64 {
        Int64(Dice.mix(seed ^ (UInt64(m) << 4) ^ UInt64(kind.rawValue) ^ (salt << 60)) & 1)
    }

    /// GAV `assetId` == QPS `id` of a record.
    func assetID(_ m: Int, _ kind: RecordKind) -> Int64 {
        assetBase + Int64(m) * Tenant.stride + Int64(kind.rawValue) * 2 + jitter(m, kind, 1)
    }

    /// VM host `ID` == QPS `qwebHostId` == GAV `hostId` of a record.
    func hostID(_ m: Int, _ kind: RecordKind) -> Int64 {
        hostBase + Int64(m) * Tenant.stride + Int64(kind.rawValue) * 2 + jitter(m, kind, 2)
    }

    /// The record ID an API uses for paging and ground truth.
    func recordID(_ api: SimAPI, _ m: Int, _ kind: RecordKind) -> Int64 {
        api == .vm ? hostID(m, kind) : assetID(m, kind)
    }

    /// The first machine whose records could have an ID greater than `id`.
    func firstMachine(after id: Int64, api: SimAPI) -> Int {
        let base = api == .vm ? hostBase : assetBase
        if id < base { return 0 }
        return Int(min((id - base) / Tenant.stride, Int64(machineCount)))
    }

    /// Maps an ID back to its (machine, kind) when it names a record of this layout.
    func decode(_ id: Int64, api: SimAPI) -> (Int, RecordKind)? {
        let base = api == .vm ? hostBase : assetBase
        guard id >= base else { return nil }
        let m = Int((id - base) / Tenant.stride)
        guard m < machineCount, let kind = RecordKind(rawValue: Int(((id - base) % Tenant.stride) / 2)),
              recordID(api, m, kind) == id else { return nil }
        return (m, kind)
    }

    // MARK: - Dates

    /// When the record was created (seconds).
    func created(_ p: MachinePlan, _ kind: RecordKind) -> Int64 {
        var d = Dice(seed, UInt64(p.index), 3)
        let machineCreated = p.bornNight <= 1
            ? nightOneStart - Int64(1 + d.below(1_100)) * 86_400 - Int64(d.below(86_400))
            : nightStart(p.bornNight) - Int64(600 + d.below(60_000))
        switch kind {
        case .agentReimaged:
            return nightStart(p.reimageNight ?? 1) - Int64(3_600 + d.below(20_000))
        case .staleScanner:
            return max(machineCreated, nightStart(p.prevIPEpoch)) + Int64(d.below(40_000))
        case .scanner, .passive:
            return machineCreated + Int64(3_600 + d.below(5 * 86_400))
        default:
            return machineCreated
        }
    }

    /// When the record last changed (seconds): drives every incremental filter.
    func modified(_ p: MachinePlan, _ kind: RecordKind) -> Int64 {
        var change = p.touchNight
        switch kind {
        // A stale scanner record shows the previous lease: it changes when the lease does.
        case .staleScanner: change = p.ipEpoch
        case .agent:
            // An agent reports the machine's current address: a new DHCP lease is a change.
            if p.dhcp { change = max(change, p.ipEpoch) }
            if let r = p.reimageNight, night >= r { change = min(change, r) }
        default: if p.dhcp { change = max(change, p.ipEpoch) }
        }
        var d = Dice(seed, UInt64(p.index), UInt64(bitPattern: Int64(change)), UInt64(kind.rawValue) + 40)
        let t = nightStart(change) - Int64(60 + d.below(20 * 3_600))
        // Never after the night being served: the real service cannot report a change that
        // has not happened yet, and clients use the latest one as a high-water mark.
        return min(max(t, created(p, kind) + 60), now - 60)
    }

    // MARK: - Paging

    /// Records of `api` with ID greater than `after`, ascending, at most `limit`, changed
    /// after `modifiedAfter` when given; and whether more records follow.
    /// `skip` records are passed over first (offset paging); `limit` 0 means no limit.
    func page(_ api: SimAPI, after: Int64, limit: Int, modifiedAfter: Int64? = nil,
              skip: Int = 0) -> ([SimRecord], Bool) {
        var out: [SimRecord] = []
        out.reserveCapacity(min(limit, 1_000))
        var skipped = 0
        var m = firstMachine(after: after, api: api)
        while m < machineCount {
            let p = plan(m)
            for kind in RecordKind.allCases where p.serves(kind, in: api) {
                guard recordID(api, m, kind) > after else { continue }
                if let bound = modifiedAfter, modified(p, kind) <= bound { continue }
                if skipped < skip { skipped += 1; continue }
                if limit > 0 && out.count == limit { return (out, true) }
                out.append(SimRecord(plan: p, kind: kind))
            }
            m += 1
        }
        return (out, false)
    }

    /// Visits every record of `api` in ascending ID order.
    func forEachRecord(_ api: SimAPI, _ body: (SimRecord) throws -> Void) rethrows {
        for m in 0..<machineCount {
            let p = plan(m)
            for kind in RecordKind.allCases where p.serves(kind, in: api) {
                try body(SimRecord(plan: p, kind: kind))
            }
        }
    }

    /// Ground-truth machine ID, stable across nights.
    func machineID(_ m: Int) -> String {
        let digits = String(m)
        return "m" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}
