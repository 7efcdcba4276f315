// Quarry — a run killed at each publish step: readers keep the previous snapshot, the next run recovers.

import Foundation
import QuarryCore
import Testing
@testable import QuarryLoad

@Suite struct PublishCrashTests {
    static let date = "2026-12-04"
    static let tables = [Fixture.assets, Fixture.sources, Fixture.rejects]

    /// Files a reader can see: everything but staging folders and the lock.
    private func visible(_ dir: String) -> [String: String] {
        snapshotOfTree(dir).filter { !$0.key.hasPrefix(".staging-") && $0.key != ".quarry.lock" }
            .mapValues { SHA256.hex($0) }
    }

    private func stagingFolders(_ dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix(".staging-") }.sorted()
    }

    private func publish(_ dir: String, run: String, sources: Int, crash: PublishStep? = nil) throws {
        let w = try SnapshotWriter(outputDir: dir, snapshotDate: PublishCrashTests.date, runID: run,
                                   tables: PublishCrashTests.tables, settings: Fixture.settings(excel: true),
                                   logger: .silent)
        w.crashPoint = crash
        try w.write(RowBatch(table: "assets", rows: Array(Fixture.assetRows.prefix(sources % 3 + 1))))
        try w.write(RowBatch(table: "asset_sources", rows: Fixture.sourceRows(sources)))
        try w.publish(summary: ManifestSummary(startedAt: 0, finishedAt: 0))
    }

    @Test(arguments: [PublishStep.beforeRenames, .betweenRenames, .beforeManifest, .beforeSuccess])
    func crashDuringRepublishKeepsThePreviousSnapshot(step: PublishStep) throws {
        let dir = makeTempDir("crash-\(step.rawValue)")
        defer { removeTempDir(dir) }
        try publish(dir, run: "old", sources: 4)
        let before = visible(dir)
        #expect(before.keys.contains("_manifests/snapshot_date=2026-12-04/_SUCCESS"))

        #expect(throws: LoadError.simulatedCrash(step)) { try publish(dir, run: "new", sources: 9, crash: step) }

        // While the dead run's leftovers are there: no _SUCCESS for the date, and every
        // partition is whole (exactly the old files or exactly a complete new set).
        let during = visible(dir)
        if step == .beforeRenames {
            #expect(during == before)
        } else {
            #expect(during["_manifests/snapshot_date=2026-12-04/_SUCCESS"] == nil)
            #expect(during["_manifests/snapshot_date=2026-12-04/manifest.json"] == nil || step == .beforeSuccess)
        }
        for partition in ["csv/asset_sources", "ndjson/asset_sources", "csv/assets", "ndjson/assets"] {
            let old = before.filter { $0.key.hasPrefix(partition + "/") }
            let now = during.filter { $0.key.hasPrefix(partition + "/") }
            #expect(now.isEmpty == false || step == .betweenRenames, "\(partition) missing")
            if now != old {
                // A new partition: its files must decompress and hold the new row count.
                for (path, _) in now where path.hasSuffix(".gz") {
                    let rows = try gunzip(dir + "/" + path)
                    #expect(rows.filter { $0 == 0x0A }.count == (path.hasPrefix("csv/asset_sources") ? 10
                        : path.hasPrefix("ndjson/asset_sources") ? 9 : rows.filter { $0 == 0x0A }.count))
                }
            }
        }
        #expect(stagingFolders(dir) == [".staging-new"])

        // The next run rolls the interrupted publication back before doing anything else.
        let next = try SnapshotWriter(outputDir: dir, snapshotDate: PublishCrashTests.date, runID: "next",
                                      tables: PublishCrashTests.tables, settings: Fixture.settings(), logger: .silent)
        #expect(stagingFolders(dir) == [".staging-next"])
        #expect(visible(dir) == before)
        next.abort()
        #expect(stagingFolders(dir) == [])
        #expect(visible(dir) == before)
    }

    @Test(arguments: [PublishStep.beforeRenames, .betweenRenames, .beforeManifest, .beforeSuccess])
    func crashOnTheFirstPublicationLeavesNothingAfterRecovery(step: PublishStep) throws {
        let dir = makeTempDir("first-\(step.rawValue)")
        defer { removeTempDir(dir) }
        #expect(throws: LoadError.simulatedCrash(step)) { try publish(dir, run: "new", sources: 9, crash: step) }
        #expect(visible(dir)["_manifests/snapshot_date=2026-12-04/_SUCCESS"] == nil)

        let next = try SnapshotWriter(outputDir: dir, snapshotDate: PublishCrashTests.date, runID: "next",
                                      tables: PublishCrashTests.tables, settings: Fixture.settings(), logger: .silent)
        next.abort()
        #expect(visible(dir) == [:])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [".quarry.lock"])
    }

    @Test func crashAfterSuccessKeepsTheNewSnapshotAndOnlyCleansUp() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        try publish(dir, run: "old", sources: 4)
        #expect(throws: LoadError.simulatedCrash(.afterSuccess)) {
            try publish(dir, run: "new", sources: 9, crash: .afterSuccess)
        }
        let published = visible(dir)
        let manifest = try Manifest.read(path: dir + "/_manifests/snapshot_date=2026-12-04/manifest.json")
        #expect(manifest.runID == "new")
        #expect(manifest.tables.first { $0.name == "asset_sources" }?.rows == 9)

        let next = try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-05", runID: "next",
                                      tables: PublishCrashTests.tables, settings: Fixture.settings(), logger: .silent)
        next.abort()
        #expect(stagingFolders(dir) == [])
        #expect(visible(dir) == published)
    }

    @Test func republishReplacesTheDateWholeAndKeepsOtherDates() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let other = try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-03", runID: "d3",
                                       tables: [Fixture.sources], settings: Fixture.settings(maxRows: 2),
                                       logger: .silent)
        try other.write(RowBatch(table: "asset_sources", rows: Fixture.sourceRows(5)))
        try other.publish(summary: ManifestSummary(startedAt: 0))
        let day3 = visible(dir)

        // First publication of the 4th with 3 parts, then a re-run with 1 part: no stale part survives.
        for (run, n) in [("a", 5), ("b", 1)] {
            let w = try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-04", runID: run,
                                       tables: [Fixture.sources], settings: Fixture.settings(maxRows: 2),
                                       logger: .silent)
            try w.write(RowBatch(table: "asset_sources", rows: Fixture.sourceRows(n)))
            try w.publish(summary: ManifestSummary(startedAt: 0))
        }
        let parts = try FileManager.default.contentsOfDirectory(
            atPath: dir + "/csv/asset_sources/snapshot_date=2026-12-04")
        #expect(parts == ["part-00000.csv.gz"])
        let now = visible(dir)
        #expect(now.filter { $0.key.contains("2026-12-03") } == day3)
        #expect(stagingFolders(dir) == [])
    }

    @Test func failedPublishRollsBackAndLeavesNoStaging() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        try publish(dir, run: "old", sources: 4)
        let before = visible(dir)
        // A file where the `excel` folder should be makes the last partition rename fail.
        try FileManager.default.removeItem(atPath: dir + "/excel")
        FileManager.default.createFile(atPath: dir + "/excel", contents: Data("blocker".utf8))
        let beforeBlocked = visible(dir)
        #expect(throws: LoadError.self) { try publish(dir, run: "new", sources: 9) }
        #expect(visible(dir) == beforeBlocked)
        #expect(stagingFolders(dir) == [])
        #expect(before.keys.contains("_manifests/snapshot_date=2026-12-04/_SUCCESS"))
        #expect(beforeBlocked["_manifests/snapshot_date=2026-12-04/_SUCCESS"] != nil)
    }
}

