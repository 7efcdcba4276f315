// Quarry — the checkpoint / incremental spool keeps records exactly.

import Foundation
import QuarryCore
@testable import QuarryJob
import Testing

@Suite struct SpoolTests {
    private func record(_ i: Int, api: SourceAPI = .qps) -> SourceRecord {
        SourceRecord(
            api: api, recordID: "0\(i)", locator: Locator(api: api, page: i / 3 + 1, position: i % 3 + 1),
            fields: [
                SourceField(path: "id", value: "0\(i)", group: 0),
                SourceField(path: "networkInterface/list/HostAssetInterface/address", value: "192.0.2.\(i)", group: 4),
                SourceField(path: "name", value: "caf\u{FFFD} \u{2028} line\nbreak \(i)", group: Int32(i)),
                SourceField(path: "empty", value: "", group: -1),
            ],
            repairs: i % 2 == 0 ? [TextRepair(path: "name", kind: .invalidUTF8, count: 1)] : []
        )
    }

    private func readAll(_ path: String, length: UInt64) throws -> [SourceRecord] {
        let reader = try RecordSpoolReader(path: path, length: length)
        var out: [SourceRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test func recordsComeBackExactlyAndAResumedWriterCutsWhatCameAfterTheCheckpoint() throws {
        let path = try TestDirs.make("spool") + "/qps.spool"
        let first = try RecordSpoolWriter(path: path, validLength: 0)
        for i in 0..<5 { first.append(record(i)) }
        let checkpoint = try first.flush()
        for i in 5..<8 { first.append(record(i)) }  // a page the run never finished
        _ = try first.flush()

        let resumed = try RecordSpoolWriter(path: path, validLength: checkpoint)
        for i in 10..<12 { resumed.append(record(i)) }
        let end = try resumed.flush()

        let back = try readAll(path, length: end)
        #expect(back == (Array(0..<5) + [10, 11]).map { record($0) })
        #expect(try readAll(path, length: checkpoint) == (0..<5).map { record($0) })
    }

    @Test func aDamagedSpoolIsAnErrorNotASilentLoss() throws {
        let path = try TestDirs.make("spool-bad") + "/gav.spool"
        let w = try RecordSpoolWriter(path: path, validLength: 0)
        w.append(record(1, api: .gav))
        let n = try w.flush()

        #expect(throws: RecordSpoolReader.Corrupt.self) { _ = try readAll(path, length: n - 3) }
    }

    @Test func highWaterMarksCompareInstantsNotText() {
        let r = SourceRecord(api: .gav, recordID: "1", locator: Locator(api: .gav, page: 1, position: 1), fields: [
            SourceField(path: "lastModifiedDate", value: "2026-03-01T10:00:00.000Z"),
            SourceField(path: "lastModifiedDate", value: "2026-03-01T09:59:59Z"),
        ])
        #expect(SourceState.latestModified([r], api: .gav, after: "2026-02-28T00:00:00Z") == "2026-03-01T10:00:00.000Z")
        #expect(SourceState.latestModified([r], api: .gav, after: "2026-03-02T00:00:00Z") == "2026-03-02T00:00:00Z")
        #expect(SourceState.latestModified([r], api: .vm, after: nil) == nil)
        #expect(SourceState.seconds("2026-03-01T10:00:00.000Z") == SourceState.seconds("2026-03-01T10:00:00Z"))
        #expect(SourceState.seconds("1 March 2026") == nil)
    }
}
