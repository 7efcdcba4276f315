// Quarry — the tables the transform stage builds itself (not from schema files).

import QuarryCore

/// Schemas of `assets`, `asset_sources`, `coverage` and `rejects`.
public enum FixedTables {
    public static let assets = TableSchema(
        name: "assets",
        columns: [
            Column("asset_uid", .string),
            Column("name", .string),
            Column("hostname", .string),
            Column("fqdn", .string),
            Column("netbios_name", .string),
            Column("os", .string),
            Column("ipv4", .stringList),
            Column("ipv6", .stringList),
            Column("mac_addresses", .stringList),
            Column("qualys_asset_ids", .stringList),
            Column("qualys_host_ids", .stringList),
            Column("agent_id", .string),
            Column("agent_ids", .stringList),
            Column("cloud_provider", .string),
            Column("cloud_account", .string),
            Column("instance_id", .string),
            Column("hw_uuid", .string),
            Column("serial", .string),
            Column("sensors", .stringList),
            Column("first_seen", .timestamp),
            Column("last_seen", .timestamp),
            Column("last_seen_agent", .timestamp),
            Column("last_seen_cloud", .timestamp),
            Column("last_seen_scanner", .timestamp),
            Column("last_seen_passive", .timestamp),
            Column("last_vuln_scan", .timestamp),
            Column("tags", .stringList),
            Column("source_records", .integer),
        ],
        key: ["asset_uid"]
    )

    public static let assetSources = TableSchema(
        name: "asset_sources",
        columns: [
            Column("asset_uid", .string),
            Column("source_api", .string),
            Column("source_record_id", .string),
            Column("sensor", .string),
            Column("match_rule", .string),
            Column("matched_on", .string),
        ],
        key: ["source_api", "source_record_id"]
    )

    public static let coverage = TableSchema(
        name: "coverage",
        columns: [
            Column("asset_uid", .string),
            Column("sensors", .stringList),
            Column("has_agent", .boolean),
            Column("has_scanner", .boolean),
            Column("has_passive", .boolean),
            Column("has_cloud", .boolean),
            Column("last_seen_agent", .timestamp),
            Column("last_seen_cloud", .timestamp),
            Column("last_seen_scanner", .timestamp),
            Column("last_seen_passive", .timestamp),
            Column("last_seen", .timestamp),
            Column("not_seen_days", .integer),
            Column("unmanaged", .boolean),
            Column("agent_never_scanned", .boolean),
            Column("not_seen_recently", .boolean),
        ],
        key: ["asset_uid"]
    )

    public static let rejects = TableSchema(
        name: "rejects",
        columns: [
            Column("source", .string),
            Column("locator", .string),
            Column("record_id", .string),
            Column("reason", .string),
            Column("excerpt", .string),
        ],
        key: []
    )

    /// Rows of `rejects` for the quarantined items of a run, in the order they were reported.
    public static func rejectRows(_ rejects: [Reject]) -> RowBatch {
        RowBatch(table: "rejects", rows: rejects.map { r in
            [
                .string(r.source), .string(r.locator), r.recordID.map(Value.string) ?? .null,
                .string(r.reason), r.excerpt.isEmpty ? .null : .string(r.excerpt),
            ]
        })
    }
}
