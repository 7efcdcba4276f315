// Quarry — the byte-level fast paths of the normalisers and mapper agree with the general code.

import Foundation
import Testing
@testable import QuarryCore
@testable import QuarryTransform

/// Deterministic strings over an alphabet (xorshift), so a failure names a reproducible input.
struct FuzzStrings: Sequence, IteratorProtocol {
    var state: UInt64
    let alphabet: [Character]
    let maxLength: Int
    var left: Int

    init(seed: UInt64, alphabet: String, maxLength: Int, count: Int) {
        state = seed
        self.alphabet = Array(alphabet)
        self.maxLength = maxLength
        left = count
    }

    mutating func nextRandom() -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % 1_000_003)
    }

    mutating func next() -> String? {
        guard left > 0 else { return nil }
        left -= 1
        let n = nextRandom() % (maxLength + 1)
        return String((0..<n).map { _ in alphabet[nextRandom() % alphabet.count] })
    }
}

@Suite struct FastPathTests {
    static let macInputs = [
        "00-50-56-0A-0B-02", "0050.560a.0b02", "0050560A0B02", "0:50:56:a:b:2", "00:50:56:0a:0b",
        "00::50:56:0a:0b:02", "0050.560a0b02", "00.50.56.0a.0b.02", "0050 560a 0b02", "00:50:56:0a:0b:02:03",
        "000000000000", "ffff.ffff.ffff", "00-50-56-0a-0b-0g", "-0050560a0b02", "0050560a0b02.", "005:056:0a:0b:02:1",
    ]

    @Test func macAgreesWithTheGeneralParser() {
        for s in Self.macInputs + Array(FuzzStrings(seed: 7, alphabet: "0aAfF9g:-. ", maxLength: 18, count: 20_000))
            + Array(FuzzStrings(seed: 11, alphabet: "0123456789abcdef", maxLength: 13, count: 5_000)) {
            #expect(Normaliser.macASCII(s) == .some(Normaliser.macGeneral(s)), "input \"\(s)\"")
        }
        #expect(Normaliser.macASCII("00:50:56:0a:0b:0\u{E9}") == nil)  // non-ASCII: the general path
        #expect(Normaliser.mac("0:50:56:a:b:2") == "00:50:56:0a:0b:02")
        #expect(Normaliser.mac("0050.560A.0B02") == "00:50:56:0a:0b:02")
        #expect(Normaliser.mac("0050.560a0b02") == nil)
    }

    @Test func hostNamesAgreeWithTheGeneralParser() {
        let fixed = ["web-01.example.com.", "WEB-01", "192.0.2.10", "192.0.2.10.", "web..example.com", "a.", "..",
                     ".a.b", "a..", "Host.Corp.Example", "web 01", "2001:db8::1", "010.0.0.1", "1.2.3.4.5"]
        for s in fixed + Array(FuzzStrings(seed: 3, alphabet: "aZ0.1 -9:", maxLength: 14, count: 20_000)) {
            for full in [false, true] {
                // Text with `:` (maybe IPv6) is left to the general path.
                guard let fast = Normaliser.hostnameASCII(s, full: full) else {
                    #expect(s.contains(":"), "\(full) \"\(s)\"")
                    continue
                }
                #expect(fast == Normaliser.hostnameGeneral(s, full: full), "\(full) \"\(s)\"")
            }
        }
        #expect(Normaliser.shortHostname("Web-01.Example.com.") == "web-01")
        #expect(Normaliser.fqdn("Web-01.Example.com.") == "web-01.example.com")
        #expect(Normaliser.fqdn("web..example.com") == nil)
        #expect(Normaliser.shortHostname("fe80::1") == nil)  // IPv6, decided by the general path
    }

    @Test func ipv4AgreesWithInetPton() {
        let fixed = ["192.0.2.10", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.",
                     ".1.2.3.4", "1..2.3", "1.2.3.04", "1.2.3.0", "", "1.2.3.4\u{0}junk"]
        for s in fixed + Array(FuzzStrings(seed: 5, alphabet: "0125.9", maxLength: 16, count: 30_000)) {
            #expect(Normaliser.canonicalIPv4(s) == Normaliser.canonicalIPv4ViaInet(s), "input \"\(s)\"")
        }
        #expect(Normaliser.canonicalIPv4("1.2.3.4\u{0}junk") == "1.2.3.4")
        #expect(Normaliser.canonicalIPv4("10.0.0.255") == "10.0.0.255")
        #expect(Normaliser.canonicalIPv4("10.0.0.256") == nil)
    }

