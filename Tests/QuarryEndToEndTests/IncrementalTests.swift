// Quarry — incremental nights: only what changed is pulled, the rest comes from the last night.

import Foundation
import QuarryCore
import QuarryJob
import QuarrySimulator
import Testing

@Suite struct IncrementalTests {
    private func night(_ n: Int, out: String, full: Bool = false, truth: String? = nil) async throws -> JobResult {
        var o = DemoOptions()
        o.outputDir = out
        o.simulator = SimulatorConfig(assets: 400, seed: 4, night: n, faults: .none)
        o.snapshotDate = "2026-05-0\(n)"
        o.full = full
        o.groundTruth = truth
        return try await Demo.run(o, logger: .silent)
    }

    @Test func theSecondNightPullsOnlyChangesAndPublishesWhatAFullPullWould() async throws {
        let inc = try TestDirs.make("incremental")
        let full = try TestDirs.make("full")
        _ = try await night(1, out: inc)
        _ = try await night(1, out: full)

        let a = try await night(2, out: inc, truth: inc + "/truth2.csv")
        let b = try await night(2, out: full, full: true)

        let gav = try #require(a.report.sources.first { $0.api == "gav" })
        let gavFull = try #require(b.report.sources.first { $0.api == "gav" })
        #expect(gav.mode == "incremental" && gav.unchanged > 0)
        #expect(gav.requests < gavFull.requests)
        #expect(a.report.sources.first { $0.api == "vm" }?.mode == "full", "the host list is always pulled whole")
        let served = Set(try String(contentsOfFile: inc + "/truth2.csv", encoding: .utf8).split(separator: "\n")
            .dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        for (table, key, api) in [("gav_assets", "asset_id", "gav"), ("qps_host_assets", "id", "qps")] {
            func rows(_ dir: String) throws -> [String: [String: String]] {
                var out: [String: [String: String]] = [:]
                for r in try Lake(dir: dir).rows(table, date: "2026-05-02") {
                    var flat: [String: String] = [:]
                    for (k, v) in r where k != "last_modified" && k != "modified" { flat[k] = "\(v)" }
                    out[r[key] as! String] = flat
                }
                return out
            }
            let got = try rows(inc), want = try rows(full)
            for (id, row) in want { #expect(got[id] == row, "\(table) \(id) as a full pull has it") }
            // Records deleted in Qualys stay until the next full pull; nothing else is extra.
            for id in Set(got.keys).subtracting(want.keys) { #expect(!served.contains("\(api),\(id)"), "\(id)") }
        }
    }
}
