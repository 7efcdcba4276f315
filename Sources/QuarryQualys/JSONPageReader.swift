// Quarry — Global AssetView page reader: one JSON body → records and envelope.

import Foundation
import QuarryCore

/// Reads a GAV search page (`{responseCode, count, hasMore, lastSeenAssetId,
/// assetListData: {asset: [...]}}`) with a small hand-written scanner.
///
/// Paths are keys joined by `.` below the asset; arrays add no component. Numbers keep
/// their JSON text exactly (`4100001`, `1.0e12`), `true`/`false` become text, `null`
/// gives no field, `""` gives a field `""`. Strings are kept exactly as decoded (not
/// trimmed: a multi-line value must round-trip, BR-09). `group` counts the objects opened
/// in the record (the asset is 0); a value carries the group of its object. Top-level
/// asset keys outside `knownKeys` are skipped and counted (BR-13).
public enum JSONPageReader {
    /// Top-level asset keys Quarry reads (schema example, fact sheet §1.6).
    public static let knownKeys: Set<String> = [
        "activity", "address", "agent", "agentId", "assetId", "assetName", "assetType", "assetUUID",
        "biosAssetTag", "biosDescription", "biosSerialNumber", "cloudProvider", "container",
        "cpuCount", "createdDate", "dnsName", "hardware", "hostId", "hwSerialNumber", "hwUUID",
        "inventory", "isContainerHost", "isHypervisor", "isVirtualMachine", "lastBoot",
        "lastLoggedOnUser", "lastModifiedDate", "mostFrequentUser", "netbiosName",
        "networkInterfaceListData", "openPortListData", "operatingSystem", "processor", "provider",
        "sensor", "sensorLastUpdatedDate", "serviceList", "softwareListData", "tagList", "timeZone",
        "totalMemory", "userAccountListData", "volumeListData", "hardwareVendor", "domainRole",
        "criticality", "riskScore", "customAttributes", "businessInformation", "businessAppListData",
        "lastLocation", "whois", "domain", "missingSoftware", "assetSource",
    ]

    // TODO(perf): the page body is held whole (a page is 100–1000 assets, a few MB); a
    // resumable scanner fed per chunk would matter only for much larger pages.
    /// Reads a whole page body. Throws `ExtractError.malformedPage` with line and column.
    public static func read(_ data: Data, page: Int, knownKeys: Set<String>? = JSONPageReader.knownKeys)
        throws -> ParsedPage
    {
        try data.withUnsafeBytes { buf in
            var scanner = JSONScanner(buf: buf, page: page, known: knownKeys)
            return try scanner.readPage()
        }
    }
}

private struct JSONScanner {
    let buf: UnsafeRawBufferPointer
    let page: Int
    let known: Set<String>?
    var i = 0
    var result = ParsedPage()
    var fields: [SourceField] = []
    var counter: Int32 = 0
    var invalidUTF8 = 0
    var repairs: [TextRepair] = []

    init(buf: UnsafeRawBufferPointer, page: Int, known: Set<String>?) {
        self.buf = buf
        self.page = page
        self.known = known
        result.root = "json"
    }

    mutating func readPage() throws -> ParsedPage {
        skipSpace()
        if i + 3 <= buf.count && buf[i] == 0xEF && buf[i + 1] == 0xBB && buf[i + 2] == 0xBF { i += 3 }
        try expect(UInt8(ascii: "{"))
        try members { s, key in
            if key == "assetListData" {
                try s.assetListData()
            } else if let text = try s.scalarOrSkip() {
                s.result.envelope.append((key, text))
            }
        }
        skipSpace()
        if i != buf.count { throw fail("unexpected text after the JSON value") }
        return result
    }

    mutating func assetListData() throws {
        skipSpace()
        if peek() == UInt8(ascii: "n") { _ = try scalarOrSkip(); return }
        try expect(UInt8(ascii: "{"))
        try members { s, key in
            guard key == "asset" else { try s.skipValue(); return }
            s.skipSpace()
            if s.peek() == UInt8(ascii: "n") { _ = try s.scalarOrSkip(); return }
            try s.expect(UInt8(ascii: "["))
            try s.elements { s in try s.record() }
        }
    }

    mutating func record() throws {
        skipSpace()
        guard peek() == UInt8(ascii: "{") else { throw fail("expected an asset object") }
        let position = result.records.count + result.rejects.count + 1
        fields.removeAll(keepingCapacity: true)
        repairs.removeAll()
        counter = 0
        try object(prefix: "", group: 0, topLevel: true)
        let locator = Locator(api: .gav, page: page, position: position)
        let id = fields.first { $0.path == "assetId" }?.value ?? ""
        if id.isEmpty {
            let excerpt = fields.prefix(12).map { "\($0.path)=\($0.value)" }.joined(separator: " ")
            result.rejects.append(Reject(source: "gav", locator: locator.description,
                                         reason: "missing required field assetId", excerpt: excerpt))
        } else {
            result.records.append(SourceRecord(api: .gav, recordID: id, locator: locator, fields: fields,
                                               repairs: repairs))
        }
    }

