// Quarry — NDJSON rows as bytes: one JSON object per line, columns in table order.

import QuarryCore

/// Encodes rows of one table as NDJSON into a caller-owned byte buffer.
///
/// One object per row followed by one LF; keys are the column names in column order;
/// NULL and the empty string are `null`, lists are arrays of strings, timestamps strings `YYYY-MM-DDTHH:MM:SSZ`,
/// integers numbers, booleans `true`/`false`. Strings are escaped exactly as
/// `JSONText.quote`, so no raw CR, LF, U+0085, U+2028 or U+2029 can split a line. No BOM.
public struct NDJSONEncoder {
    public let columns: [Column]
    /// `{"name":` for the first column, `,"name":` for the others.
    private let keyPrefixes: [[UInt8]]

    public init(columns: [Column]) {
        self.columns = columns
        keyPrefixes = columns.enumerated().map { i, c in
            var key: [UInt8] = [i == 0 ? UInt8(ascii: "{") : UInt8(ascii: ",")]
            ByteText.appendJSONString(c.name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    private static let null = Array("null".utf8)

    /// Appends one row and its LF; the caller has checked it has one cell per column.
    public func appendRow(_ row: Row, to out: inout [UInt8]) {
        if row.isEmpty { out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
        for i in 0..<row.count {
            out.append(contentsOf: keyPrefixes[i])
            switch row[i] {
            case .null: out.append(contentsOf: NDJSONEncoder.null)
            case .string(let s):
                // The empty string is NULL in both formats, as in CSV.
                if s.isEmpty {
                    out.append(contentsOf: NDJSONEncoder.null)
                } else {
                    ByteText.appendJSONString(s, to: &out)
                }
            case .integer(let v): ByteText.appendInteger(v, to: &out)
            case .boolean(let v): ByteText.appendBoolean(v, to: &out)
            case .timestamp(let v):
                out.append(0x22)
                ByteText.appendTimestamp(v, to: &out)
                out.append(0x22)
            case .list(let l): ByteText.appendJSONArray(l, to: &out)
            }
        }
        if !row.isEmpty { out.append(UInt8(ascii: "}")) }
        out.append(0x0A)
    }
}
