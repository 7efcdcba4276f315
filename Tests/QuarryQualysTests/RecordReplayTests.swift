// Quarry — record/replay folders and credentials.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

@Suite struct RecordReplayTests {
    @Test func recordingHoldsBodiesAndSafeHeadersAndReplaysOffline() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = ScriptedTransport()
        t.on("auth", status: 201, text: "tok-A.secret-token")
        t.on("gav", status: 503, headers: ["Set-Cookie": "s=1"], text: "busy")
        t.on("gav", headers: ["X-RateLimit-Remaining": "299", "Authorization": "Bearer tok-A.secret-token"],
             text: #"{"count":1,"hasMore":0,"lastSeenAssetId":9,"assetListData":{"asset":[{"assetId":9}]}}"#)
        _ = try await run(try makeExtractor(t, record: dir), .gav)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("gav").path).sorted()
        #expect(files == ["page-00001.json", "page-00001.meta.json", "page-00002.json", "page-00002.meta.json"])
        let meta = try String(contentsOf: dir.appendingPathComponent("gav/page-00002.meta.json"), encoding: .utf8)
        #expect(meta.contains("\"status\" : 200") && meta.contains("x-ratelimit-remaining"))
        #expect(meta.contains("\"request\" : \"POST /rest/2.0/search/am/asset?pageSize=100\""))
        var everything = ""
        for f in files { everything += try String(contentsOf: dir.appendingPathComponent("gav/" + f), encoding: .utf8) }
        #expect(!everything.contains("tok-A") && !everything.contains("s3cret") && !everything.contains("set-cookie"))

        let counters = RunCounters()
        let replayer = try QualysExtractor(settings: try settings(), credentials: nil, logger: .silent,
                                           counters: counters, replay: dir)
        let sink = Sink()
        let summary = try await run(replayer, .gav, sink: sink)
        #expect(sink.records.map(\.recordID) == ["9"])
        #expect(summary.retries == 1)
    }

    @Test func folderOfRealResponsesReplays() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vm = dir.appendingPathComponent("vm")
        try FileManager.default.createDirectory(at: vm, withIntermediateDirectories: true)
        for name in ["page-1-host-list.xml", "page-2-host-list.xml"] {
            try Fixture.data("cases/BR-03/" + name).write(to: vm.appendingPathComponent(name))
        }
        let replay = try ReplayTransport(root: dir)
        let e = try QualysExtractor(settings: try settings(), credentials: nil, logger: .silent,
                                    counters: RunCounters(), transport: replay, replay: dir)
        let sink = Sink()
        let summary = try await run(e, .vm, sink: sink)
        #expect(sink.records.map(\.recordID) == ["1001", "1002", "1003", "1004", "1005"])
        #expect(summary.pages == 2 && replay.servedCount(.vm) == 2)
        await #expect(throws: ExtractError.self) { _ = try await run(e, .qps) }
    }

    @Test func replayOrdersNamesNaturally() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let qps = dir.appendingPathComponent("qps")
        try FileManager.default.createDirectory(at: qps, withIntermediateDirectories: true)
        for n in [10, 2, 1] { try Data("\(n)".utf8).write(to: qps.appendingPathComponent("page-\(n).xml")) }
        let replay = try ReplayTransport(root: dir)
        let request = HTTPRequest(api: .qps, method: "POST", url: URL(string: "https://x/qps")!)
        let order = try (0..<3).map { _ -> String in
            let semaphore = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var text = ""
            Task {
                text = String(decoding: try await replay.send(request).collect(), as: UTF8.self)
                semaphore.signal()
            }
            semaphore.wait()
            return text
        }
        #expect(order == ["1", "2", "10"])
    }
}

@Suite struct CredentialsTests {
    @Test func environmentWins() throws {
        let c = try Credentials.resolve(settings: try settings(),
                                        environment: ["QUALYS_USERNAME": "u1", "QUALYS_PASSWORD": "p=1 x"])
        #expect(c == Credentials(username: "u1", password: "p=1 x"))
        #expect(!"\(c)".contains("p=1"))
    }

    @Test func fileFormatsAndModes() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyed = dir.appendingPathComponent("keyed")
        try "# Qualys\nusername=api-user\npassword=pa=ss word\n".write(to: keyed, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyed.path)
        var s = try settings()
        s.credentialsFile = keyed.path
        #expect(try Credentials.resolve(settings: s, environment: [:])
            == Credentials(username: "api-user", password: "pa=ss word"))
        let bare = dir.appendingPathComponent("bare")
        try "api-user\nsecret\n".write(to: bare, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: bare.path)
        #expect(try Credentials.load(file: bare.path) == Credentials(username: "api-user", password: "secret"))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: bare.path)
        #expect {
            _ = try Credentials.load(file: bare.path)
        } throws: { error in
            "\(error)".contains("readable by group or others (mode 640)") && !"\(error)".contains("secret")
        }
        #expect(throws: ExtractError.self) { _ = try Credentials.resolve(settings: try settings(), environment: [:]) }
    }
}
