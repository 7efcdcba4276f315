// Quarry — canonical identity roles a schema column can feed to entity resolution.

/// What a column means to deduplication and to the `assets` table.
///
/// The first twelve cases are identity keys (hashed and compared); the rest are carried to
/// survivorship, coverage and sensor classification.
public enum Role: UInt8, Sendable, CaseIterable {
    case assetID, hostID, agentID, instanceID, hwUUID, serial, mac, fqdn, ipv4, ipv6, hostname, netbios
    case os, firstSeen, lastSeen, lastScan, lastModified, trackingMethod, sensorSource
    case cloudProvider, cloudAccount, tags

    /// The name used in schema files.
    public var name: String {
        switch self {
        case .assetID: "asset_id"
        case .hostID: "host_id"
        case .agentID: "agent_id"
        case .instanceID: "instance_id"
        case .hwUUID: "hw_uuid"
        case .serial: "serial"
        case .mac: "mac"
        case .fqdn: "fqdn"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .hostname: "hostname"
        case .netbios: "netbios"
        case .os: "os"
        case .firstSeen: "first_seen"
        case .lastSeen: "last_seen"
        case .lastScan: "last_scan"
        case .lastModified: "last_modified"
        case .trackingMethod: "tracking_method"
        case .sensorSource: "sensor_source"
        case .cloudProvider: "cloud_provider"
        case .cloudAccount: "cloud_account"
        case .tags: "tags"
        }
    }

    public init?(name: String) {
        guard let r = Role.allCases.first(where: { $0.name == name }) else { return nil }
        self = r
    }

    /// Identity keys are hashed per record and compared across records.
    public var isKey: Bool { rawValue <= Role.netbios.rawValue }

    /// Roles whose values are timestamps (UTC seconds as decimal text).
    public var isTime: Bool { self == .firstSeen || self == .lastSeen || self == .lastScan || self == .lastModified }
}

/// The kind of sensor behind a source record.
public enum SensorKind: UInt8, Sendable, CaseIterable, Comparable {
    // Declared in survivorship priority: agent first.
    case agent, cloud, scanner, passive

    public var name: String {
        switch self {
        case .agent: "agent"
        case .cloud: "cloud"
        case .scanner: "scanner"
        case .passive: "passive"
        }
    }

    public static func < (a: SensorKind, b: SensorKind) -> Bool { a.rawValue < b.rawValue }
}
