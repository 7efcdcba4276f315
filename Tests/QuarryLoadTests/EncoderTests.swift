// Quarry — CSV and NDJSON encoders: quoting, escaping, formula neutralisation, spreadsheet text.

import Foundation
import QuarryCore
import Testing
@testable import QuarryLoad

@Suite struct EncoderTests {
    private func csvCell(_ s: String, spreadsheet: Bool = false, flatten: Bool = false) -> String {
        let cols = [Column("c", .string)]
        let e = spreadsheet
            ? CSVEncoder.spreadsheet(columns: cols)
            : CSVEncoder(columns: cols, flattenLineBreaks: flatten)
        var out: [UInt8] = []
        e.appendRow([.string(s)], to: &out)
        return String(decoding: out.dropLast(spreadsheet ? 2 : 1), as: UTF8.self)
    }

    @Test(arguments: [
        ("=1+1", "'=1+1"), ("-5", "-5"), ("+1.5", "+1.5"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"), ("-", "'-"), ("+", "'+"), ("-x", "'-x"), ("1-2", "1-2"),
        ("\r\nx", "\"'\r\nx\""), ("=A1,B1", "\"'=A1,B1\""), ("-1e5", "-1e5"), ("--5", "'--5"),
    ])
    func neutralisesFormulaTriggers(input: String, expected: String) {
        #expect(csvCell(input) == expected)
    }

    @Test(arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("Firmware \"QX\", rev 7\r\nfactory image", "\"Firmware \"\"QX\"\", rev 7\r\nfactory image\""),
        ("a\nb", "\"a\nb\""), ("a\u{2028}b", "a\u{2028}b"), ("back\\slash", "back\\slash"), ("", ""),
    ])
    func quotesPerRFC4180(input: String, expected: String) {
        #expect(csvCell(input) == expected)
    }

    @Test func flattensLineBreaksWhenAsked() {
        #expect(csvCell("a\r\nb\nc\rd", flatten: true) == "a b c d")
        #expect(csvCell("x \"q\"\r\ny", flatten: true) == "\"x \"\"q\"\" y\"")
    }

    @Test(arguments: [
        ("012345678901", "\"=\"\"012345678901\"\"\""), ("00731", "\"=\"\"00731\"\"\""), ("1.10", "\"=\"\"1.10\"\"\""),
        ("2023-11", "\"=\"\"2023-11\"\"\""), ("web-01", "web-01"), ("=1+1", "'=1+1"), ("-5", "\"=\"\"-5\"\"\""),
    ])
    func spreadsheetCopyKeepsNumberLookingTextAsText(input: String, expected: String) {
        #expect(csvCell(input, spreadsheet: true) == expected)
    }

    @Test func writesEveryTypeInBothFormats() {
        let cols = [Column("s", .string), Column("i", .integer), Column("b", .boolean), Column("t", .timestamp),
                    Column("l", .stringList), Column("n", .string), Column("e", .string)]
        let row: Row = [.string("x"), .integer(-42), .boolean(true), .timestamp(1_764_806_399),
                        .list(["a", "b\"c"]), .null, .string("")]
        var csv: [UInt8] = []
        CSVEncoder(columns: cols).appendHeader(to: &csv)
        CSVEncoder(columns: cols).appendRow(row, to: &csv)
        #expect(String(decoding: csv, as: UTF8.self)
            == "s,i,b,t,l,n,e\nx,-42,true,2025-12-03T23:59:59Z,\"[\"\"a\"\",\"\"b\\\"\"c\"\"]\",,\n")
        var nd: [UInt8] = []
        NDJSONEncoder(columns: cols).appendRow(row, to: &nd)
        #expect(String(decoding: nd, as: UTF8.self)
            == "{\"s\":\"x\",\"i\":-42,\"b\":true,\"t\":\"2025-12-03T23:59:59Z\","
            + "\"l\":[\"a\",\"b\\\"c\"],\"n\":null,\"e\":null}\n")
    }

    @Test func listCellsAreQuotedJSONText() {
        let cols = [Column("l", .stringList)]
        for (list, expected) in [([String](), "[]"), (["a"], "\"[\"\"a\"\"]\""),
                                 (["x\"y", "line\nbreak"], "\"[\"\"x\\\"\"y\"\",\"\"line\\nbreak\"\"]\"")] {
            var out: [UInt8] = []
            CSVEncoder(columns: cols).appendRow([.list(list)], to: &out)
            #expect(String(decoding: out, as: UTF8.self) == expected + "\n")
            let cell = parseCSV(out)[0][0]
            #expect(cell == "[" + list.map(JSONText.quote).joined(separator: ",") + "]")
        }
    }

    @Test func jsonEscapingEqualsJSONTextQuote() {
        let samples = ["plain", "a\nb\r\tc", "\u{0B}\u{0C}\u{08}\u{01}\u{1F}\u{7F}", "q\"b\\", "\u{85}\u{2028}\u{2029}",
                       "é日本\u{1F600}", "x\u{2027}y\u{202A}", ""]
        for s in samples {
            var out: [UInt8] = []
            ByteText.appendJSONString(s, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == JSONText.quote(s), "\(s.debugDescription)")
        }
    }

    @Test func timestampsEqualTimestampFormat() {
        for t: Int64 in [0, 59, 86_399, 951_782_400, 1_764_806_400, -1, -86_401, 253_402_300_799] {
            var out: [UInt8] = []
            ByteText.appendTimestamp(t, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == Timestamp.format(t))
        }
    }

    @Test func integersIncludingExtremes() {
        for v: Int64 in [0, 7, -7, 1_000_000, .max, .min] {
            var out: [UInt8] = []
            ByteText.appendInteger(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }
}
