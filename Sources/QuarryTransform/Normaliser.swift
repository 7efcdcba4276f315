// Quarry — normalisers: one messy source value in, canonical text values out.

import Foundation
import QuarryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a column's raw text is made canonical. Named in schema files by `rawValue`.
///
/// Every normaliser maps empty text to no value (null, BR-13) and never invents `0`,
/// `"null"` or 1970. `ip`, `ipv4` and `ipv6` split comma/semicolon/space separated lists
/// (BR-01) and may return several values.
public enum Normaliser: String, Sendable, CaseIterable, Codable {
    /// Text kept exactly as written (BR-11: `012345678901` stays text; BR-09: line breaks
    /// stay); C0 controls other than white space are replaced by U+FFFD and counted.
    case text
    /// Short host name: lower case, trailing dot removed, first label only; IPs are not names.
    case hostname
    /// Fully qualified name: lower case, trailing dot removed; null unless it has a dot.
    case fqdn
    /// NetBIOS name, kept as received; deduplication compares it case-insensitively.
    case netbios
    /// MAC address as `aa:bb:cc:dd:ee:ff`; all-zero and broadcast rejected.
    case mac
    /// IPv4 or IPv6 address(es), canonical text (`inet_pton` / `inet_ntop`).
    case ip
    /// IPv4 address(es) only; IPv6 pieces are skipped quietly (they belong to an IPv6 column).
    case ipv4
    /// IPv6 address(es) only; IPv4 pieces are skipped quietly.
    case ipv6
    /// ISO-8601 (with or without millis, `Z` or an offset) or epoch seconds/milliseconds → UTC
    /// seconds as decimal text. `0` means never → null.
    case timestamp
    /// Operating system name: trimmed, runs of white space collapsed to one space.
    case os
    /// Hardware UUID, lower case; all-zero / all-F placeholders rejected.
    case uuid
    /// BIOS / hardware serial; placeholders such as `To Be Filled By O.E.M.` rejected.
    case serial
    /// Upper-cased text (tracking methods, sensor names).
    case upper
    /// Lower-cased text.
    case lower
}

/// The result of normalising one raw value.
public struct Normalised: Equatable, Sendable {
    public var values: [String]
    /// Pieces that were present but not valid (`203.0.113.300`, a 5-octet MAC).
    public var invalid: [String]
    /// C0 control characters replaced.
    public var controlsReplaced: Int

    public init(values: [String] = [], invalid: [String] = [], controlsReplaced: Int = 0) {
        self.values = values
        self.invalid = invalid
        self.controlsReplaced = controlsReplaced
    }
}

