// Quarry — the GAV JSON page reader.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

@Suite struct JSONReaderTests {
    @Test func schemaExampleEnvelopeAndPaths() throws {
        let p = try JSONPageReader.read(Fixture.data("fixtures/real/gav/am-v1-assets-host-list-schema-example.json"),
                                        page: 1)
        #expect(p.records.count == 2)
        #expect(p.value("hasMore") == "<integer>")
        #expect(p.value("lastSeenAssetId") == "<long>")
        #expect(p.value("responseCode") == "<string>")
        let r = p.records[0]
        #expect(r.recordID == "<long>")
        #expect(r.first("cloudProvider.aws.ec2.region.code") == "<string>")
        #expect(r.all("agent.activations.key").count == 2)
        #expect(r.first("networkInterfaceListData.networkInterface.addressIpV4") == "<string>")
        let keys = r.fields.filter { $0.path == "agent.activations.key" }
        let statuses = r.fields.filter { $0.path == "agent.activations.status" }
        #expect(keys[0].group == statuses[0].group && keys[0].group != keys[1].group)
        #expect(p.unknownElements.isEmpty)
        let count = try JSONPageReader.read(Fixture.data("fixtures/real/gav/am-v1-assets-host-count-schema-example.json"),
                                            page: 1)
        #expect(count.records.isEmpty)
        #expect(count.value("count") == "<long>")
    }

    @Test func br01MultiAddressStringsStayIntactWithTheirInterface() throws {
        let p = try JSONPageReader.read(Fixture.data("cases/BR-01/gav-assets-multi-ip.json"), page: 1)
        #expect(p.records.map(\.recordID) == ["4100001", "4100002", "4100003"])
        let env = GAVEnvelope(p)
        #expect(env.hasMore == false && env.lastSeenAssetId == "4100003" && env.count == 3)
        let r = p.records[0]
        let base = "networkInterfaceListData.networkInterface."
        let v4 = r.fields.filter { $0.path == base + "addressIpV4" }
        let names = r.fields.filter { $0.path == base + "interfaceName" }
        #expect(v4.map(\.value) == ["192.0.2.21, 192.0.2.22, 192.0.2.23", "198.51.100.40"])
        #expect(names.map(\.value) == ["bond0", "eth2"])
        #expect(v4[0].group == names[0].group && v4[1].group == names[1].group && v4[0].group != v4[1].group)
        #expect(r.all(base + "addressIpV6") == ["2001:db8::40"])  // null gives no field
        #expect(r.first("hostId") == "880001")
        #expect(p.records[1].first(base + "addressIpV6") == "2001:db8::30, 2001:db8::31")
        #expect(p.records[2].first(base + "addressIpV4") == "203.0.113.9, 203.0.113.300")
    }

    @Test func numbersKeepTheirTextAndStringsRoundTrip() throws {
        let json = """
            {"hasMore":1,"lastSeenAssetId":1000000000001,"assetListData":{"asset":[
             {"assetId":1000000000001,"totalMemory":1.0e12,"cpuCount":-2,"isVirtualMachine":true,
              "hwUUID":null,"dnsName":"","biosDescription":"a\\nb \\"q\\" \\u00e9 \\ud83d\\ude00 \\u2028",
              "lastLoggedOnUser":"EXAMPLE\\\\ops","futureKey":{"x":1},"tagList":{"tag":[]}}]}}
            """
        let p = try JSONPageReader.read(Data(json.utf8), page: 3)
        let r = try #require(p.records.first)
        #expect(r.recordID == "1000000000001")
        #expect(r.first("totalMemory") == "1.0e12")
        #expect(r.first("cpuCount") == "-2")
        #expect(r.first("isVirtualMachine") == "true")
        #expect(r.first("hwUUID") == nil)
        #expect(r.first("dnsName") == "")
        #expect(r.first("biosDescription") == "a\nb \"q\" é 😀 \u{2028}")
        #expect(r.first("lastLoggedOnUser") == "EXAMPLE\\ops")
        #expect(r.first("futureKey.x") == nil)
        #expect(p.unknownElements == ["futureKey": 1])
        #expect(r.locator == Locator(api: .gav, page: 3, position: 1))
        #expect(GAVEnvelope(p).hasMore == true)
    }

    @Test func missingAssetIdIsRejectedAndTruncationFails() throws {
        let json = #"{"hasMore":0,"assetListData":{"asset":[{"assetId":1},{"address":"192.0.2.9"}]}}"#
        let p = try JSONPageReader.read(Data(json.utf8), page: 1)
        #expect(p.records.map(\.recordID) == ["1"])
        #expect(p.rejects.first?.reason == "missing required field assetId")
        #expect(p.rejects.first?.excerpt == "address=192.0.2.9")
        #expect(p.rejects.first?.locator == "gav page 1 record 2")
        #expect {
            _ = try JSONPageReader.read(Data(json.utf8.prefix(40)), page: 4)
        } throws: { error in
            guard case let ExtractError.malformedPage(api, page, line, _, _) = error else { return false }
            return api == .gav && page == 4 && line == 1
        }
    }
}
