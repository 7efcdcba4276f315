// Quarry — byte-level text appenders shared by the CSV and NDJSON encoders (hot path).

import QuarryCore

/// Appends values as UTF-8 bytes to a reusable buffer, without building Strings per cell.
enum ByteText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal, byte for byte what `JSONText.quote` produces:
    /// `"` `\` and control characters escaped, DEL, U+0085, U+2028 and U+2029 as `\uXXXX`.
    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendJSONString(bytes: $0, to: &out) }
    }

    static func appendJSONString(bytes p: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        let n = p.count
        var i = 0
        var runStart = 0
        while i < n {
            let b = p[i]
            var escape: [UInt8]? = nil
            var width = 1
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F {
                escape = jsonEscape(b)
            } else if b == 0xC2, i + 1 < n, p[i + 1] == 0x85 {
                escape = Array("\\u0085".utf8)
                width = 2
            } else if b == 0xE2, i + 2 < n, p[i + 1] == 0x80, p[i + 2] == 0xA8 || p[i + 2] == 0xA9 {
                escape = p[i + 2] == 0xA8 ? Array("\\u2028".utf8) : Array("\\u2029".utf8)
                width = 3
            }
            if let escape {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
                out.append(contentsOf: escape)
                i += width
                runStart = i
            } else {
                i += 1
            }
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n])) }
        out.append(0x22)
    }

    private static func jsonEscape(_ b: UInt8) -> [UInt8] {
        switch b {
        case 0x22: return [0x5C, 0x22]
        case 0x5C: return [0x5C, 0x5C]
        case 0x0A: return [0x5C, UInt8(ascii: "n")]
        case 0x0D: return [0x5C, UInt8(ascii: "r")]
        case 0x09: return [0x5C, UInt8(ascii: "t")]
        case 0x08: return [0x5C, UInt8(ascii: "b")]
        case 0x0C: return [0x5C, UInt8(ascii: "f")]
        default:
            return [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
        }
    }

    /// Appends a list as compact JSON: `["a","b"]`.
    static func appendJSONArray(_ list: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, item) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(0x30); return }
        var digits = [UInt8]()
        var m = v.magnitude
        while m > 0 { digits.append(UInt8(truncatingIfNeeded: m % 10) + 0x30); m /= 10 }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: digits.reversed())
    }

    static func appendBoolean(_ v: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: v ? trueBytes : falseBytes)
    }
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)

    /// Appends `YYYY-MM-DDTHH:MM:SSZ` (UTC), the same text as `Timestamp.format`.
    static func appendTimestamp(_ seconds: Int64, to out: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rem = seconds - days * 86_400
        let (y, m, d) = Timestamp.civil(fromDays: days)
        if y < 0 || y > 9999 {
            out.append(contentsOf: Array(Timestamp.format(seconds).utf8))
            return
        }
        pad(y, 4, &out); out.append(UInt8(ascii: "-"))
        pad(m, 2, &out); out.append(UInt8(ascii: "-"))
        pad(d, 2, &out); out.append(UInt8(ascii: "T"))
        pad(rem / 3600, 2, &out); out.append(UInt8(ascii: ":"))
        pad((rem % 3600) / 60, 2, &out); out.append(UInt8(ascii: ":"))
        pad(rem % 60, 2, &out); out.append(UInt8(ascii: "Z"))
    }

    @inline(__always) private static func pad(_ v: Int64, _ width: Int, _ out: inout [UInt8]) {
        var div: Int64 = 1
        for _ in 1..<width { div *= 10 }
        var v = v
        while div > 0 {
            out.append(UInt8(truncatingIfNeeded: v / div) + 0x30)
            v %= div
            div /= 10
        }
    }

    /// True for the text of a plain decimal number: `-5`, `+1.5`, `0001`, `1.10`, `.5`, `1e3`.
    static func isPlainNumber(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = p.count
        if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
        var digits = 0
        while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1; digits += 1 }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1; digits += 1 }
        }
        if digits == 0 { return false }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            var exp = 0
            while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1; exp += 1 }
            if exp == 0 { return false }
        }
        return i == n
    }
}