extension Normaliser {
    /// Normalises one raw source value.
    public func apply(_ raw: String) -> Normalised {
        if self == .text || self == .netbios {
            // Kept exactly as received (BR-09: line breaks, U+2028, VT round-trip); only
            // controls that are not white space are replaced. White space alone is null.
            let (clean, controls) = Normaliser.replaceControls(raw, keepingWhiteSpace: true)
            var out = Normalised(controlsReplaced: controls)
            if !clean.unicodeScalars.allSatisfy({ CharacterSet.whitespacesAndNewlines.contains($0) }) {
                out.values = [clean]
            }
            return out
        }
        let (clean, controls) = Normaliser.replaceControls(raw)
        let t = Normaliser.trim(clean)
        var out = Normalised(controlsReplaced: controls)
        if t.isEmpty { return out }
        switch self {
        case .text:
            out.values = [t]
        case .upper:
            out.values = [t.uppercased()]
        case .lower:
            out.values = [t.lowercased()]
        case .os:
            out.values = [Normaliser.collapseSpaces(t)]
        case .hostname:
            if let h = Normaliser.shortHostname(t) {
                out.values = [h]
            } else if Normaliser.canonicalIPv4(t) == nil && Normaliser.canonicalIPv6(t) == nil {
                // Qualys names an asset by its IP when it knows no name: not a host name,
                // but nothing wrong either, so it is not reported.
                out.invalid = [t]
            }
        case .fqdn:
            // A name without a dot is simply not an FQDN: null, not invalid.
            if let f = Normaliser.fqdn(t) { out.values = [f] }
        case .netbios:
            out.values = [t]  // not reached: handled with .text above
        case .mac:
            if let m = Normaliser.mac(t) { out.values = [m] } else { out.invalid = [t] }
        case .ip, .ipv4, .ipv6:
            for piece in Normaliser.splitList(t) {
                if let v4 = Normaliser.canonicalIPv4(piece) {
                    if self != .ipv6 { out.values.append(v4) }
                } else if let v6 = Normaliser.canonicalIPv6(piece) {
                    if self != .ipv4 { out.values.append(v6) }
                } else if self == .ip || (self == .ipv4) != piece.utf8.contains(58) {
                    // An IPv4 column reports dotted pieces, an IPv6 column colon pieces, so a
                    // bad piece read by both columns is counted once.
                    out.invalid.append(piece)
                }
            }
            out.values = Normaliser.unique(out.values)
        case .timestamp:
            switch Normaliser.timestamp(t) {
            case .some(.some(let s)): out.values = [String(s)]
            case .some(.none): break  // "0": never
            case .none: out.invalid = [t]
            }
        case .uuid:
            var u = t.lowercased()
            if u.hasPrefix("{") && u.hasSuffix("}") && u.count >= 2 { u = String(u.dropFirst().dropLast()) }
            let hex = u.filter { $0 != "-" }
            let placeholder = hex.allSatisfy({ $0 == "0" }) || hex.allSatisfy({ $0 == "f" })
            if placeholder { out.invalid = [t] } else { out.values = [u] }
        case .serial:
            let placeholders: Set<String> = [
                "0", "none", "n/a", "na", "null", "unknown", "default string", "to be filled by o.e.m.",
                "system serial number", "not specified", "not applicable", "0123456789", "123456789",
            ]
            if placeholders.contains(t.lowercased()) || t.allSatisfy({ $0 == "0" || $0 == " " }) {
                out.invalid = [t]
            } else {
                out.values = [t]
            }
        }
        return out
    }

    // MARK: - Pieces

