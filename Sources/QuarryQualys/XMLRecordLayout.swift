// Quarry — where the records sit in each API's XML page, and which elements Quarry knows.

import QuarryCore

/// The shape of one API's XML page: the record element, its container and its ID.
///
/// Direct children of a record whose name is not in `knownElements` are skipped with their
/// whole subtree and counted as `<api>.unknown_element.<NAME>` (BR-13).
public struct XMLRecordLayout: Sendable {
    public var api: SourceAPI
    /// Parent element of the records (`HOST_LIST`, `data`).
    public var container: String
    /// The record element (`HOST`, `HostAsset`).
    public var record: String
    /// Path of the required ID below the record (`ID`, `id`).
    public var idPath: String
    public var knownElements: Set<String>

    public init(api: SourceAPI, container: String, record: String, idPath: String, knownElements: Set<String>) {
        self.api = api
        self.container = container
        self.record = record
        self.idPath = idPath
        self.knownElements = knownElements
    }

    /// VM Host List `HOST_LIST_OUTPUT/RESPONSE/HOST_LIST/HOST`.
    ///
    /// `CLOUD_PROVIDER` is deliberately absent: Quarry takes the cloud provider from
    /// `METADATA` and `CLOUD_RESOURCE_ID`, and BR-13 expects it counted as unknown.
    public static let vm = XMLRecordLayout(
        api: .vm, container: "HOST_LIST", record: "HOST", idPath: "ID",
        knownElements: [
            "ID", "ASSET_ID", "IP", "IPV6", "TRACKING_METHOD", "NETWORK_ID", "DNS", "DNS_DATA",
            "CLOUD_SERVICE", "CLOUD_RESOURCE_ID", "EC2_INSTANCE_ID", "NETBIOS", "OS", "QG_HOSTID",
            "LAST_BOOT", "SERIAL_NUMBER", "HARDWARE_UUID", "FIRST_FOUND_DATE", "LAST_ACTIVITY",
            "AGENT_STATUS", "CLOUD_AGENT_RUNNING_ON", "TAGS", "METADATA", "CLOUD_PROVIDER_TAGS",
            "LAST_VULN_SCAN_DATETIME", "LAST_VM_SCANNED_DATE", "LAST_VM_SCANNED_DURATION",
            "LAST_VM_AUTH_SCANNED_DATE", "LAST_VM_AUTH_SCANNED_DURATION",
            "LAST_COMPLIANCE_SCAN_DATETIME", "LAST_SCAP_SCAN_DATETIME", "OWNER", "COMMENTS",
            "USER_DEF", "ASSET_GROUP_IDS", "ASSET_RISK_SCORE", "TRURISK_SCORE",
            "ASSET_CRITICALITY_SCORE", "AGENT_ID", "OS_HOSTNAME",
        ])

    /// QPS `ServiceResponse/data/HostAsset`.
    public static let qps = XMLRecordLayout(
        api: .qps, container: "data", record: "HostAsset", idPath: "id",
        knownElements: [
            "id", "name", "created", "modified", "type", "tags", "sourceInfo", "qwebHostId",
            "dnsHostName", "fqdn", "netbiosName", "address", "os", "lastVulnScan",
            "lastComplianceScan", "lastSystemBoot", "lastLoggedOnUser", "trackingMethod",
            "agentInfo", "isDockerHost", "timezone", "networkGuid", "manufacturer", "model",
            "totalMemory", "biosDescription", "networkInterface", "openPort", "software", "vuln",
            "processor", "volume", "account", "domainRole", "hwUUID", "biosSerialNumber",
            "biosAssetTag", "criticalityScore",
        ])

    public static func layout(for api: SourceAPI) -> XMLRecordLayout? {
        switch api {
        case .vm: vm
        case .qps: qps
        case .gav: nil
        }
    }
}
