// Quarry — the run report: what came in, what went out, where the time went.

import Foundation
import QuarryCore
import QuarryLoad

/// Figures of one run, printed on stderr at the end and stored in the manifest.
public struct RunReport: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var api: String
        public var records: Int
        public var pages: Int
        public var requests: Int
        public var retries: Int
        public var http409: Int
        public var duplicates: Int
        public var repairs: Int
        /// `full`, or `incremental` when only changes were asked for.
        public var mode = "full"
        /// Records taken from last night's spool because they did not change.
        public var unchanged = 0
    }

    public struct Coverage: Sendable, Equatable {
        /// Machines per combination of sensor kinds, e.g. `agent+scanner`.
        public var bySensors: [String: Int] = [:]
        public var unmanaged = 0
        public var agentNeverScanned = 0
        public var notSeenRecently = 0
        public var machines = 0
    }

    public var runID: String
    public var snapshotDate: String
    public var outputDir: String
    public var sources: [Source] = []
    /// Source records per sensor kind (from lineage).
    public var recordsBySensor: [String: Int] = [:]
    public var rejectsByReason: [String: Int] = [:]
    public var recordsBeforeDedup = 0
    public var assetsAfterDedup = 0
    public var recordsByMatchRule: [String: Int] = [:]
    public var identity: [String: Int] = [:]
    public var stages: [StageReport] = []
    public var coverage = Coverage()
    public var quality: [String] = []
    public var tableRows: [String: Int] = [:]
    public var unknownElements: [String: Int] = [:]
    public var textRepairs: [String: Int] = [:]
    /// `vm 3101: NETBIOS` — records whose text was repaired, and which fields.
    public var repairedRecords: [String] = []
    public var seconds: Double = 0
    public var cpuSeconds: Double = 0
    public var peakRSSBytes = 0

    /// The report as a JSON object for the manifest.
    public var json: JSONValue {
        func ints(_ d: [String: Int]) -> JSONValue { .object(d.mapValues { .integer(Int64($0)) }) }
        return .object([
            "sources": .array(sources.map { s in
                .object([
                    "api": .string(s.api), "records": .integer(Int64(s.records)), "pages": .integer(Int64(s.pages)),
                    "requests": .integer(Int64(s.requests)), "retries": .integer(Int64(s.retries)),
                    "http_409": .integer(Int64(s.http409)), "duplicates": .integer(Int64(s.duplicates)),
                    "text_repairs": .integer(Int64(s.repairs)), "mode": .string(s.mode),
                    "unchanged": .integer(Int64(s.unchanged)),
                ])
            }),
            "records_by_sensor": ints(recordsBySensor),
            "rejects_by_reason": ints(rejectsByReason),
            "records_before_dedup": .integer(Int64(recordsBeforeDedup)),
            "assets_after_dedup": .integer(Int64(assetsAfterDedup)),
            "records_by_match_rule": ints(recordsByMatchRule),
            "identity": ints(identity),
            "stages": .array(stages.map { s in
                .object([
                    "name": .string(s.name), "records_in": .integer(Int64(s.recordsIn)),
                    "records_out": .integer(Int64(s.recordsOut)), "seconds": .number(Self.round(s.seconds)),
                    "waited_on_input_s": .number(Self.round(s.waitedOnInput)),
                    "waited_on_output_s": .number(Self.round(s.waitedOnOutput)),
                    "mostly_waited_on": .string(s.mostlyWaitedOn),
                ])
            }),
            "coverage": .object([
                "machines": .integer(Int64(coverage.machines)),
                "by_sensors": ints(coverage.bySensors),
                "unmanaged": .integer(Int64(coverage.unmanaged)),
                "agent_never_scanned": .integer(Int64(coverage.agentNeverScanned)),
                "not_seen_recently": .integer(Int64(coverage.notSeenRecently)),
            ]),
            "quality": .array(quality.map(JSONValue.string)),
            "unknown_elements": ints(unknownElements),
            "text_repairs": ints(textRepairs),
            "repaired_records": .array(repairedRecords.map(JSONValue.string)),
            "seconds": .number(Self.round(seconds)),
            "cpu_seconds": .number(Self.round(cpuSeconds)),
            "peak_rss_bytes": .integer(Int64(peakRSSBytes)),
        ])
    }

    static func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// Human-readable lines for the end of a run.
    public var lines: [String] {
        var out: [String] = []
        func sorted(_ d: [String: Int]) -> String {
            d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        for s in sources {
            let mode = s.mode == "full" ? "" : " (\(s.mode): \(s.records - s.unchanged) changed, \(s.unchanged) unchanged)"
            out.append("source \(s.api): \(s.records) records\(mode), \(s.pages) pages, \(s.requests) requests, "
                + "\(s.retries) retries, \(s.http409) 409s, \(s.duplicates) duplicates, \(s.repairs) repaired values")
        }
        if !recordsBySensor.isEmpty { out.append("records by sensor: \(sorted(recordsBySensor))") }
        out.append("deduplication: \(recordsBeforeDedup) source records → \(assetsAfterDedup) machines")
        if !recordsByMatchRule.isEmpty { out.append("match rules: \(sorted(recordsByMatchRule))") }
        if !identity.isEmpty { out.append("identity: \(sorted(identity))") }
        let rejected = rejectsByReason.values.reduce(0, +)
        out.append("rejects: \(rejected)\(rejected == 0 ? "" : " (\(sorted(rejectsByReason)))")")
        if !textRepairs.isEmpty {
            out.append("repaired text values: \(sorted(textRepairs)); records: "
                + repairedRecords.prefix(20).joined(separator: ", ") + (repairedRecords.count > 20 ? ", …" : ""))
        }
        if !unknownElements.isEmpty { out.append("unknown elements (ignored): \(sorted(unknownElements))") }
        out.append("coverage: \(coverage.machines) machines; \(sorted(coverage.bySensors)); "
            + "unmanaged (no agent) \(coverage.unmanaged), agent never scanned \(coverage.agentNeverScanned), "
            + "not seen recently \(coverage.notSeenRecently)")
        for s in stages {
            out.append(String(format: "stage %@: in %d, out %d, %.2f s, waited on input %.2f s, on output %.2f s (%@)",
                              s.name, s.recordsIn, s.recordsOut, s.seconds, s.waitedOnInput, s.waitedOnOutput,
                              s.mostlyWaitedOn))
        }
        for q in quality { out.append("quality: \(q)") }
        out.append(String(format: "time %.2f s, CPU %.2f s, peak memory %.0f MB", seconds, cpuSeconds,
                          Double(peakRSSBytes) / 1_048_576))
        return out
    }
}
