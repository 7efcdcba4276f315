// Quarry — the readers' fast paths (word-wise byte scan, predicted paths) against slow ones.

import Foundation
import QuarryCore
import Testing
@testable import QuarryQualys

@Suite struct ReaderFastPathTests {
    /// Runs the filter over `input` in pieces of `chunk` bytes; returns output and repairs.
    private func filtered(_ input: [UInt8], chunk: Int) -> ([UInt8], Int) {
        var filter = ByteRepairFilter()
        var out: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(offset + chunk, input.count)
            input[offset..<end].withUnsafeBytes { filter.process($0, isFinal: false, into: &out) }
            offset = end
        }
        filter.process(UnsafeRawBufferPointer(start: nil, count: 0), isFinal: true, into: &out)
        return (out, filter.repairs)
    }

    /// Every special construct at every offset around an 8-byte word: the word-wise scan of a
    /// whole buffer must give what the byte-wise scan of 1-byte pieces gives.
    @Test func wordScanMatchesByteScanAtEveryOffset() {
        let tokens: [([UInt8], Int)] = [
            ([0x01], 1), ([0xFF], 1), (Array("&#0;".utf8), 1), (Array("&#x41;".utf8), 0),
            (Array("<!-- &#0; -->".utf8), 0), (Array("<![CDATA[&#1;]]>".utf8), 0),
            (Array("é".utf8), 0), ([0x09, 0x0A, 0x0D], 0), (Array("<!--\u{1}-->".utf8), 1),
            (Array("<![CDATA[\u{1}]]>".utf8), 1), ([0xEF, 0xBF, 0xBF], 1), (Array("<b/>".utf8), 0),
        ]
        for (token, repairs) in tokens {
            for pad in 0..<18 {
                let input = Array("<a>".utf8) + Array(repeating: 0x78, count: pad) + token
                    + Array(repeating: 0x79, count: 19 - pad) + Array("</a>".utf8)
                let whole = filtered(input, chunk: input.count)
                let bytewise = filtered(input, chunk: 1)
                #expect(whole.0 == bytewise.0, "token \(token) after \(pad) bytes")
                #expect(whole.1 == repairs && bytewise.1 == repairs, "token \(token) after \(pad) bytes")
                if repairs == 0 { #expect(whole.0 == input, "token \(token) after \(pad) bytes") }
            }
        }
        let control = filtered(Array("<a>1234567\u{1}9</a>".utf8), chunk: 64)
        #expect(control.0 == Array("<a>1234567".utf8) + [0xEF, 0xB7, 0x90] + Array("9</a>".utf8))
    }

    /// Clean bytes pass through without a copy; anything repaired or held back is copied.
    @Test func cleanChunksPassThrough() {
        var filter = ByteRepairFilter()
        var out: [UInt8] = []
        let clean = Array("<a>plain text, no specials</a>".utf8)
        #expect(clean.withUnsafeBytes { filter.processPassingThrough($0, into: &out) })
        #expect(out.isEmpty)
        let dirty = Array("<b>x\u{1}y</b>".utf8)
        #expect(!dirty.withUnsafeBytes { filter.processPassingThrough($0, into: &out) })
        #expect(out == Array("<b>x".utf8) + [0xEF, 0xB7, 0x90] + Array("y</b>".utf8))
        out.removeAll()
        let cut = Array("<c>caf".utf8) + [0xC3]
        #expect(!cut.withUnsafeBytes { filter.processPassingThrough($0, into: &out) })
        #expect(out == Array("<c>caf".utf8))
        out.removeAll()
        let rest: [UInt8] = [0xA9] + Array("</c>".utf8)
        #expect(!rest.withUnsafeBytes { filter.processPassingThrough($0, into: &out) })
        #expect(out == [0xC3, 0xA9] + Array("</c>".utf8))
        #expect(filter.repairs == 1)
    }

    /// Records whose children change order, repeat, appear late or are unknown: predicted
    /// paths must never give a value the wrong path.
    @Test(arguments: [1, 5, 64 * 1024])
    func xmlRecordsOfChangingShape(chunk: Int) throws {
        let xml = """
            <HOST_LIST_OUTPUT><RESPONSE><HOST_LIST>
            <HOST><ID>1</ID><IP>10.0.0.1</IP><DNS_DATA><HOSTNAME>a</HOSTNAME><DOMAIN>d</DOMAIN></DNS_DATA></HOST>
            <HOST><IP>10.0.0.2</IP><ID>2</ID><DNS_DATA><DOMAIN>e</DOMAIN><HOSTNAME>b</HOSTNAME></DNS_DATA></HOST>
            <HOST><ID>3</ID><CLOUD_PROVIDER>x</CLOUD_PROVIDER><TAGS><TAG><NAME>t1</NAME></TAG>\
            <TAG><NAME>t2</NAME></TAG></TAGS><IP>10.0.0.3</IP></HOST>
            <HOST><NETBIOS>N4</NETBIOS><IP>10.0.0.4</IP></HOST>
            <HOST><ID>5</ID><ID>6</ID><OS a="1">Linux</OS></HOST>
            </HOST_LIST><WARNING><CODE>1980</CODE></WARNING></RESPONSE></HOST_LIST_OUTPUT>
            """
        let p = try Fixture.xml(Data(xml.utf8), layout: .vm, chunk: chunk)
        #expect(p.records.map(\.recordID) == ["1", "2", "3", "5"])
        #expect(p.records[0].fields == [
            SourceField(path: "ID", value: "1", group: 0), SourceField(path: "IP", value: "10.0.0.1", group: 0),
            SourceField(path: "DNS_DATA/HOSTNAME", value: "a", group: 3),
            SourceField(path: "DNS_DATA/DOMAIN", value: "d", group: 3),
        ])
        #expect(p.records[1].fields == [
            SourceField(path: "IP", value: "10.0.0.2", group: 0), SourceField(path: "ID", value: "2", group: 0),
            SourceField(path: "DNS_DATA/DOMAIN", value: "e", group: 3),
            SourceField(path: "DNS_DATA/HOSTNAME", value: "b", group: 3),
        ])
        #expect(p.records[2].fields == [
            SourceField(path: "ID", value: "3", group: 0),
            SourceField(path: "TAGS/TAG/NAME", value: "t1", group: 3),
            SourceField(path: "TAGS/TAG/NAME", value: "t2", group: 5),
            SourceField(path: "IP", value: "10.0.0.3", group: 0),
        ])
        #expect(p.records[3].fields == [
            SourceField(path: "ID", value: "5", group: 0), SourceField(path: "ID", value: "6", group: 0),
            SourceField(path: "OS/@a", value: "1", group: 3), SourceField(path: "OS", value: "Linux", group: 0),
        ])
        #expect(p.rejects.map(\.reason) == ["missing required field ID"])
        #expect(p.rejects.first?.locator == "vm page 1 record 4")
        #expect(p.unknownElements == ["CLOUD_PROVIDER": 1])
        #expect(p.value("HOST_LIST_OUTPUT/RESPONSE/WARNING/CODE") == "1980")
    }

    /// Assets whose keys change order, nest differently, escape a key or are unknown.
    @Test func jsonAssetsOfChangingShape() throws {
        let json = #"""
            {"hasMore":0,"assetListData":{"asset":[
             {"assetId":1,"address":"a1","hardware":{"model":"m1","manufacturer":"v1"}},
             {"address":"a2","assetId":2,"hardware":{"manufacturer":"v2","model":"m2"},"zzz":{"k":1}},
             {"assetId":3,"ass\u0065tName":"n3","tagList":{"tag":[{"tagId":7},{"tagName":"t"}]}},
             {"address":"a4"},
             {"assetId":5,"assetId":6,"hardware":{"model":"m5"}}]}}
            """#
        let p = try JSONPageReader.read(Data(json.utf8), page: 2)
        #expect(p.records.map(\.recordID) == ["1", "2", "3", "5"])
        #expect(p.records[0].fields == [
            SourceField(path: "assetId", value: "1", group: 0), SourceField(path: "address", value: "a1", group: 0),
            SourceField(path: "hardware.model", value: "m1", group: 1),
            SourceField(path: "hardware.manufacturer", value: "v1", group: 1),
        ])
        #expect(p.records[1].fields == [
            SourceField(path: "address", value: "a2", group: 0), SourceField(path: "assetId", value: "2", group: 0),
            SourceField(path: "hardware.manufacturer", value: "v2", group: 1),
            SourceField(path: "hardware.model", value: "m2", group: 1),
        ])
        #expect(p.records[2].fields == [
            SourceField(path: "assetId", value: "3", group: 0), SourceField(path: "assetName", value: "n3", group: 0),
            SourceField(path: "tagList.tag.tagId", value: "7", group: 2),
            SourceField(path: "tagList.tag.tagName", value: "t", group: 3),
        ])
        #expect(p.records[3].fields == [
            SourceField(path: "assetId", value: "5", group: 0), SourceField(path: "assetId", value: "6", group: 0),
            SourceField(path: "hardware.model", value: "m5", group: 1),
        ])
        #expect(p.rejects.map(\.locator) == ["gav page 2 record 4"])
        #expect(p.unknownElements == ["zzz": 1])
        #expect(p.value("hasMore") == "0")
    }

    /// A key written with escapes is never matched against the raw text of the next asset.
    @Test func jsonEscapedKeysAreDecodedEveryTime() throws {
        let json = #"""
            {"assetListData":{"asset":[
             {"assetId":1,"hardware":{"q\"k":"x","a\u0062":"y","ab":"z"}},
             {"assetId":2,"hardware":{"q\"k":"x2","ab":"z2","a\u0062":"y2"}}]}}
            """#
        let p = try JSONPageReader.read(Data(json.utf8), page: 1)
        #expect(p.records.map(\.recordID) == ["1", "2"])
        #expect(p.records[0].fields.map(\.path) == ["assetId", "hardware.q\"k", "hardware.ab", "hardware.ab"])
        #expect(p.records[1].fields.map(\.value) == ["2", "x2", "z2", "y2"])
        #expect(p.records[1].fields.map(\.path) == ["assetId", "hardware.q\"k", "hardware.ab", "hardware.ab"])
    }
}
