// Quarry — normalisers on the messy forms seen in real payloads.

import Testing
@testable import QuarryTransform

struct NormCase: CustomTestStringConvertible, Sendable {
    var normaliser: Normaliser
    var input: String
    var values: [String]
    var invalid: [String] = []
    var testDescription: String { "\(normaliser.rawValue): \"\(input)\"" }
}

@Suite struct NormaliserTests {
    static let cases: [NormCase] = [
        // MAC
        NormCase(normaliser: .mac, input: "00-50-56-0A-0B-02", values: ["00:50:56:0a:0b:02"]),
        NormCase(normaliser: .mac, input: "00:50:56:0a:0b:02", values: ["00:50:56:0a:0b:02"]),
        NormCase(normaliser: .mac, input: "0050.560a.0b02", values: ["00:50:56:0a:0b:02"]),
        NormCase(normaliser: .mac, input: "0050560A0B02", values: ["00:50:56:0a:0b:02"]),
        NormCase(normaliser: .mac, input: "0:50:56:a:b:2", values: ["00:50:56:0a:0b:02"]),
        NormCase(normaliser: .mac, input: " 42:01:0A:80:00:05 ", values: ["42:01:0a:80:00:05"]),
        NormCase(normaliser: .mac, input: "00:00:00:00:00:00", values: [], invalid: ["00:00:00:00:00:00"]),
        NormCase(normaliser: .mac, input: "FF-FF-FF-FF-FF-FF", values: [], invalid: ["FF-FF-FF-FF-FF-FF"]),
        NormCase(normaliser: .mac, input: "00:50:56:0a:0b", values: [], invalid: ["00:50:56:0a:0b"]),
        NormCase(normaliser: .mac, input: "00:50:56:0a:0b:zz", values: [], invalid: ["00:50:56:0a:0b:zz"]),
        NormCase(normaliser: .mac, input: "", values: []),
        // Names
        NormCase(normaliser: .hostname, input: "web-01.example.com.", values: ["web-01"]),
        NormCase(normaliser: .hostname, input: "WEB-01", values: ["web-01"]),
        NormCase(normaliser: .hostname, input: "192.0.2.10", values: []),
        NormCase(normaliser: .hostname, input: "web 01", values: [], invalid: ["web 01"]),
        NormCase(normaliser: .fqdn, input: "web-01.example.com.", values: ["web-01.example.com"]),
        NormCase(normaliser: .fqdn, input: "WEB-01.Example.COM", values: ["web-01.example.com"]),
        NormCase(normaliser: .fqdn, input: "web-01", values: []),
        NormCase(normaliser: .fqdn, input: "half-163.", values: []),
        NormCase(normaliser: .fqdn, input: ".example.com", values: []),
        NormCase(normaliser: .fqdn, input: "192.0.2.10", values: []),
        NormCase(normaliser: .netbios, input: "web-01", values: ["web-01"]),
        NormCase(normaliser: .cloudProvider, input: "EC_2", values: ["AWS"]),
        NormCase(normaliser: .cloudProvider, input: "aws", values: ["AWS"]),
        NormCase(normaliser: .cloudProvider, input: "Azure", values: ["AZURE"]),
        NormCase(normaliser: .cloudProvider, input: "GCP", values: ["GCP"]),
        NormCase(normaliser: .netbios, input: "00731", values: ["00731"]),
        // Addresses
        NormCase(normaliser: .ipv4, input: "192.0.2.21, 192.0.2.22, 192.0.2.23",
                 values: ["192.0.2.21", "192.0.2.22", "192.0.2.23"]),
        NormCase(normaliser: .ipv4, input: "192.0.2.30,192.0.2.31", values: ["192.0.2.30", "192.0.2.31"]),
        NormCase(normaliser: .ipv4, input: "203.0.113.9, 203.0.113.300", values: ["203.0.113.9"],
                 invalid: ["203.0.113.300"]),
        NormCase(normaliser: .ipv4, input: "2001:db8::40", values: []),
        NormCase(normaliser: .ipv4, input: "192.0.2.1 192.0.2.1", values: ["192.0.2.1"]),
        NormCase(normaliser: .ipv6, input: "2001:db8::30, 2001:db8::31", values: ["2001:db8::30", "2001:db8::31"]),
        NormCase(normaliser: .ipv6, input: "2001:DB8:0:0:0:0:0:40", values: ["2001:db8::40"]),
        NormCase(normaliser: .ipv6, input: "192.0.2.10", values: []),
        NormCase(normaliser: .ipv6, input: "2001:db8::zz", values: [], invalid: ["2001:db8::zz"]),
        NormCase(normaliser: .ip, input: "10.0.0.1;fe80::1", values: ["10.0.0.1", "fe80::1"]),
        // Timestamps (UTC seconds)
        NormCase(normaliser: .timestamp, input: "2024-07-30T23:50:00Z", values: ["1722383400"]),
        NormCase(normaliser: .timestamp, input: "2025-07-11T14:21:10.000Z", values: ["1752243670"]),
        NormCase(normaliser: .timestamp, input: "2024-07-31T01:50:00+02:00", values: ["1722383400"]),
        NormCase(normaliser: .timestamp, input: "2024-07-30T18:50:00-0500", values: ["1722383400"]),
        NormCase(normaliser: .timestamp, input: "1722383400000", values: ["1722383400"]),
        NormCase(normaliser: .timestamp, input: "0", values: []),
        NormCase(normaliser: .timestamp, input: "", values: []),
        NormCase(normaliser: .timestamp, input: "not a date", values: [], invalid: ["not a date"]),
        NormCase(normaliser: .timestamp, input: "\n 2020-08-05T19:00:23Z", values: ["1596654023"]),
        // OS and text
        NormCase(normaliser: .os, input: "  Ubuntu   22.04.4\tLTS ", values: ["Ubuntu 22.04.4 LTS"]),
        NormCase(normaliser: .text, input: "012345678901", values: ["012345678901"]),
        NormCase(normaliser: .text, input: "1.10", values: ["1.10"]),
        NormCase(normaliser: .text, input: "a\u{01}b", values: ["a\u{FFFD}b"]),
        NormCase(normaliser: .text, input: "   ", values: []),
        NormCase(normaliser: .uuid, input: "{4C4C4544-0042-3510-8052-B4C04F4A4E32}",
                 values: ["4c4c4544-0042-3510-8052-b4c04f4a4e32"]),
        NormCase(normaliser: .uuid, input: "00000000-0000-0000-0000-000000000000", values: [],
                 invalid: ["00000000-0000-0000-0000-000000000000"]),
        NormCase(normaliser: .serial, input: "To Be Filled By O.E.M.", values: [], invalid: ["To Be Filled By O.E.M."]),
        NormCase(normaliser: .serial, input: "CZC1234XYZ", values: ["CZC1234XYZ"]),
    ]

    @Test(arguments: cases)
    func normalises(_ c: NormCase) {
        let out = c.normaliser.apply(c.input)
        #expect(out.values == c.values)
        #expect(out.invalid == c.invalid)
    }

    @Test func countsReplacedControlCharacters() {
        let out = Normaliser.text.apply("a\u{00}b\u{1B}c\td\u{0B}")
        #expect(out.values == ["a\u{FFFD}b\u{FFFD}c\td\u{0B}"])
        #expect(out.controlsReplaced == 2)
        #expect(Normaliser.os.apply("Win\u{00}dows\t11").values == ["Win\u{FFFD}dows 11"])
    }
}

@Suite struct NetBIOSMatchingTests {
    @Test func netbiosKeysFoldCase() {
        #expect(StableHash.key(.netbios, "web-01") == StableHash.key(.netbios, "WEB-01"))
        #expect(StableHash.key(.hostname, "web-01") != StableHash.key(.hostname, "WEB-01"))
    }
}
