// Quarry — checkpoint and resume: a run killed during extraction continues where it stopped.

import Foundation
import QuarryCore
import QuarryJob
import QuarrySimulator
import Testing

@Suite struct ResumeTests {
    private func options(_ out: String, latency: Int = 0) -> DemoOptions {
        var o = DemoOptions()
        o.outputDir = out
        o.simulator = SimulatorConfig(assets: 400, seed: 9, faults: .none, latencyMS: latency)
        o.snapshotDate = "2026-04-01"
        return o
    }

    @Test func aKilledRunResumesFromTheLastCompletePageAndPublishesWhatACleanRunWould() async throws {
        let clean = try TestDirs.make("resume-clean")
        let resumed = try TestDirs.make("resume-killed")
        let reference = try await Demo.run(options(clean), logger: .silent)
        let gavPages = try #require(reference.report.sources.first { $0.api == "gav" }).pages

        let counters = RunCounters()
        let slow = options(resumed, latency: 25)
        let killed = Task { try await Demo.run(slow, logger: .silent, counters: counters) }
        while counters["gav.pages"] < 3 { try await Task.sleep(for: .milliseconds(5)) }
        killed.cancel()
        await #expect(throws: CancellationError.self) { try await killed.value }
        #expect(!FileManager.default.fileExists(atPath: resumed + "/_manifests/snapshot_date=2026-04-01/_SUCCESS"))
        #expect(FileManager.default.fileExists(atPath: resumed + "/_state/checkpoint/snapshot_date=2026-04-01/gav.json"))

        let second = try await Demo.run(options(resumed), logger: .silent)

        let gav = try #require(second.report.sources.first { $0.api == "gav" })
        #expect(gav.pages == gavPages)
        #expect(gav.requests < gavPages, "only the pages after the checkpoint were fetched again")
        for table in ["assets", "asset_sources", "gav_assets", "qps_host_assets", "vm_hosts", "coverage", "rejects"] {
            let got = try Lake(dir: resumed).sortedLines(table, date: "2026-04-01")
            let want = try Lake(dir: clean).sortedLines(table, date: "2026-04-01")
            #expect(got == want, "\(table): \(got.count) rows against \(want.count); \(Set(got).subtracting(want).prefix(2))")
        }
        #expect(!FileManager.default.fileExists(atPath: resumed + "/_state/checkpoint/snapshot_date=2026-04-01"),
                "a published snapshot removes its checkpoint")
    }
}
