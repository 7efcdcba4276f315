// Quarry — the demo end to end: simulator on 127.0.0.1, the default pipeline, the lake read back.

import Foundation
import QuarryCore
import QuarryJob
import QuarryLoad
import QuarrySimulator
import Testing

private let tables = ["assets", "asset_sources", "gav_assets", "qps_host_assets", "vm_hosts", "coverage", "rejects"]

private func demo(assets: Int, seed: UInt64, night: Int = 1, faults: FaultProfile, output: String,
                  date: String, groundTruth: String? = nil) async throws -> JobResult {
    var options = DemoOptions()
    options.outputDir = output
    options.simulator = SimulatorConfig(assets: assets, seed: seed, night: night, faults: faults)
    options.snapshotDate = date
    options.groundTruth = groundTruth
    return try await Demo.run(options, logger: .silent)
}

@Suite(.serialized) struct DemoTests {
    @Test func everyTransportFaultAtOncePublishesTheSameRowsAsACleanService() async throws {
        let clean = try TestDirs.make("clean")
        let faulty = try TestDirs.make("faulty")

        let a = try await demo(assets: 250, seed: 5, faults: .none, output: clean, date: "2026-01-10")
        let b = try await demo(assets: 250, seed: 5, faults: .all, output: faulty, date: "2026-01-10")

        for table in tables {
            let left = try Lake(dir: clean).sortedLines(table, date: "2026-01-10")
            let right = try Lake(dir: faulty).sortedLines(table, date: "2026-01-10")
            #expect(left == right, "\(table): \(left.count) rows against \(right.count)")
        }
        #expect(a.report.sources.map(\.records) == b.report.sources.map(\.records))
        let retries = b.report.sources.map(\.retries).reduce(0, +)
        #expect(retries > 0, "the faults were really played")
        #expect(a.report.sources.map(\.retries).reduce(0, +) == 0)
    }

    @Test func publishedCountsMatchTheManifestAndEveryRecordIsInTheLineageOnce() async throws {
        let out = try TestDirs.make("counts")
        let truth = out + "/truth.csv"

        let result = try await demo(assets: 300, seed: 11, faults: .none, output: out + "/lake", date: "2026-02-01",
                                    groundTruth: truth)

        let lake = Lake(dir: out + "/lake")
        for t in result.manifest.tables {
            #expect(try lake.rows(t.name, date: "2026-02-01").count == t.rows, "\(t.name)")
        }
        let lineage = try lake.rows("asset_sources", date: "2026-02-01")
        let keys = lineage.map { "\($0["source_api"] as! String),\($0["source_record_id"] as! String)" }
        #expect(Set(keys).count == keys.count, "each source record once")
        let truthKeys = try String(contentsOfFile: truth, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
        #expect(Set(keys) == Set(truthKeys), "every record the simulator served is in the lineage")
        let uids = try lake.rows("assets", date: "2026-02-01").map { $0["asset_uid"] as! String }
        #expect(Set(uids).count == uids.count)
        #expect(Set(lineage.map { $0["asset_uid"] as! String }) == Set(uids))
        #expect(FileManager.default.fileExists(atPath: out + "/lake/_manifests/snapshot_date=2026-02-01/_SUCCESS"))
    }

    @Test func theSecondNightKeepsMachineIdentities() async throws {
        let out = try TestDirs.make("nights")
        let lake = Lake(dir: out + "/lake")

        _ = try await demo(assets: 300, seed: 21, night: 1, faults: .none, output: out + "/lake", date: "2026-02-01",
                           groundTruth: out + "/t1.csv")
        _ = try await demo(assets: 300, seed: 21, night: 2, faults: .none, output: out + "/lake", date: "2026-02-02",
                           groundTruth: out + "/t2.csv")

        func uidByMachine(_ date: String, truth: String) throws -> [String: String] {
            var machineOf: [String: String] = [:]
            for line in try String(contentsOfFile: truth, encoding: .utf8).split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",").map(String.init)
                machineOf["\(f[0]),\(f[1])"] = f[2]
            }
            var votes: [String: [String: Int]] = [:]
            for r in try lake.rows("asset_sources", date: date) {
                let key = "\(r["source_api"] as! String),\(r["source_record_id"] as! String)"
                guard let m = machineOf[key] else { continue }
                votes[m, default: [:]][r["asset_uid"] as! String, default: 0] += 1
            }
            return votes.mapValues { v in v.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key }
        }
        let first = try uidByMachine("2026-02-01", truth: out + "/t1.csv")
        let second = try uidByMachine("2026-02-02", truth: out + "/t2.csv")
        let both = Set(first.keys).intersection(second.keys)
        let kept = both.filter { first[$0] == second[$0] }.count

        #expect(both.count > 250)
        #expect(Double(kept) / Double(both.count) >= 0.99, "\(kept) of \(both.count) kept their asset_uid")
    }

    @Test func aFailedRunPublishesNothingAndLeavesThePreviousSnapshot() async throws {
        let out = try TestDirs.make("failed")
        _ = try await demo(assets: 100, seed: 3, faults: .none, output: out, date: "2026-01-05")
        let before = try Lake(dir: out).sortedLines("assets", date: "2026-01-05")

        var options = DemoOptions()
        options.outputDir = out
        options.snapshotDate = "2026-01-05"
        // A tenant of zero machines: every source returns nothing, which the quality check refuses.
        options.simulator = SimulatorConfig(assets: 0, seed: 3, faults: .none)
        await #expect(throws: JobError.self) { try await Demo.run(options, logger: .silent) }

        #expect(try Lake(dir: out).sortedLines("assets", date: "2026-01-05") == before)
        let visible = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
        #expect(visible == ["_manifests", "_state", "csv", "ndjson"])
    }
}
