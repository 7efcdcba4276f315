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
    /// Cloud provider name as Global AssetView writes it: `EC_2`/`EC2`/`AMAZON` → `AWS`,
    /// `GOOGLE` → `GCP`, `MICROSOFT` → `AZURE`; anything else upper-cased.
    case cloudProvider = "cloud_provider"
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
            if !Normaliser.isBlank(clean) { out.values = [clean] }
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
        case .cloudProvider:
            let u = t.uppercased()
            switch u {
            case "EC_2", "EC2", "AMAZON", "AMAZON WEB SERVICES": out.values = ["AWS"]
            case "GOOGLE", "GOOGLE CLOUD", "GCE": out.values = ["GCP"]
            case "MICROSOFT", "MICROSOFT AZURE": out.values = ["AZURE"]
            default: out.values = [u]
            }
        case .lower:
            out.values = [t.lowercased()]
        case .os:
            out.values = [Normaliser.hasSpaceRuns(t) ? Normaliser.collapseSpaces(t) : t]
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
            if let fast = Normaliser.uuidASCII(t) {
                if let u = fast { out.values = [u] } else { out.invalid = [t] }
                return out
            }
            if let u = Normaliser.uuidGeneral(t) { out.values = [u] } else { out.invalid = [t] }
        case .serial:
            if Normaliser.isSerialPlaceholder(t) {
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
        let hasControls = withBytes(s) { b in
            for x in b where x < 0x20 || x == 0x7F { return true }
            return false
        }
        guard hasControls else { return (s, 0) }
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

    /// Whether `collapseSpaces` could change `s` (a trimmed string): false means it returns `s`.
    static func hasSpaceRuns(_ s: String) -> Bool {
        withBytes(s) { bytes in
            var previousSpace = true  // a leading space would be dropped
            for b in bytes {
                if b == 9 || b == 10 || b == 13 { return true }
                if b == 32 {
                    if previousSpace { return true }
                    previousSpace = true
                } else {
                    previousSpace = false
                }
            }
            return previousSpace  // a trailing space (or empty text) would be dropped
        }
    }

    /// True when `s` is empty or only white space and line breaks (`CharacterSet.whitespacesAndNewlines`),
    /// decided on the bytes unless `s` has non-ASCII characters.
    static func isBlank(_ s: String) -> Bool {
        let ascii: Bool? = withBytes(s) { bytes in
            for b in bytes {
                if b >= 0x80 { return nil }
                if b != 32 && (b < 9 || b > 13) { return false }
            }
            return true
        }
        if let ascii { return ascii }
        return s.unicodeScalars.allSatisfy { CharacterSet.whitespacesAndNewlines.contains($0) }
    }

    static let serialPlaceholders: Set<String> = [
        "0", "none", "n/a", "na", "null", "unknown", "default string", "to be filled by o.e.m.",
        "system serial number", "not specified", "not applicable", "0123456789", "123456789",
    ]

    /// A BIOS serial that names no machine (`To Be Filled By O.E.M.`, `0000 0000`).
    static func isSerialPlaceholder(_ t: String) -> Bool {
        var ascii = true, zeros = true
        for b in t.utf8 {
            if b >= 0x80 { ascii = false }
            if b != 48 && b != 32 { zeros = false }
        }
        if zeros { return true }  // every character "0" or " " (also what Character comparison gives)
        // The longest placeholder has 22 bytes; lower-casing ASCII keeps the length.
        if ascii && t.utf8.count > 22 { return false }
        return serialPlaceholders.contains(t.lowercased())
    }

    /// Runs `body` on the UTF-8 bytes of `s` without copying when the string is native.
    @inline(__always)
    static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    @inline(__always) static func asciiLower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }

    @inline(__always) static func isLowerHex(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 102) }

    /// The `uuid` normaliser on ASCII text: `.some(.some(u))` a value, `.some(.none)` a placeholder,
    /// nil when `t` has non-ASCII characters (the caller then takes the general path).
    static func uuidASCII(_ t: String) -> String?? {
        withBytes(t) { b -> String?? in
            var lo = 0, hi = b.count
            var allZero = true, allF = true
            for x in b {
                if x >= 0x80 { return nil }
            }
            if hi >= 2 && b[0] == 123 && b[hi - 1] == 125 { lo = 1; hi -= 1 }
            var changed = false
            for i in lo..<hi {
                let x = b[i]
                if x >= 65 && x <= 90 { changed = true }
                let l = asciiLower(x)
                if l == 45 { continue }
                if l != 48 { allZero = false }
                if l != 102 { allF = false }
            }
            if allZero || allF { return .some(.none) }
            if !changed && lo == 0 && hi == b.count { return .some(t) }
            let slice = UnsafeBufferPointer(rebasing: b[lo..<hi])
            return .some(String(unsafeUninitializedCapacity: slice.count) { out in
                for (i, x) in slice.enumerated() { out[i] = asciiLower(x) }
                return slice.count
            })
        }
    }

    /// The `uuid` normaliser on any text: the value, or nil for an all-zero / all-F placeholder.
    static func uuidGeneral(_ t: String) -> String? {
        var u = t.lowercased()
        if u.hasPrefix("{") && u.hasSuffix("}") && u.count >= 2 { u = String(u.dropFirst().dropLast()) }
        let hex = u.filter { $0 != "-" }
        let placeholder = hex.allSatisfy({ $0 == "0" }) || hex.allSatisfy({ $0 == "f" })
        return placeholder ? nil : u
    }

    /// `isSerialPlaceholder` on Characters (the reference for the byte version).
    static func isSerialPlaceholderGeneral(_ t: String) -> Bool {
        serialPlaceholders.contains(t.lowercased()) || t.allSatisfy({ $0 == "0" || $0 == " " })
    }

    static func collapseSpaces(_ s: String) -> String {
        // ASCII: drop empty pieces between the separators, join with one space (as `split` does).
        let ascii: String? = withBytes(s) { b in
            // CR LF is one Character, which `split` does not take for a separator.
            guard !b.contains(where: { $0 >= 0x80 || $0 == 13 }) else { return nil }
            return String(unsafeUninitializedCapacity: b.count) { out in
                var n = 0, pendingSpace = false
                for x in b {
                    if x == 32 || x == 9 || x == 10 || x == 13 {
                        pendingSpace = n > 0
                    } else {
                        if pendingSpace { out[n] = 32; n += 1; pendingSpace = false }
                        out[n] = x
                        n += 1
                    }
                }
                return n
            }
        }
        if let ascii { return ascii }
        return s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    static func unique(_ a: [String]) -> [String] {
        if a.count < 2 { return a }
        if a.count <= 8 {
            var out: [String] = []
            out.reserveCapacity(a.count)
            for v in a where !out.contains(v) { out.append(v) }
            return out
        }
        var seen = Set<String>()
        return a.filter { seen.insert($0).inserted }
    }

    static func splitList(_ s: String) -> [String] {
        if !s.utf8.contains(where: { $0 == 44 || $0 == 59 || $0 == 32 || $0 == 9 || $0 == 10 }) {
            return s.isEmpty ? [] : [s]
        }
        return s.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\n" })
            .map { String($0) }
            .filter { !$0.isEmpty }
    }

    /// `web-01.example.com.` → `web-01`; an IP address is not a host name.
    static func shortHostname(_ s: String) -> String? {
        if let fast = hostnameASCII(s, full: false) { return fast }
        return hostnameGeneral(s, full: false)
    }

    /// `shortHostname` (`full` false) or `fqdn` (`full` true) on any text.
    static func hostnameGeneral(_ s: String, full: Bool) -> String? {
        full ? fqdnGeneral(s) : shortHostnameGeneral(s)
    }

    static func shortHostnameGeneral(_ s: String) -> String? {
        var t = s.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        if t.isEmpty || t.hasPrefix(".") || t.utf8.contains(32) { return nil }
        if canonicalIPv4(t) != nil || canonicalIPv6(t) != nil { return nil }
        return String(t.split(separator: ".", maxSplits: 1).first ?? Substring(t))
    }

    /// `WEB-01.Example.com.` → `web-01.example.com`; `half-163.` and `.example.com` → nil.
    static func fqdn(_ s: String) -> String? {
        if let fast = hostnameASCII(s, full: true) { return fast }
        return fqdnGeneral(s)
    }

    static func fqdnGeneral(_ s: String) -> String? {
        var t = s.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        let b = Array(t.utf8)
        if b.isEmpty || b[0] == 46 || !b.contains(46) || b.contains(32) { return nil }
        if zip(b, b.dropFirst()).contains(where: { $0 == 46 && $1 == 46 }) { return nil }
        if canonicalIPv4(t) != nil || canonicalIPv6(t) != nil { return nil }
        return t
    }

    /// `shortHostname` (`full` false) or `fqdn` (`full` true) on the bytes of ASCII text:
    /// `.some(value)` the answer, nil when the general path must decide (non-ASCII, NUL, `:`).
    static func hostnameASCII(_ s: String, full: Bool) -> String?? {
        withBytes(s) { b -> String?? in
            var upper = false
            for x in b {
                if x >= 0x80 || x == 0 || x == 58 { return nil }
                if x >= 65 && x <= 90 { upper = true }
            }
            var end = b.count
            while end > 0 && b[end - 1] == 46 { end -= 1 }
            if end == 0 || b[0] == 46 { return .some(nil) }
            let body = UnsafeBufferPointer(rebasing: b[0..<end])
            if body.contains(32) { return .some(nil) }
            var len = end
            if full {
                guard body.contains(46) else { return .some(nil) }
                for i in 1..<end where body[i] == 46 && body[i - 1] == 46 { return .some(nil) }
            }
            if isIPv4(body) { return .some(nil) }
            if !full, let firstDot = body.firstIndex(of: 46) { len = firstDot }
            if !upper && len == b.count { return .some(s) }
            return .some(String(unsafeUninitializedCapacity: len) { out in
                for i in 0..<len { out[i] = asciiLower(b[i]) }
                return len
            })
        }
    }

    /// Whether `b` is an IPv4 address as `inet_pton(AF_INET)` accepts it: four decimal parts
    /// 0–255 without leading zeros. (Such text is already its own canonical form.)
    static func isIPv4(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var octets = 0, value = 0, sawDigit = false
        for x in b {
            if x >= 48 && x <= 57 {
                if sawDigit && value == 0 { return false }
                value = value * 10 + Int(x - 48)
                if value > 255 { return false }
                if !sawDigit {
                    octets += 1
                    if octets > 4 { return false }
                    sawDigit = true
                }
            } else if x == 46 && sawDigit {
                if octets == 4 { return false }
                value = 0
                sawDigit = false
            } else {
                return false
            }
        }
        return octets == 4
    }

    /// The `mac` normaliser on the bytes of ASCII text; `.some(nil)` not a MAC, nil non-ASCII.
    static func macASCII(_ s: String) -> String?? {
        withBytes(s) { b -> String?? in
            @inline(__always) func nibble(_ l: UInt8) -> UInt64 { UInt64(l <= 57 ? l - 48 : l - 87) }
            // Parts between `:` / `-` (empty ones skipped, as `split` does).
            var parts = 0, partLen = 0, partsOK = true
            var value: UInt64 = 0, part: UInt64 = 0
            for x in b {
                if x >= 0x80 { return nil }
                if x == 58 || x == 45 {
                    if partLen > 0 {
                        parts += 1
                        if partLen > 2 { partsOK = false }
                        value = value << 8 | part
                    }
                    partLen = 0
                    part = 0
                } else {
                    let l = asciiLower(x)
                    if isLowerHex(l) { part = part << 4 | nibble(l) } else { partsOK = false }
                    partLen += 1
                }
            }
            if partLen > 0 {
                parts += 1
                if partLen > 2 { partsOK = false }
                value = value << 8 | part
            }
            if parts == 6 {
                guard partsOK else { return .some(nil) }
            } else {
                // 12 hex digits, bare or in three dot-separated groups of four characters.
                guard parts == 1 else { return .some(nil) }
                var n = 0, groups = 0, groupLen = 0, groupsOK = true
                value = 0
                for x in b {
                    if x == 46 {
                        if groupLen > 0 {
                            groups += 1
                            if groupLen != 4 { groupsOK = false }
                        }
                        groupLen = 0
                        continue
                    }
                    groupLen += 1
                    if x == 58 || x == 45 || x == 32 { continue }
                    let l = asciiLower(x)
                    guard isLowerHex(l) else { return .some(nil) }
                    n += 1
                    if n > 12 { return .some(nil) }
                    value = value << 4 | nibble(l)
                }
                if groupLen > 0 {
                    groups += 1
                    if groupLen != 4 { groupsOK = false }
                }
                guard n == 12, groups == 1 || (groups == 3 && groupsOK) else { return .some(nil) }
            }
            if value == 0 || value == 0xFFFF_FFFF_FFFF { return .some(nil) }
            return .some(String(unsafeUninitializedCapacity: 17) { out in
                var j = 0
                for i in 0..<12 {
                    if i > 0 && i % 2 == 0 { out[j] = 58; j += 1 }
                    let d = UInt8((value >> UInt64(4 * (11 - i))) & 0xF)
                    out[j] = d < 10 ? 48 + d : 87 + d
                    j += 1
                }
                return 17
            })
        }
    }

    /// Any of `00:50:56:0A:0B:02`, `00-50-56-0a-0b-02`, `0050.560a.0b02`, `0050560a0b02`,
    /// `0:50:56:a:b:2` → `00:50:56:0a:0b:02`. Nil for other shapes, all-zero and broadcast.
    static func mac(_ s: String) -> String? {
        if let fast = macASCII(s) { return fast }
        return macGeneral(s)
    }

    /// `mac` on Characters (non-ASCII text; the reference for `macASCII`).
    static func macGeneral(_ s: String) -> String? {
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
        // Accepted text is its own canonical form; only text with a NUL needs the C round trip.
        switch withBytes(s, { b in b.contains(0) ? nil : isIPv4(b) }) {
        case .some(true): return s
        case .some(false): return nil
        case .none: return canonicalIPv4ViaInet(s)
        }
    }

    /// `canonicalIPv4` through `inet_pton` / `inet_ntop` (text with a NUL; the reference).
    static func canonicalIPv4ViaInet(_ s: String) -> String? {
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
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { buf in
            guard inet_ntop(AF_INET6, &addr, buf.baseAddress!, socklen_t(buf.count)) != nil else { return nil }
            return String(cString: buf.baseAddress!)
        }
    }

    /// UTC seconds: `.some(.some(s))` a time, `.some(.none)` "never" (`0`), `nil` not a time.
    static func timestamp(_ s: String) -> Int64?? {
        if withBytes(s, { b in !b.contains(where: { $0 < 48 || $0 > 57 }) }) {
            guard let n = Int64(s) else { return nil }
            if n == 0 { return .some(nil) }
            // Epoch milliseconds (the GAV form) from 1973 on; shorter numbers are seconds.
            return .some(n >= 100_000_000_000 ? n / 1000 : n)
        }
        return parseISO(s).map { .some($0) }
    }

    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`, or a date alone (midnight UTC).
    static func parseISO(_ s: String) -> Int64? {
        withBytes(s) { parseISO(bytes: $0) }
    }

    static func parseISO(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
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
