// Quarry — simulated pages have the element and key paths of the real samples.

import Foundation
import Testing
@testable import QuarrySimulator

@Suite struct ShapeTests {
    static let tenant = Tenant(assets: 400, seed: 11, night: 1)

    static func render(_ body: (DocWriter) -> Void) -> Data {
        let w = DocWriter()
        body(w)
        return Data(w.finish())
    }

    @Test func hostAssetPageUsesOnlyPathsOfTheRealSamples() throws {
        var real: Set<String> = []
        for name in ["hostasset-agent-qagent-lastid", "hostasset-ec2-instance", "hostasset-azure-vm",
                     "hostasset-gcp-instance", "hostasset-ec2-by-qwebhostid"] {
            let doc = XMLPaths(try sharedFixture("fixtures/real/qps/\(name).xml"))
            try #require(doc.ok)
            real.formUnion(doc.paths)
        }
        let (records, more) = Self.tenant.page(.qps, after: 0, limit: 250)
        #expect(more)
        let doc = XMLPaths(Self.render { Self.tenant.writeQPSPage(records, hasMore: more, dirty: false, to: $0) })
        try #require(doc.ok)
        // Documented in qualys-api.md §2.3 but absent from the five samples.
        let documentedExtras: Set<String> = [
            "data/HostAsset/networkInterface/list/HostAssetInterface/macAddress",
            "data/HostAsset/networkInterface/list/HostAssetInterface/gatewayAddress",
            "data/HostAsset/sourceInfo/list/GcpAssetSourceSimple/hostname",
            "data/HostAsset/netbiosName",
            "data/HostAsset/sourceInfo/list/AzureAssetSourceSimple/publicIpAddress",
        ]
        let unknown = doc.paths.subtracting(real).subtracting(documentedExtras)
        #expect(unknown.isEmpty, "paths not in the real samples: \(unknown.sorted())")
        for required in ["responseCode", "count", "hasMoreRecords", "lastId", "data/HostAsset/id",
                         "data/HostAsset/qwebHostId", "data/HostAsset/agentInfo/agentId",
                         "data/HostAsset/tags/list/TagSimple/name", "data/HostAsset/sourceInfo/list/AssetSource",
                         "data/HostAsset/sourceInfo/list/Ec2AssetSourceSimple/instanceId",
                         "data/HostAsset/sourceInfo/list/AzureAssetSourceSimple/vmId",
                         "data/HostAsset/sourceInfo/list/GcpAssetSourceSimple/projectId",
                         "data/HostAsset/networkInterface/list/HostAssetInterface/address",
                         "data/HostAsset/openPort/list", "data/HostAsset/trackingMethod"] {
            #expect(doc.paths.contains(required), "missing \(required)")
        }
        #expect(doc.texts["count"] == ["250"])
        #expect(doc.texts["lastId"] == [doc.texts["data/HostAsset/id"]!.last!])
        #expect(Set(doc.texts["data/HostAsset/trackingMethod"]!) == ["QAGENT", "IP", "DNS", "INSTANCE_ID",
                                                                    "VIRTUAL_MACHINE_ID"])
    }

    @Test func qpsRootCarriesTheNamespaceAttributesOfTheSamples() {
        let page = String(decoding: Self.render { Self.tenant.writeQPSPage([], hasMore: false, dirty: false, to: $0) },
                          as: UTF8.self)
        #expect(page.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceResponse "
            + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            + "xsi:noNamespaceSchemaLocation=\"https://qualysapi.qualys.com/qps/xsd/2.0/am/hostasset.xsd\">"))
    }

    @Test func hostListPageUsesTheDocumentedHostChildren() throws {
        let documented: Set<String> = [
            "ID", "ASSET_ID", "IP", "IPV6", "TRACKING_METHOD", "NETWORK_ID", "DNS", "DNS_DATA", "DNS_DATA/HOSTNAME",
            "DNS_DATA/DOMAIN", "DNS_DATA/FQDN", "CLOUD_PROVIDER", "CLOUD_SERVICE", "CLOUD_RESOURCE_ID",
            "EC2_INSTANCE_ID", "NETBIOS", "OS", "QG_HOSTID", "LAST_BOOT", "SERIAL_NUMBER", "HARDWARE_UUID",
            "FIRST_FOUND_DATE", "LAST_ACTIVITY", "AGENT_STATUS", "CLOUD_AGENT_RUNNING_ON", "TAGS", "TAGS/TAG",
            "TAGS/TAG/TAG_ID", "TAGS/TAG/NAME", "METADATA", "LAST_VULN_SCAN_DATETIME", "LAST_VM_SCANNED_DATE",
            "LAST_VM_SCANNED_DURATION", "LAST_VM_AUTH_SCANNED_DATE", "LAST_VM_AUTH_SCANNED_DURATION",
        ]
        let (records, more) = Self.tenant.page(.vm, after: 0, limit: 300)
        var options = HostListOptions()
        options.details = "All"; options.showAssetID = true; options.showTags = true; options.metadata = true
        let data = Self.render {
            Self.tenant.writeHostListPage(records, nextURL: "http://127.0.0.1:1/api/2.0/fo/asset/host/?id_min=5",
                                          options: options, dirty: false, to: $0)
        }
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE HOST_LIST_OUTPUT SYSTEM "))
        let doc = XMLPaths(data)
        try #require(doc.ok && more)
        let host = "RESPONSE/HOST_LIST/HOST/"
        let children = Set(doc.paths.filter { $0.hasPrefix(host) }.map { String($0.dropFirst(host.count)) })
        let unknown = children.filter { !documented.contains($0) && !$0.hasPrefix("METADATA/") }
        #expect(unknown.isEmpty, "undocumented HOST children: \(unknown.sorted())")
        for required in ["ID", "ASSET_ID", "IP", "TRACKING_METHOD", "DNS", "DNS_DATA/FQDN", "NETBIOS", "OS",
                         "QG_HOSTID", "EC2_INSTANCE_ID", "CLOUD_PROVIDER", "CLOUD_RESOURCE_ID", "HARDWARE_UUID",
                         "SERIAL_NUMBER", "FIRST_FOUND_DATE", "LAST_ACTIVITY", "LAST_VULN_SCAN_DATETIME",
                         "LAST_VM_SCANNED_DATE", "TAGS/TAG/TAG_ID", "TAGS/TAG/NAME", "METADATA/EC2/ATTRIBUTE/VALUE"] {
            #expect(children.contains(required), "missing HOST/\(required)")
        }
        #expect(doc.texts["RESPONSE/WARNING/CODE"] == ["1980"])
        #expect(Set(doc.texts[host + "TRACKING_METHOD"]!).isSuperset(of: ["AGENT", "IP", "EC2"]))
        #expect(text.contains("<DNS><![CDATA["))
    }

    @Test func gavPageHasTheEnvelopeAndOnlySchemaKeys() throws {
        let schema = try JSONSerialization.jsonObject(with: try sharedFixture(
            "fixtures/real/gav/am-v1-assets-host-list-schema-example.json")) as! [String: Any]
        let schemaAsset = (schema["assetListData"] as! [String: Any])["asset"] as! [Any]
        let schemaPaths = jsonPaths(schemaAsset)
        let (records, more) = Self.tenant.page(.gav, after: 0, limit: 300)
        let data = Self.render { Self.tenant.writeGAVPage(records, hasMore: more, dirty: false, to: $0) }
        let page = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(page.keys) == Set(schema.keys))
        #expect(page["responseCode"] as? String == "SUCCESS" && page["hasMore"] as? Int == 1)
        #expect(page["count"] as? Int == 300)
        let assets = (page["assetListData"] as! [String: Any])["asset"] as! [[String: Any]]
        #expect("\(page["lastSeenAssetId"]!)" == "\(assets.last!["assetId"]!)")
        let paths = jsonPaths(assets)
        // §1.6 fields the schema example lacks.
        let documentedExtras: Set<String> = [
            "networkInterfaceListData.networkInterface.manufacturer", "operatingSystem.architecture",
            "agent.errorStatus", "sensor.lastVmScanDateScanner", "sensor.lastVmScanDateAgent",
            "cloudProvider.aws.ec2.region.code", "cloudProvider.aws.ec2.region.name",
            "cloudProvider.gcp.compute.projectNumber", "hwUUID",
        ]
        let unknown = paths.subtracting(schemaPaths).subtracting(documentedExtras)
        #expect(unknown.isEmpty, "keys not in the schema example: \(unknown.sorted())")
        for required in ["assetId", "assetUUID", "hostId", "agentId", "hwUUID", "biosSerialNumber",
                         "networkInterfaceListData.networkInterface.macAddress", "cloudProvider.aws.ec2.instanceId",
                         "cloudProvider.azure.vm.vmId", "cloudProvider.gcp.compute.instanceId", "sensor.lastVMScan",
                         "inventory.source", "activity.lastScannedDate", "tagList.tag.tagName", "agent.lastCheckedIn"] {
            #expect(paths.contains(required), "missing \(required)")
        }
        let sources = Set(assets.compactMap { ($0["inventory"] as? [String: Any])?["source"] as? String })
        #expect(sources == ["QAGENT", "IP SCANNER", "PASSIVE_SENSOR", "AWS", "AZURE", "GCP"])
        // Mixed timestamp formats: ISO strings with millis next to epoch-ms numbers; 0 = never.
        let created = try #require(assets[0]["createdDate"] as? String)
        #expect(created.count == 24 && created.hasSuffix("Z") && created.contains("."))
        #expect(assets.contains { (($0["sensor"] as? [String: Any])?["lastVMScan"] as? Int) == 0 })
    }
}
