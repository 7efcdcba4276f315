// Quarry — the streaming XML reader against real Qualys samples and the BR cases.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

@Suite struct XMLReaderTests {
    @Test func qpsAgentPageWithLastIdAndSplitAgentId() throws {
        let p = try Fixture.xml("fixtures/real/qps/hostasset-agent-qagent-lastid.xml", layout: .qps)
        #expect(p.records.map(\.recordID) == ["3043442", "3043442"])
        let r = p.records[0]
        #expect(r.first("name") == "102115-M83")
        #expect(r.first("qwebHostId") == "12688456922")
        #expect(r.first("address") == "10.100.11.163")
        #expect(r.first("created") == "2016-11-04T11:43:40Z")
        #expect(r.first("trackingMethod") == "QAGENT")
        #expect(r.first("agentInfo/agentId") == "2e689bb2-53ab-4a58-be0a-\n a7576964f310")
        #expect(r.first("agentInfo/agentConfiguration/name") == "Initial Profile - SSN3")
        #expect(r.all("tags/list/TagSimple/name") == ["Cloud Agent"])
        #expect(r.first("sourceInfo/list/AssetSource") == "")
        #expect(r.first("openPort/list") == "")
        #expect(r.locator == Locator(api: .qps, page: 1, position: 1))
        let env = QPSEnvelope(p)
        #expect(env.responseCode == "SUCCESS")
        #expect(env.count == 6)
        #expect(env.hasMoreRecords == false)
        #expect(env.lastId == "5693290")
        #expect(p.unknownElements.isEmpty)
    }

