// Quarry — the same seed gives byte-identical pages; a different seed a different tenant.

import Foundation
import Testing
@testable import QuarrySimulator

@Suite struct DeterminismTests {
    static func pages(seed: UInt64) -> [[UInt8]] {
        let t = Tenant(assets: 500, seed: seed, night: 3)
        var out: [[UInt8]] = []
        for api in SimAPI.allCases {
            let (records, more) = t.page(api, after: 0, limit: 200)
            let w = DocWriter()
            switch api {
            case .gav: t.writeGAVPage(records, hasMore: more, dirty: true, to: w)
            case .qps: t.writeQPSPage(records, hasMore: more, dirty: true, to: w)
            case .vm: t.writeHostListPage(records, nextURL: nil, options: HostListOptions(), dirty: true, to: w)
            }
            out.append(w.finish())
        }
        return out
    }

    @Test func sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot() {
        let a = Self.pages(seed: 42), b = Self.pages(seed: 42), c = Self.pages(seed: 43)
        #expect(a == b)
        for i in 0..<3 { #expect(a[i] != c[i]) }
        #expect(a.allSatisfy { $0.count > 20_000 })
    }

    @Test func recordIDsMapBackToTheirMachine() {
        let t = Tenant(assets: 1_000, seed: 9, night: 2)
        var n = 0
        for api in SimAPI.allCases {
            t.forEachRecord(api) { r in
                let id = t.recordID(api, r.machineIndex, r.kind)
                let decoded = t.decode(id, api: api)
                #expect(decoded?.0 == r.machineIndex && decoded?.1 == r.kind)
                n += 1
            }
        }
        #expect(n > 2_500)
        #expect(t.decode(t.assetBase - 1, api: .gav) == nil)
    }

    @Test func tenantHasTheDocumentedNoise() {
        let t = Tenant(assets: 2_000, seed: 1, night: 1)
        var kinds: [RecordKind: Int] = [:]
        var clones = 0, sharedMAC = 0, unmanaged = 0
        for m in 0..<t.machineCount {
            let p = t.plan(m)
            for k in RecordKind.allCases where p.has(k) { kinds[k, default: 0] += 1 }
            if p.kind.isUnmanagedDevice { unmanaged += 1 }
            if let src = p.cloneOf {
                let a = t.machine(p), b = t.machine(t.plan(src))
                if a.hwUUID == b.hwUUID && p.hasAgent { clones += 1 }
            }
            let nics = t.machine(p).interfaces
            if nics.contains(where: { i in sharedMACs.contains { $0.0 == i.mac } }) { sharedMAC += 1 }
        }
        for k in RecordKind.allCases { #expect((kinds[k] ?? 0) > 5, "few \(k) records") }
        #expect(clones >= 3 && sharedMAC > 100 && unmanaged > 300)
        #expect(MACStyle.hyphenUpper.format(0x00_0D_3A_C4_8F_3F) == "00-0D-3A-C4-8F-3F")
        #expect(MACStyle.colonLower.format(0x42_01_0A_F0_00_A4) == "42:01:0a:f0:00:a4")
    }
}