    /// Replaces C0 controls and DEL: TAB/LF/CR by a space, the others by U+FFFD.
    static func replaceControls(_ s: String, keepingWhiteSpace: Bool = false) -> (String, Int) {
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return (s, 0) }
        var out = String.UnicodeScalarView()
        var n = 0
        for u in s.unicodeScalars {
            if keepingWhiteSpace, (0x09...0x0D).contains(u.value) {
                out.append(u)
            } else if u.value < 0x20 || u.value == 0x7F {
                n += 1
                out.append(u == "\t" || u == "\n" || u == "\r" ? " " : "\u{FFFD}")
            } else {
                out.append(u)
            }
        }
        return (String(out), n)
    }

    /// Trims white space (Unicode) at both ends without Foundation, which is slow on Linux.
    static func trim(_ s: String) -> String {
        let u = s.utf8
        if let f = u.first, let l = u.last, f > 32 && f < 128 && l > 32 && l < 128 { return s }
        let scalars = s.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }

    static func collapseSpaces(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    static func unique(_ a: [String]) -> [String] {
        var seen = Set<String>()
        return a.filter { seen.insert($0).inserted }
    }

    static func splitList(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\n" })
            .map { String($0) }
            .filter { !$0.isEmpty }
    }

    /// `web-01.example.com.` → `web-01`; an IP address is not a host name.
    static func shortHostname(_ s: String) -> String? {
        var t = s.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        if t.isEmpty || t.hasPrefix(".") || t.utf8.contains(32) { return nil }
        if canonicalIPv4(t) != nil || canonicalIPv6(t) != nil { return nil }
        return String(t.split(separator: ".", maxSplits: 1).first ?? Substring(t))
    }

    /// `WEB-01.Example.com.` → `web-01.example.com`; `half-163.` and `.example.com` → nil.
    static func fqdn(_ s: String) -> String? {
        var t = s.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        let b = Array(t.utf8)
        if b.isEmpty || b[0] == 46 || !b.contains(46) || b.contains(32) { return nil }
        if zip(b, b.dropFirst()).contains(where: { $0 == 46 && $1 == 46 }) { return nil }
        if canonicalIPv4(t) != nil || canonicalIPv6(t) != nil { return nil }
        return t
    }

    /// Any of `00:50:56:0A:0B:02`, `00-50-56-0a-0b-02`, `0050.560a.0b02`, `0050560a0b02`,
    /// `0:50:56:a:b:2` → `00:50:56:0a:0b:02`. Nil for other shapes, all-zero and broadcast.
    static func mac(_ s: String) -> String? {
        let t = s.lowercased()
        var hex = ""
        let parts = t.split(whereSeparator: { $0 == ":" || $0 == "-" }).map(String.init)
        if parts.count == 6 {
            for p in parts {
                guard (1...2).contains(p.count), p.allSatisfy(\.isHexDigit) else { return nil }
                hex += p.count == 1 ? "0" + p : p
            }
        } else {
            let stripped = t.filter { $0 != "." && $0 != ":" && $0 != "-" && $0 != " " }
            let groups = t.split(separator: ".")
            guard stripped.count == 12, stripped.allSatisfy(\.isHexDigit) else { return nil }
            guard parts.count == 1 else { return nil }
            guard groups.count == 1 || (groups.count == 3 && groups.allSatisfy { $0.count == 4 }) else { return nil }
            hex = stripped
        }
        if hex == "000000000000" || hex == "ffffffffffff" { return nil }
        var out = ""
        out.reserveCapacity(17)
        for (i, c) in hex.enumerated() {
            if i > 0 && i % 2 == 0 { out.append(":") }
            out.append(c)
        }
        return out
    }

    /// Canonical dotted quad, or nil (`inet_pton(AF_INET)`: no leading zeros, four parts).
    public static func canonicalIPv4(_ s: String) -> String? {
        var addr = in_addr()
        guard s.withCString({ inet_pton(AF_INET, $0, &addr) }) == 1 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(cString: buf)
    }

    /// RFC 5952 text of an IPv6 address (`2001:DB8:0::40` → `2001:db8::40`), or nil.
    public static func canonicalIPv6(_ s: String) -> String? {
        guard s.utf8.contains(58) else { return nil }
        let bare = s.hasPrefix("[") && s.hasSuffix("]") ? String(s.dropFirst().dropLast()) : s
        var addr = in6_addr()
        guard bare.withCString({ inet_pton(AF_INET6, $0, &addr) }) == 1 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &addr, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(cString: buf)
    }

    /// UTC seconds: `.some(.some(s))` a time, `.some(.none)` "never" (`0`), `nil` not a time.
    static func timestamp(_ s: String) -> Int64?? {
        if s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let n = Int64(s) else { return nil }
            if n == 0 { return .some(nil) }
            // Epoch milliseconds (the GAV form) from 1973 on; shorter numbers are seconds.
            return .some(n >= 100_000_000_000 ? n / 1000 : n)
        }
        return parseISO(s).map { .some($0) }
    }

    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`, or a date alone (midnight UTC).
    static func parseISO(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var secs = Timestamp.days(year: y, month: mo, day: d) * 86_400
        if b.count == 10 { return secs }
        guard b[10] == 84 || b[10] == 32 || b[10] == 116, let h = num(11, 2), b.count > 13, b[13] == 58,
              let mi = num(14, 2), h < 24, mi < 60 else { return nil }
        secs += h * 3600 + mi * 60
        var i = 16
        if i < b.count && b[i] == 58 {
            guard let sec = num(i + 1, 2), sec <= 60 else { return nil }
            secs += sec
            i += 3
        }
        if i < b.count && (b[i] == 46 || b[i] == 44) {
            i += 1
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
        }
        if i == b.count { return secs }  // no zone: taken as UTC
        if (b[i] == 90 || b[i] == 122) && i + 1 == b.count { return secs }
        guard b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2) else { return nil }
        var j = i + 3
        if j < b.count && b[j] == 58 { j += 1 }
        let om = j < b.count ? num(j, 2) : 0
        guard let om, j + (j < b.count ? 2 : 0) == b.count else { return nil }
        let offset = oh * 3600 + om * 60
        return b[i] == 43 ? secs - offset : secs + offset
    }
}
