// Quarry — the cheap, numeric part of a simulated machine: kind, sensors, lifecycle, records.

/// What a real machine is; sets which sensors can see it and what they report.
enum MachineKind: Int, CaseIterable {
    case workstation, server, cloud, printer, phone, iot

    var isUnmanagedDevice: Bool { self == .printer || self == .phone || self == .iot }
}

enum CloudKind: Int { case aws, azure, gcp }

/// One source record of a machine. The raw value is the record's slot in the ID layout.
enum RecordKind: Int, CaseIterable {
    /// Cloud Agent asset (the first agent generation; kept a few nights after a re-image).
    case agent = 0
    /// Cloud Agent asset after a re-image: a new agent ID and a new asset.
    case agentReimaged = 1
    /// IP/DNS/NetBIOS-tracked scanner asset not linked to any agent asset.
    case scanner = 2
    /// Cloud connector asset (EC2/Azure/GCP instance) not merged with an agent asset.
    case connector = 3
    /// Passive sensor observation (GAV only).
    case passive = 4
    /// Scanner asset left behind at the machine's previous DHCP address.
    case staleScanner = 5
}

/// Which of the three APIs a record lives in.
enum SimAPI: String, CaseIterable {
    case gav, qps, vm
}

/// The numeric plan of machine `index` on one night: everything the paging and the
/// ground truth need, built from hashes of (seed, index, night) without any strings.
struct MachinePlan {
    let index: Int
    let kind: MachineKind
    let cloud: CloudKind?
    let bornNight: Int
    let decomNight: Int
    let hasAgent: Bool
    /// Night of the re-image (may be ≤ 0: before night 1), nil if never re-imaged.
    let reimageNight: Int?
    let vmActivated: Bool
    let scanned: Bool
    let dhcp: Bool
    /// Night the current DHCP address was leased (≤ night).
    let ipEpoch: Int
    /// Night the previous DHCP address was leased.
    let prevIPEpoch: Int
    /// Last night anything about the machine changed.
    let touchNight: Int
    /// Machine whose hostname and hardware UUID this one was cloned from.
    let cloneOf: Int?
    /// Bit set of `RecordKind` raw values present on this night.
    let present: UInt8

    func has(_ kind: RecordKind) -> Bool { present & (1 << UInt8(kind.rawValue)) != 0 }

    /// Whether the record of `kind` is served by `api`.
    func serves(_ kind: RecordKind, in api: SimAPI) -> Bool {
        guard has(kind) else { return false }
        switch api {
        case .gav: return true
        case .qps: return kind != .passive
        case .vm:
            switch kind {
            case .agent, .agentReimaged: return vmActivated
            case .scanner, .staleScanner: return true
            case .connector: return scanned
            case .passive: return false
            }
        }
    }

    /// The agent generation current on `night` (0 before a re-image, 1 after).
    func agentGeneration(for kind: RecordKind) -> Int { kind == .agentReimaged ? 1 : 0 }
}

extension Tenant {
    /// Builds the plan of machine `m` for this tenant's night.
    func plan(_ m: Int) -> MachinePlan {
        var d = Dice(seed, UInt64(m), 1)
        let kindRoll = d.below(100)
        let kind: MachineKind
        switch kindRoll {
        case 0..<45: kind = .workstation
        case 45..<65: kind = .server
        case 65..<80: kind = .cloud
        case 80..<86: kind = .printer
        case 86..<94: kind = .phone
        default: kind = .iot
        }
        var cloud: CloudKind?
        if kind == .cloud {
            let c = d.below(15)
            cloud = c < 7 ? .aws : (c < 12 ? .azure : .gcp)
        }
        let born = bornNight(m)
        let decom = decommissionNight(m)
        let agentP: Double = [0.85, 0.8, 0.6, 0, 0, 0][kind.rawValue]
        let hasAgent = d.chance(agentP)
        let reimage: Int? = hasAgent && d.chance(0.06) ? -2 + d.below(30) : nil
        let vmActivated = d.chance(0.85)
        let scanP: Double = [0.5, 0.9, 0.35, 0.6, 0.1, 0.4][kind.rawValue]
        let scanned = d.chance(scanP)
        let scannerUnlinked = d.chance(0.35)
        let connectorUnlinked = d.chance(0.25)
        let passiveP: Double = [0.2, 0.05, 0, 1, 1, 1][kind.rawValue]
        var passive = d.chance(passiveP)
        let dhcp = kind == .workstation || kind == .phone || (kind == .iot && d.chance(0.5))
        let staleKept = d.chance(0.4)
        let cloneOf: Int? = (kind == .server || kind == .cloud) && hasAgent && m > 4 && d.chance(0.03)
            ? m - 1 - d.below(4) : nil

        let (epoch, prevEpoch) = dhcp ? ipEpochs(m) : (min(born, 1), min(born, 1) - 1)
        let touch = touchNight(m, born: born <= 1 ? -400 : born)

        var bits: UInt8 = 0
        func set(_ k: RecordKind) { bits |= 1 << UInt8(k.rawValue) }
        let alive = born <= night && night < decom
        if alive {
            if hasAgent {
                if let r = reimage {
                    if night < r + 3 { set(.agent) }
                    if night >= r { set(.agentReimaged) }
                } else {
                    set(.agent)
                }
            }
            if scanned && (!hasAgent || scannerUnlinked) { set(.scanner) }
            if cloud != nil && (!hasAgent || connectorUnlinked) { set(.connector) }
            if dhcp && scanned && staleKept && night - epoch < 4 && (born <= 1 || epoch > born) { set(.staleScanner) }
            if bits == 0 { passive = true }
            if passive { set(.passive) }
        }
        return MachinePlan(
            index: m, kind: kind, cloud: cloud, bornNight: born, decomNight: decom,
            hasAgent: hasAgent, reimageNight: reimage, vmActivated: vmActivated, scanned: scanned,
            dhcp: dhcp, ipEpoch: epoch, prevIPEpoch: prevEpoch, touchNight: touch,
            cloneOf: cloneOf, present: bits)
    }

    /// Night the machine first appears: 1 for the initial fleet, later for additions.
    func bornNight(_ m: Int) -> Int {
        m < initialMachines ? 1 : 2 + (m - initialMachines) / max(1, newPerNight)
    }

    /// First night the machine is gone (geometric, 0.5 % a night from night 2).
    func decommissionNight(_ m: Int) -> Int {
        var d = Dice(seed, UInt64(m), 2)
        let u = max(d.unit(), 1e-12)
        let nights = Int(log(u) / log(1 - 0.005))
        return max(bornNight(m) + 1, 2) + min(nights, 1_000_000)
    }

    /// (current, previous) DHCP lease nights; leases change on 12 % of nights.
    func ipEpochs(_ m: Int) -> (Int, Int) {
        var current: Int?
        var n = night
        while n > -60 {
            var d = Dice(seed, UInt64(m), UInt64(bitPattern: Int64(n)), 11)
            if d.chance(0.12) {
                if let c = current { return (c, n) }
                current = n
            }
            n -= 1
        }
        return (current ?? -60, (current ?? -60) - 1)
    }

    /// Last night on or before this one when something about the machine changed.
    func touchNight(_ m: Int, born: Int) -> Int {
        var n = night
        while n >= max(born, night - 20) {
            var d = Dice(seed, UInt64(m), UInt64(bitPattern: Int64(n)), 7)
            if d.chance(0.3) { return n }
            n -= 1
        }
        return max(born, night - 21)
    }
}

import Foundation
