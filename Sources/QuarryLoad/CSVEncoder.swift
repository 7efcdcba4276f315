// Quarry — RFC 4180 CSV rows as bytes: quoting, formula neutralisation, spreadsheet protection.

import QuarryCore

/// Encodes rows of one table as CSV into a caller-owned byte buffer.
///
/// The lake dialect (`CSVEncoder.lake`): UTF-8, comma, LF after every row, a field is quoted
/// when it holds `,` `"` CR or LF and its `"` are doubled; line breaks stay inside the quoted
/// field unless `flattenLineBreaks` (then CR LF, CR and LF each become one space). NULL and
/// the empty string are both an empty field. A string that starts with `=` `+` `-` `@` TAB
/// or CR gets a leading `'` unless it is a plain number (`-5`, `+1.5`). Lists are compact
/// JSON text, timestamps `YYYY-MM-DDTHH:MM:SSZ`, booleans `true`/`false`.
public struct CSVEncoder {
    public let columns: [Column]
    public var lineEnding: [UInt8]
    public var flattenLineBreaks: Bool
    /// Per column: write number-looking text as a `="…"` formula so spreadsheets keep it as
    /// text (Excel copy only; never in the lake).
    public var spreadsheetText: [Bool]

    /// The lake dialect for `columns`.
    public init(columns: [Column], flattenLineBreaks: Bool = false) {
        self.columns = columns
        self.lineEnding = [0x0A]
        self.flattenLineBreaks = flattenLineBreaks
        self.spreadsheetText = Array(repeating: false, count: columns.count)
    }

    /// The spreadsheet dialect: CRLF, every `string` column protected (see docs/output.md).
    public static func spreadsheet(columns: [Column], flattenLineBreaks: Bool = false) -> CSVEncoder {
        var e = CSVEncoder(columns: columns, flattenLineBreaks: flattenLineBreaks)
        e.lineEnding = [0x0D, 0x0A]
        e.spreadsheetText = columns.map { $0.type == .string }
        return e
    }

    public func appendHeader(to out: inout [UInt8]) {
        for (i, c) in columns.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendText(c.name, protect: false, to: &out)
        }
        out.append(contentsOf: lineEnding)
    }

    /// Appends one row; the caller has checked it has one cell per column.
    public func appendRow(_ row: Row, to out: inout [UInt8]) {
        for i in 0..<row.count {
            if i > 0 { out.append(0x2C) }
            switch row[i] {
            case .null: break
            case .string(let s): appendText(s, protect: spreadsheetText[i], to: &out)
            case .integer(let v): ByteText.appendInteger(v, to: &out)
            case .boolean(let v): ByteText.appendBoolean(v, to: &out)
            case .timestamp(let v): ByteText.appendTimestamp(v, to: &out)
            case .list(let l): CSVEncoder.appendList(l, to: &out)
            }
        }
        out.append(contentsOf: lineEnding)
    }

    func appendText(_ s: String, protect: Bool, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendField($0, protect: protect, to: &out) }
    }

    func appendField(_ p: UnsafeBufferPointer<UInt8>, protect: Bool, to out: inout [UInt8]) {
        let n = p.count
        if n == 0 { return }
        var needsQuotes = false
        var hasLineBreak = false
        for b in p {
            if b == 0x2C || b == 0x22 { needsQuotes = true } else if b == 0x0A || b == 0x0D {
                needsQuotes = true
                hasLineBreak = true
            }
        }
        if hasLineBreak && flattenLineBreaks {
            let flat = CSVEncoder.flatten(p)
            flat.withUnsafeBufferPointer { appendField($0, protect: protect, to: &out) }
            return
        }
        if protect && CSVEncoder.looksNumericToSpreadsheet(p) {
            // ="0123": a formula whose result is the text; CSV-quoted it reads "=""0123""".
            out.append(contentsOf: [0x22, 0x3D, 0x22, 0x22])
            out.append(contentsOf: p)
            out.append(contentsOf: [0x22, 0x22, 0x22])
            return
        }
        let first = p[0]
        let isTrigger = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40
            || first == 0x09 || first == 0x0D
        let prefix = isTrigger && !ByteText.isPlainNumber(p)
        if !needsQuotes {
            if prefix { out.append(0x27) }
            out.append(contentsOf: p)
            return
        }
        out.append(0x22)
        if prefix { out.append(0x27) }
        var runStart = 0
        for i in 0..<n where p[i] == 0x22 {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart...i]))
            out.append(0x22)
            runStart = i + 1
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n])) }
        out.append(0x22)
    }

    /// Appends a list as compact JSON text, CSV-quoted when it holds `"` (any non-empty list),
    /// in place: the JSON is written, then shifted right while its `"` are doubled.
    static func appendList(_ l: [String], to out: inout [UInt8]) {
        let start = out.count
        ByteText.appendJSONArray(l, to: &out)
        let end = out.count
        var quotes = 0
        for i in start..<end where out[i] == 0x22 { quotes += 1 }
        if quotes == 0 { return }   // `[]`: JSON escapes every CR/LF, so no other reason to quote
        out.append(contentsOf: repeatElement(0, count: quotes + 2))
        var w = out.count - 1
        out[w] = 0x22
        w -= 1
        var r = end - 1
        while r >= start {
            let b = out[r]
            out[w] = b
            w -= 1
            if b == 0x22 { out[w] = 0x22; w -= 1 }
            r -= 1
        }
        out[w] = 0x22
    }

    /// CR LF, CR and LF each replaced by one space.
    static func flatten(_ p: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var i = 0
        while i < p.count {
            let b = p[i]
            if b == 0x0D {
                out.append(0x20)
                if i + 1 < p.count && p[i + 1] == 0x0A { i += 1 }
            } else if b == 0x0A {
                out.append(0x20)
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// Text a spreadsheet would turn into a number, date or time on opening: a plain number
    /// (`0001`, `1.10`, `012345678901`) or digits mixed only with `-` `/` `:` `.` `,` `%` and
    /// spaces (`2023-11`, `1/2`, `12:30`).
    static func looksNumericToSpreadsheet(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        if ByteText.isPlainNumber(p) { return true }
        var digits = 0
        for b in p {
            if b >= 0x30 && b <= 0x39 { digits += 1; continue }
            switch b {
            case 0x2D, 0x2F, 0x3A, 0x2E, 0x2C, 0x25, 0x20: continue
            default: return false
            }
        }
        return digits > 0
    }
}