    @Test func uuidAgreesWithTheGeneralPath() {
        let fixed = ["{4C4C4544-0000-1111-8052-B4C04F4A4E32}", "00000000-0000-0000-0000-000000000000",
                     "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "{}", "{", "}", "-", "{0-0}", "abc", "{ABC}x"]
        for s in fixed + Array(FuzzStrings(seed: 9, alphabet: "0fF{}-aB", maxLength: 10, count: 20_000)) {
            #expect(Normaliser.uuidASCII(s) == .some(Normaliser.uuidGeneral(s)), "input \"\(s)\"")
        }
        #expect(Normaliser.uuid.apply("{4C4C4544-0000-1111-8052-B4C04F4A4E32}").values
                == ["4c4c4544-0000-1111-8052-b4c04f4a4e32"])
        #expect(Normaliser.uuid.apply("{00000000-0000-0000-0000-000000000000}").invalid
                == ["{00000000-0000-0000-0000-000000000000}"])
    }

    @Test func blanksSpacesSerialsAndPassiveSourcesAgreeWithTheGeneralCode() {
        let texts = ["", " ", "\t\n\r\u{0B}\u{0C}", " a ", "\u{85}", "\u{A0} ", "\u{2028}", "x\u{2028}", "é"]
        for s in texts + Array(FuzzStrings(seed: 13, alphabet: " \tab\u{A0}0\r\n", maxLength: 7, count: 5_000)) {
            let general = s.unicodeScalars.allSatisfy { CharacterSet.whitespacesAndNewlines.contains($0) }
            #expect(Normaliser.isBlank(s) == general, "blank \"\(s)\"")
            let split = s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            #expect(Normaliser.collapseSpaces(s) == split.joined(separator: " "), "collapse \"\(s)\"")
            let t = Normaliser.trim(s)
            if !Normaliser.hasSpaceRuns(t) { #expect(Normaliser.collapseSpaces(t) == t, "os \"\(s)\"") }
        }
        let serials = ["0", "00 00", "N/A", "To Be Filled By O.E.M.", "TO BE FILLED BY O.E.M.X", "SN123", " 0 ",
                       "Default String", "0123456789", "\u{212A}nown", "UN\u{212A}NOWN"]
        for s in serials + Array(FuzzStrings(seed: 17, alphabet: "0 nNaA/", maxLength: 5, count: 5_000)) {
            #expect(Normaliser.isSerialPlaceholder(s) == Normaliser.isSerialPlaceholderGeneral(s), "serial \"\(s)\"")
        }
        for s in ["PASSIVE_SENSOR", "Network Passive Sensor", "passiv", "QAGENT", "pAsSiVe", "PASSIVé", "xpassive"] {
            #expect(RecordMapper.isPassive(s) == RecordMapper.isPassiveGeneral(s), "source \"\(s)\"")
        }
        #expect(RecordMapper.isPassive("Network Passive Sensor"))
        #expect(!RecordMapper.isPassive("QAGENT"))
    }

    @Test func theMapperReadsFieldsWhateverTheirOrderAcrossRecords() throws {
        let schema = try SchemaSet.parse(file: "t.json", data: Data("""
            {"version": 1, "source": "vm", "table": "vm_hosts", "recordId": "ID", "columns": [
              {"name": "id", "path": "ID", "type": "string", "required": true},
              {"name": "ips", "paths": ["IP", "ALT/IP"], "type": "list<string>", "normaliser": "ipv4"},
              {"name": "name", "paths": ["DNS", "NETBIOS"], "type": "string", "normaliser": "hostname"}
            ]}
            """.utf8))
        let mapper = RecordMapper(schema: schema)
        let counters = RunCounters()
        func row(_ fields: [(String, String)]) -> Row? {
            let r = SourceRecord(api: .vm, recordID: "1", locator: Locator(api: .vm, page: 1, position: 1),
                                 fields: fields.map { SourceField(path: $0.0, value: $0.1, group: 1) })
            return mapper.map(r, counters: counters, warn: { _ in })?.row
        }
        let a = row([("ID", "1"), ("ALT/IP", "10.0.0.2"), ("IP", "10.0.0.1"), ("NETBIOS", "N1"), ("DNS", "Web.X")])
        #expect(a == [.string("1"), .list(["10.0.0.1", "10.0.0.2"]), .string("web")])
        let b = row([("DNS", "Other"), ("ID", "2"), ("IP", "10.0.0.3"), ("X", "y"), ("ALT/IP", "10.0.0.3")])
        #expect(b == [.string("2"), .list(["10.0.0.3"]), .string("other")])
        let c = row([("NETBIOS", "N3"), ("ID", "3")])
        #expect(c == [.string("3"), .null, .string("n3")])
        #expect(row([("IP", "10.0.0.4")]) == nil)  // the required ID is missing
        let again = row([("ID", "1"), ("ALT/IP", "10.0.0.2"), ("IP", "10.0.0.1"), ("NETBIOS", "N1"), ("DNS", "Web.X")])
        #expect(again == a)
    }

    @Test func stableHashesKeepTheirValues() {
        #expect(StableHash.text("") == 0xcbf2_9ce4_8422_2325)  // FNV-1a 64 offset basis
        #expect(StableHash.text("a") == 0xaf63_dc4c_8601_ec8c)  // published FNV-1a 64 test vector
        #expect(StableHash.text("foobar") == 0x8594_4171_f739_67e8)
        #expect(StableHash.text("gav", 0x1F, "10000001") == StableHash.text("gav\u{1F}10000001"))
        #expect(StableHash.text("héllo") == StableHash.text(String(decoding: Array("héllo".utf8), as: UTF8.self)))
        #expect(StableHash.key(.netbios, "web-01") == StableHash.key(.netbios, "WEB-01"))
        #expect(StableHash.key(.hostname, "web-01") != StableHash.key(.hostname, "WEB-01"))
    }

    @Test func spilledEvidenceReadsBackByteForByte() throws {
        let spill = try SpillFile(directory: NSTemporaryDirectory())
        let values = ["", "10.0.0.1", "héllo wörld", String(repeating: "x", count: 70_000), "a\u{0}b"]
        let ev = values.map { Evidence(role: .hostname, value: $0, repaired: false) }
        try spill.append(ev)
        try spill.append([])
        try spill.flush()
        let back = try spill.read(0)
        let long = String(repeating: "x", count: 65_535)  // values are cut at 65,535 bytes
        #expect(back.map(\.value) == ["", "10.0.0.1", "héllo wörld", long, "a\u{0}b"])
        #expect(try spill.read(1).isEmpty)
    }
}