    @Test func qpsAzureTrimsModifiedAndKeepsMAC() throws {
        let p = try Fixture.xml("fixtures/real/qps/hostasset-azure-vm.xml", layout: .qps)
        #expect(p.records.map(\.recordID) == ["2584223", "15127499"])
        #expect(p.records[1].first("modified") == "2020-08-05T19:00:23Z")
        #expect(p.records[0].first("sourceInfo/list/AzureAssetSourceSimple/macAddress") == "00-0D-3A-C4-8H-3F")
        #expect(p.records[0].first("sourceInfo/list/AzureAssetSourceSimple/vmId")
            == "399af5dc-c32a-4c40-95a5-c6ed0e786430")
        #expect(p.records[0].first("sourceInfo/list/AzureAssetSourceSimple/azureVmTags/tags/list/AzureTags/value")
            == "Owner Name")
        #expect(p.records[1].first("networkInterface/list/HostAssetInterface/hostname") == "TestNullPointer-MN")
    }

    @Test func qpsInterfacesKeepTheirOwnGroup() throws {
        let p = try Fixture.xml("fixtures/real/qps/hostasset-ec2-by-qwebhostid.xml", layout: .qps)
        let r = try #require(p.records.first)
        #expect(r.recordID == "84047683")
        #expect(r.first("qwebHostId") == "107800671")
        let base = "networkInterface/list/HostAssetInterface/"
        let addresses = r.fields.filter { $0.path == base + "address" }
        let types = r.fields.filter { $0.path == base + "type" }
        #expect(addresses.map(\.value) == ["172.31.66.126", "203.0.113.110"])
        #expect(types.map(\.value) == ["PRIVATE", "PUBLIC"])
        #expect(addresses[0].group == types[0].group)
        #expect(addresses[1].group == types[1].group)
        #expect(addresses[0].group != addresses[1].group)
        let env = QPSEnvelope(p)
        #expect(env.hasMoreRecords == false)
        #expect(env.lastId == nil)
        #expect(env.count == 1)
    }

    @Test func qpsEC2AndGCPValues() throws {
        let ec2 = try Fixture.xml("fixtures/real/qps/hostasset-ec2-instance.xml", layout: .qps)
        #expect(ec2.records.map(\.recordID) == ["709837", "709838"])
        #expect(ec2.records[0].first("networkInterface/list/HostAssetInterface/interfaceName")
            == "Primary network\ninterface")
        let tags = "sourceInfo/list/Ec2AssetSourceSimple/ec2InstanceTags/tags/list/EC2Tags/key"
        #expect(ec2.records[1].all(tags) == ["Department", "Owner", "Email", "JIRA", "Name", "Lifecycle"])
        #expect(ec2.records[1].first("sourceInfo/list/Ec2AssetSourceSimple/accountId") == "123456789012")
        #expect(QPSEnvelope(ec2).hasMoreRecords == nil)
        let gcp = try Fixture.xml("fixtures/real/qps/hostasset-gcp-instance.xml", layout: .qps)
        #expect(gcp.records.map(\.recordID) == ["13569200", "13569293"])
        #expect(gcp.records[0].first("sourceInfo/list/GcpAssetSourceSimple/macAddress") == "42:01:0a:f0:00:a4")
        #expect(gcp.records[1].first("sourceInfo/list/GcpAssetSourceSimple/instanceId") == "2152878541443265333")
        #expect(gcp.records[0].all("sourceInfo/list/AssetSource") == [""])
    }

    @Test func qpsErrorBodies() throws {
        let creds = try Fixture.xml("fixtures/real/qps/error-invalid-credentials.xml", layout: .qps)
        #expect(QPSEnvelope(creds).responseCode == "INVALID_CREDENTIALS")
        #expect(QPSEnvelope(creds).errorMessage == "Authentication failed")
        let bad = try Fixture.xml("fixtures/real/qps/error-invalid-request-bad-criteria.xml", layout: .qps)
        #expect(QPSEnvelope(bad).responseCode == "INVALID_REQUEST")
        #expect(QPSEnvelope(bad).errorMessage == "Criteria: Invalid value format for criteria 'qwebHostId' (abc123).")
        #expect(QPSEnvelope(bad).errorResolution == "Specify criteria value(s) as Long.")
        #expect(bad.records.isEmpty)
    }

    @Test func vmIdSetWithTrailingComments() throws {
        let p = try Fixture.xml("fixtures/real/vm/host-list-details-none-ids-only.xml", layout: .vm)
        #expect(p.root == "HOST_LIST_OUTPUT")
        #expect(p.values("HOST_LIST_OUTPUT/RESPONSE/ID_SET/ID") == ["107800671"])
        #expect(p.value("HOST_LIST_OUTPUT/RESPONSE/DATETIME") == "2020-09-28T01:41:27Z")
        #expect(VMEnvelope(p).nextURL == nil)
    }

    @Test(arguments: [
        ("409-1960-concurrency-limit.xml", "1960", "CALLS_TO_FINISH", "2"),
        ("409-1965-rate-limit.xml", "1965", "SECONDS_TO_WAIT", "68928"),
        ("409-2003-registration-incomplete.xml", "2003", "SECONDS_TO_WAIT", "68928"),
        ("409-2011-secureid-required.xml", "2011", "SECONDS_TO_WAIT", "68928"),
    ])
    func simpleReturnBodies(file: String, code: String, key: String, value: String) throws {
        let p = try Fixture.xml("fixtures/real/errors/" + file, layout: .vm)
        let sr = try #require(SimpleReturn(p))
        #expect(sr.code == code)
        #expect(sr.items[key] == value)
        #expect(!sr.text.isEmpty && sr.text == sr.text.trimmingCharacters(in: .whitespaces))
    }

    @Test func simpleReturnAccountExpired() throws {
        let p = try Fixture.xml("fixtures/real/errors/simple-return-2001-account-expired.xml", layout: .vm)
        let sr = try #require(SimpleReturn(p))
        #expect(sr.code == "2001")
        #expect(sr.text == "This account has expired.")
        #expect(sr.secondsToWait == nil)
    }

    @Test func br03WarningDecidesByCodeAndURL() throws {
        let p1 = try Fixture.xml("cases/BR-03/page-1-host-list.xml", layout: .vm)
        #expect(p1.records.map(\.recordID) == ["1001", "1002", "1003"])
        #expect(p1.records[0].first("DNS_DATA/HOSTNAME") == "app-a")
        #expect(p1.records[0].first("ASSET_ID") == "7001")
        #expect(VMEnvelope(p1).nextURL == "https://qualysapi.example.com/api/2.0/fo/asset/host/"
            + "?action=list&truncation_limit=3&details=Basic&id_min=1004")
        let p2 = try Fixture.xml("cases/BR-03/page-2-host-list.xml", layout: .vm)
        #expect(p2.records.map(\.recordID) == ["1004", "1005"])
        #expect(VMEnvelope(p2).nextURL == nil)
        var other = ParsedPage()
        other.envelope = [("HOST_LIST_OUTPUT/RESPONSE/WARNING/CODE", "1981"),
                          ("HOST_LIST_OUTPUT/RESPONSE/WARNING/TEXT", "Use URL to get next batch of results."),
                          ("HOST_LIST_OUTPUT/RESPONSE/WARNING/URL", "https://x/?id_min=9")]
        #expect(VMEnvelope(other).nextURL == nil)
    }

    @Test(arguments: [1, 7, 64 * 1024])
    func br05IllegalBytesRepaired(chunk: Int) throws {
        let p = try Fixture.xml("cases/BR-05/host-list-illegal-bytes.xml", layout: .vm, chunk: chunk)
        #expect(p.records.map(\.recordID) == ["3101", "3102", "3103", "3104"])
        #expect(p.records[0].first("NETBIOS") == "PRN\u{FFFD}51")
        #expect(p.records[1].first("NETBIOS") == "CAM-52\u{FFFD}[0m")
        #expect(p.records[2].first("DNS") == "caf\u{FFFD}-pos-53.example.com")
        #expect(p.records[2].first("NETBIOS") == "CAF\u{FFFD}-POS-53")
        #expect(p.records[3].first("NETBIOS") == "CLEAN-54")
        #expect(p.records[0].repairs == [TextRepair(path: "NETBIOS", kind: .controlCharacter, count: 1)])
        #expect(p.records[1].repairs == [TextRepair(path: "NETBIOS", kind: .controlCharacter, count: 1)])
        #expect(p.records[2].repairs == [TextRepair(path: "DNS", kind: .invalidUTF8, count: 1),
                                         TextRepair(path: "NETBIOS", kind: .invalidUTF8, count: 1)])
        #expect(p.records[3].repairs.isEmpty)
        #expect(p.records.flatMap(\.repairs).count == 4)
    }

    @Test(arguments: [1, 3, 64 * 1024])
    func br17ForbiddenCharacterReferences(chunk: Int) throws {
        let p = try Fixture.xml("cases/BR-17/host-list-forbidden-charrefs.xml", layout: .vm, chunk: chunk)
        #expect(p.records.map(\.recordID) == ["7101", "7102", "7103", "7104"])
        #expect(p.records[0].first("NETBIOS") == "SW-71\u{FFFD}")
        #expect(p.records[1].first("NETBIOS") == "AP\u{FFFD}-72\u{FFFD}")
        #expect(p.records[1].first("OS") == "Embedded & Co. firmware 3")
        #expect(p.records[2].first("DNS") == "café-73.example.com")
        #expect(p.records[2].first("OS") == "Windows 11 — kiosk")
        #expect(p.records[2].first("NETBIOS") == "KEEP&#0;LITERAL")
        #expect(p.records[0].repairs == [TextRepair(path: "NETBIOS", kind: .forbiddenCharacterReference, count: 1)])
        #expect(p.records[1].repairs == [TextRepair(path: "NETBIOS", kind: .forbiddenCharacterReference, count: 2)])
        #expect(p.records[2].repairs.isEmpty && p.records[3].repairs.isEmpty)
    }

    @Test func br13OptionalMissingEmptyAndUnknown() throws {
        let p = try Fixture.xml("cases/BR-13/host-list-optional-elements.xml", layout: .vm)
        #expect(p.records.map(\.recordID) == ["5101", "5102", "5103", "5104"])
        let half = p.records[2]
        #expect(half.first("DNS") == "")
        #expect(half.first("DNS_DATA/HOSTNAME") == "half-163")
        #expect(half.first("DNS_DATA/DOMAIN") == "")
        #expect(half.first("DNS_DATA/FQDN") == nil)
        #expect(half.first("NETBIOS") == "")
        #expect(half.first("OS") == "")
        #expect(half.first("LAST_VULN_SCAN_DATETIME") == "")
        let new = p.records[3]
        #expect(new.first("OS") == "Windows 11")
        #expect(new.first("TRACKING_METHOD") == nil)
        #expect(new.fields.allSatisfy { !$0.path.hasPrefix("SOME_FUTURE_BLOCK") && !$0.path.hasPrefix("CLOUD_PROVIDER") })
        #expect(new.first("ITEM") == nil)
        #expect(p.unknownElements == ["CLOUD_PROVIDER": 1, "SOME_FUTURE_BLOCK": 1])
        #expect(p.rejects.count == 1)
        let reject = try #require(p.rejects.first)
        #expect(reject.source == "vm")
        #expect(reject.locator == "vm page 1 record 5")
        #expect(reject.reason == "missing required field ID")
        #expect(reject.excerpt.contains("IP=192.0.2.165"))
    }

    @Test func truncatedPageNamesPageLineAndColumn() throws {
        let data = try Fixture.data("cases/BR-03/page-1-host-list.xml")
        let cut = data.prefix(900)
        #expect {
            _ = try Fixture.xml(Data(cut), layout: .vm, page: 7)
        } throws: { error in
            guard case let ExtractError.malformedPage(api, page, line, _, message) = error else { return false }
            return api == .vm && page == 7 && line > 1 && !message.isEmpty
                && "\(error)".hasPrefix("vm page 7: not well-formed at line")
        }
    }

    @Test func emptyBodyIsNotAPage() throws {
        #expect {
            _ = try Fixture.xml(Data(), layout: .vm, page: 2)
        } throws: { error in
            guard case let ExtractError.malformedPage(api, page, _, _, _) = error else { return false }
            return api == .vm && page == 2
        }
    }

    @Test func repairNeverRenamesTags() throws {
        let doc = "<HOST_LIST_OUTPUT><RESPONSE><HOST_LIST><HOST><ID>1</ID><N\u{01}AME>x</N\u{01}AME></HOST>"
            + "</HOST_LIST></RESPONSE></HOST_LIST_OUTPUT>"
        #expect(throws: ExtractError.self) { _ = try Fixture.xml(Data(doc.utf8), layout: .vm) }
    }

    @Test func attributesAndCommentsAndCDATASplitAcrossChunks() throws {
        let doc = """
            <?xml version="1.0"?><!-- <![CDATA[ not a section &#0; --><ServiceResponse><data>\
            <HostAsset kind="a&amp;b"><id>9</id><name><![CDATA[x &#1; ]]]]></name><v>&#x1;</v></HostAsset>\
            </data></ServiceResponse><!-- tail -->
            """
        for chunk in [1, 2, 5, 1000] {
            let p = try Fixture.xml(Data(doc.utf8), layout: XMLRecordLayout(
                api: .qps, container: "data", record: "HostAsset", idPath: "id", knownElements: ["id", "name", "v"]),
                chunk: chunk)
            let r = try #require(p.records.first)
            #expect(r.first("@kind") == "a&b")
            #expect(r.first("name") == "x &#1; ]]")
            #expect(r.first("v") == "\u{FFFD}")
            #expect(r.repairs == [TextRepair(path: "v", kind: .forbiddenCharacterReference, count: 1)])
        }
    }
}