@Suite struct StagingCleanupTests {
    private func fakeStaging(_ dir: String, _ name: String, owner: String?) {
        let path = dir + "/.staging-" + name
        try! FileManager.default.createDirectory(atPath: path + "/new/csv", withIntermediateDirectories: true)
        if let owner { FileManager.default.createFile(atPath: path + "/owner.json", contents: Data(owner.utf8)) }
    }

    @Test func leavesLiveAndForeignOwnersAloneAndRemovesTheDead() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let host = ProcessInfo.processInfo.hostName
        fakeStaging(dir, "live", owner: #"{"pid":1,"host":"\#(host)","run_id":"live","created_at":"x"}"#)
        fakeStaging(dir, "foreign", owner: #"{"pid":4242,"host":"other-host.invalid","run_id":"f","created_at":"x"}"#)
        fakeStaging(dir, "dead", owner: #"{"pid":2147483000,"host":"\#(host)","run_id":"dead","created_at":"x"}"#)
        fakeStaging(dir, "noowner", owner: nil)
        let sink = MemorySink()
        let w = try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-04", runID: "now", tables: [],
                                   settings: Fixture.settings(), logger: Logger(minimumLevel: .trace, sink: sink))
        w.abort()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix(".staging-") }.sorted()
        #expect(left == [".staging-foreign", ".staging-live"])
        let warnings = sink.events.filter { $0.level == .warning }.map(\.message).sorted()
        #expect(warnings == ["load.staging.foreign", "load.staging.owner_alive"])
        #expect(sink.events.filter { $0.message == "load.staging.removed" }.compactMap { $0.value("staging") }.sorted()
            == [".staging-dead", ".staging-noowner"])
    }
}
