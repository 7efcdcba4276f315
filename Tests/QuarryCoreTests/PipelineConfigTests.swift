// Quarry — pipeline files: defaults, platforms, and errors that name file, key and expectation.

import Foundation
import Testing
@testable import QuarryCore

@Suite struct PipelineConfigTests {
    private func parse(_ json: String) throws -> PipelineConfig {
        try PipelineConfig.parse(file: "/etc/quarry/pipelines/p.json", data: Data(json.utf8))
    }

    private func problem(_ json: String) -> String {
        do {
            _ = try parse(json)
            return "no error"
        } catch let e as ConfigError {
            return e.description
        } catch {
            return "other error: \(error)"
        }
    }

    @Test func platformResolvesToItsServers() throws {
        let c = try parse(#"{"name": "n", "qualys": {"platform": "EU2"}}"#)

        #expect(c.qualys.apiURL.absoluteString == "https://qualysapi.qg2.apps.qualys.eu")
        #expect(c.qualys.gatewayURL.absoluteString == "https://gateway.qg2.apps.qualys.eu")
        #expect(c.qualys.sources == [.gav, .qps, .vm])
        #expect(c.qualys.gavPageSize == 100)
        #expect(c.output.dir == "/etc/quarry/out")
        #expect(c.output.gzipLevel == 6)
        #expect(c.transform.schemasDir == "/etc/quarry/schemas")
    }

    @Test func explicitURLsAndSettings() throws {
        let c = try parse("""
        {"name": "n", "qualys": {"apiURL": "http://127.0.0.1:8080", "gatewayURL": "http://127.0.0.1:8080",
         "sources": ["vm"], "vm": {"truncationLimit": 500}, "maxConcurrency": 1},
         "output": {"dir": "/data/lake", "excelCopy": true}}
        """)

        #expect(c.qualys.apiURL.absoluteString == "http://127.0.0.1:8080")
        #expect(c.qualys.sources == [.vm])
        #expect(c.qualys.vmTruncationLimit == 500)
        #expect(c.qualys.maxConcurrency == 1)
        #expect(c.output.dir == "/data/lake")
        #expect(c.output.excelCopy == true)
    }

    @Test(arguments: [
        (#"{"name": "n", "qualys": {"platform": "US1", "pagesize": 5}}"#,
         "/etc/quarry/pipelines/p.json: qualys.pagesize: unknown key"),
        (#"{"name": "n", "qualys": {"platform": "US9"}}"#,
         "/etc/quarry/pipelines/p.json: qualys.platform: expected one of AE1, AU1, CA1, EU1, EU2, EU3, IN1, KSA1, UK1, US1, US2, US3, US4, found \"US9\""),
        (#"{"name": "n", "qualys": {"platform": "US1", "gav": {"pageSize": "100"}}}"#,
         "/etc/quarry/pipelines/p.json: qualys.gav.pageSize: expected a whole number, found the string \"100\""),
        (#"{"name": "n", "qualys": {"platform": "US1", "gav": {"pageSize": 0}}}"#,
         "/etc/quarry/pipelines/p.json: qualys.gav.pageSize: expected a whole number from 1 to 1000, found 0"),
        (#"{"name": "n", "qualys": {"apiURL": "http://qualysapi.example.com", "gatewayURL": "https://g"}}"#,
         "/etc/quarry/pipelines/p.json: qualys.apiURL: plain http:// is refused except for loopback"),
        (#"{"name": "n", "qualys": {"platform": "US1", "sources": ["gav", "was"]}}"#,
         "/etc/quarry/pipelines/p.json: qualys.sources[1]: expected one of gav, qps, vm, found \"was\""),
        (#"{"qualys": {"platform": "US1"}}"#, "/etc/quarry/pipelines/p.json: name: missing"),
        (#"{"name": "n", "qualys": {"platform": "US1"}, "output": {"excelCopy": 1}}"#,
         "/etc/quarry/pipelines/p.json: output.excelCopy: expected true or false, found the number 1"),
        (#"{"name": "n", "qualys": {"platform": "US1"},"#, "/etc/quarry/pipelines/p.json: not valid JSON"),
    ])
    func errorsNameFileKeyAndExpectation(json: String, expectedPrefix: String) {
        let message = problem(json)
        #expect(message.hasPrefix(expectedPrefix), "got: \(message)")
    }

    @Test func unknownKeySuggestsTheClosestKnownOne() {
        let message = problem(#"{"name": "n", "qualys": {"platform": "US1", "maxConcurency": 2}}"#)
        #expect(message.contains("(did you mean \"maxConcurrency\"?)"), "got: \(message)")
    }

    @Test func credentialsInsideAURLAreRefusedWithoutEchoingThem() {
        let message = problem(#"{"name": "n", "qualys": {"apiURL": "https://bob:s3cretpw@qualysapi.example.com", "gatewayURL": "https://g.example.com"}}"#)
        #expect(message.hasPrefix("/etc/quarry/pipelines/p.json: qualys.apiURL: credentials inside the URL are refused"))
        #expect(!message.contains("s3cretpw"))
    }

    @Test func credentialsAreNotAcceptedInThePipelineFile() {
        let message = problem(#"{"name": "n", "qualys": {"platform": "US1", "password": "hunter22"}}"#)
        #expect(message.hasPrefix("/etc/quarry/pipelines/p.json: qualys.password: unknown key"))
    }
}

@Suite struct LoggerTests {
    @Test func redactsRegisteredSecretsInMessagesAndMetadata() {
        let sink = MemorySink()
        let logger = Logger(minimumLevel: .debug, sink: sink)
        logger.redactor.register("tok-A-123456")

        logger.info("renewed token tok-A-123456", [("header", "Bearer tok-A-123456")])
        logger.trace("dropped below level")

        #expect(sink.events.count == 1)
        #expect(sink.events[0].message == "renewed token ***")
        #expect(sink.events[0].value("header") == "Bearer ***")
    }

    @Test func jsonLinesAreOneObjectPerEvent() throws {
        let event = LogEvent(time: Date(timeIntervalSince1970: 1_733_300_000), level: .warning,
                             message: "rate limit\nwait", metadata: [("seconds", "3600")])

        let line = StreamSink.jsonLine(event)

        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object == ["time": "2024-12-04T08:13:20Z", "level": "warning", "message": "rate limit\nwait",
                           "seconds": "3600"])
    }
}

@Suite struct TextTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (Int64(951_782_400), "2000-02-29T00:00:00Z"),
        (Int64(1_722_383_400), "2024-07-30T23:50:00Z"),
        (Int64(-1), "1969-12-31T23:59:59Z"),
    ])
    func timestampsFormatInUTC(seconds: Int64, text: String) {
        #expect(Timestamp.format(seconds) == text)
    }

    @Test func daysAndCivilDatesRoundTrip() {
        for d in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (y, m, day) = Timestamp.civil(fromDays: d)
            #expect(Timestamp.days(year: y, month: m, day: day) == d)
        }
    }

    @Test func jsonQuotingEscapesLineBreaksOfEveryKind() {
        #expect(JSONText.quote("a\nb\r\u{0B}\u{2028}\u{2029}\u{85}\"\\") ==
            #""a\nb\r\u000b\u2028\u2029\u0085\"\\""#)
    }
}