    mutating func object(prefix: String, group: Int32, topLevel: Bool) throws {
        try expect(UInt8(ascii: "{"))
        try members { s, key in
            if topLevel, let known = s.known, !known.contains(key) {
                s.result.unknownElements[key, default: 0] += 1
                try s.skipValue()
                return
            }
            try s.value(path: prefix.isEmpty ? key : prefix + "." + key, group: group)
        }
    }

    mutating func value(path: String, group: Int32) throws {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "{"):
            counter += 1
            try object(prefix: path, group: counter, topLevel: false)
        case UInt8(ascii: "["):
            i += 1
            try elements { s in try s.value(path: path, group: group) }
        default:
            let before = invalidUTF8
            if let text = try scalarOrSkip() {
                fields.append(SourceField(path: path, value: text, group: group))
            }
            if invalidUTF8 > before { noteRepair(path: path, count: invalidUTF8 - before) }
        }
    }

    mutating func noteRepair(path: String, count: Int) {
        if let k = repairs.firstIndex(where: { $0.path == path }) {
            repairs[k].count += count
        } else {
            repairs.append(TextRepair(path: path, kind: .invalidUTF8, count: count))
        }
    }

    // MARK: - Structure

    /// Calls `body` for each `"key": value` of an object whose `{` was consumed.
    mutating func members(_ body: (inout JSONScanner, String) throws -> Void) throws {
        skipSpace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            skipSpace()
            let c = peek()
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { return }
            i -= 1
            throw fail("expected , or } in an object")
        }
    }

    /// Calls `body` for each element of an array whose `[` was consumed.
    mutating func elements(_ body: (inout JSONScanner) throws -> Void) throws {
        skipSpace()
        if peek() == UInt8(ascii: "]") { i += 1; return }
        while true {
            try body(&self)
            skipSpace()
            let c = peek()
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return }
            i -= 1
            throw fail("expected , or ] in an array")
        }
    }

    mutating func skipValue() throws {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "{"):
            i += 1
            try members { s, _ in try s.skipValue() }
        case UInt8(ascii: "["):
            i += 1
            try elements { s in try s.skipValue() }
        default:
            _ = try scalarOrSkip()
        }
    }

    /// A scalar as text (nil for null); objects and arrays are skipped and give nil.
    mutating func scalarOrSkip() throws -> String? {
        skipSpace()
        let c = peek()
        switch c {
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue()
            return nil
        case UInt8(ascii: "t"):
            try literal("true")
            return "true"
        case UInt8(ascii: "f"):
            try literal("false")
            return "false"
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            while i < buf.count {
                let d = buf[i]
                let isNumberByte = (d >= 0x30 && d <= 0x39) || d == UInt8(ascii: "-") || d == UInt8(ascii: "+")
                    || d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E")
                if !isNumberByte { break }
                i += 1
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        default:
            throw fail(i >= buf.count ? "unexpected end of the body" : "unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= buf.count,
              memcmp(buf.baseAddress! + i, word.utf8Start, n) == 0 else { throw fail("expected \(word)") }
        i += n
    }

    /// A JSON string whose opening quote is at `i`.
    mutating func string() throws -> String {
        i += 1
        let start = i
        var ascii = true
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: buf[start..<i])
                i += 1
                return ascii ? String(decoding: raw, as: UTF8.self) : decodeChecked(raw)
            }
            if c == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        throw fail("unterminated string")
    }

    mutating func decodeChecked<C: Collection>(_ raw: C) -> String where C.Element == UInt8 {
        if let s = String(validating: raw, as: UTF8.self) { return s }
        invalidUTF8 += 1
        return String(decoding: raw, as: UTF8.self)
    }

    mutating func escapedString(from start: Int) throws -> String {
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buf[start..<i]))
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return decodeChecked(bytes)
            }
            if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
            guard i + 1 < buf.count else { break }
            let e = buf[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): bytes.append(e)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    if i + 1 < buf.count && buf[i] == UInt8(ascii: "\\") && buf[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let low = try hex4()
                        if low >= 0xDC00 && low <= 0xDFFF {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = save
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    scalar = 0xFFFD
                }
                bytes.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= buf.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    // MARK: - Bytes

    func peek() -> UInt8 { i < buf.count ? buf[i] : 0 }

    mutating func skipSpace() {
        while i < buf.count {
            let c = buf[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard peek() == c else {
            throw fail(i >= buf.count ? "unexpected end of the body" : "expected \(Character(Unicode.Scalar(c)))")
        }
        i += 1
    }

    func fail(_ message: String) -> ExtractError {
        var line = 1, column = 1
        for k in 0..<min(i, buf.count) {
            if buf[k] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return .malformedPage(api: .gav, page: page, line: line, column: column, message: message)
    }
}
