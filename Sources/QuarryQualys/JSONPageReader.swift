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
    var recordID: String?
    var counter: Int32 = 0
    var invalidUTF8 = 0
    var repairs: [TextRepair] = []
    /// Key paths below the asset, interned once per page (see `child(of:after:key:)`).
    var paths = KeyPaths()

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
        repairs.removeAll()
        recordID = nil
        counter = 0
        try object(node: 0, group: 0)
        let locator = Locator(api: .gav, page: page, position: position)
        let id = recordID ?? ""
        if id.isEmpty {
            let excerpt = fields.prefix(12).map { "\($0.path)=\($0.value)" }.joined(separator: " ")
            result.rejects.append(Reject(source: "gav", locator: locator.description,
                                         reason: "missing required field assetId", excerpt: excerpt))
        } else {
            result.records.append(SourceRecord(api: .gav, recordID: id, locator: locator, fields: fields,
                                               repairs: repairs))
        }
        // The record now owns the old storage: start a new one of the same size.
        let size = fields.count
        fields = []
        fields.reserveCapacity(size)
    }

    /// An object below the asset (`node` 0 is the asset itself) whose `{` is at `i`.
    mutating func object(node: Int32, group: Int32) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        var previous: Int32 = -1
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
            let child = try key(of: node, after: previous)
            previous = child
            skipSpace()
            try expect(UInt8(ascii: ":"))
            if paths.kinds[Int(child)] == .unknown {
                result.unknownElements[paths.keys[Int(child)], default: 0] += 1
                try skipValue()
            } else {
                try value(node: child, group: group)
            }
            if try moreMembers() { continue }
            return
        }
    }

    /// Reads the key whose opening quote is at `i` and returns its path node below `parent`.
    mutating func key(of parent: Int32, after previous: Int32) throws -> Int32 {
        let start = i + 1
        if let hit = paths.predictedInPlace(of: parent, after: previous, in: buf, at: start) {
            i = hit.end + 1
            return hit.node
        }
        var j = start
        while j < buf.count {
            let c = buf[j]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") || c >= 0x80 {
                // Rare: an escaped or non-ASCII key goes through the full string decoder.
                let text = try string()
                return paths.child(of: parent, after: previous, key: text, known: known)
            }
            j += 1
        }
        guard j < buf.count else { throw fail("unterminated string") }
        i = j + 1
        let raw = UnsafeRawBufferPointer(rebasing: buf[start..<j])
        if let hit = paths.predicted(of: parent, after: previous, key: raw) { return hit }
        return paths.child(of: parent, after: previous, key: String(decoding: raw, as: UTF8.self), known: known)
    }

    mutating func value(node: Int32, group: Int32) throws {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "{"):
            counter += 1
            try object(node: node, group: counter)
        case UInt8(ascii: "["):
            i += 1
            try elements { s in try s.value(node: node, group: group) }
        default:
            let before = invalidUTF8
            let path = paths.paths[Int(node)]
            if let text = try scalarOrSkip() {
                if node == paths.idNode && recordID == nil { recordID = text }
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
            if try moreMembers() { continue }
            return
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

    /// After an object member: true at `,` (another member follows), false at `}` (consumed).
    mutating func moreMembers() throws -> Bool {
        skipSpace()
        let c = peek()
        if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") {
            i += 1
            return c == UInt8(ascii: ",")
        }
        throw fail("expected , or } in an object")
    }

    func fail(_ message: String) -> ExtractError {
        var line = 1, column = 1
        for k in 0..<min(i, buf.count) {
            if buf[k] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return .malformedPage(api: .gav, page: page, line: line, column: column, message: message)
    }
}

/// Key paths below the asset object, interned per page: a trie of keys whose nodes are
/// found by predicting each key from the key that preceded it in the same object last
/// time (assets repeat their shape), so a key costs one byte compare, not a String.
private struct KeyPaths {
    enum Kind { case known, unknown }

    /// Node 0 is the asset object itself.
    private(set) var keys: [String] = [""]
    private(set) var paths: [String] = [""]
    private(set) var kinds: [Kind] = [.known]
    private var keyBytes: [[UInt8]] = [[]]
    /// True when the key is written as is in JSON: no quote, backslash or control byte.
    private var plain: [Bool] = [true]
    private var nextSibling: [Int32] = [-1]
    private var firstChild: [Int32] = [-1]
    private var index: [ChildKey: Int32] = [:]
    /// The node of the asset's `assetId`, once seen.
    private(set) var idNode: Int32 = -1

    private struct ChildKey: Hashable {
        var parent: Int32
        var key: String
    }

    /// The node predicted for the key after `previous` under `parent`, if the raw key text
    /// at `start` in `buf` is its key followed by the closing quote; `end` is that quote.
    func predictedInPlace(of parent: Int32, after previous: Int32, in buf: UnsafeRawBufferPointer, at start: Int)
        -> (node: Int32, end: Int)?
    {
        let guess = previous >= 0 ? nextSibling[Int(previous)] : firstChild[Int(parent)]
        guard guess >= 0, plain[Int(guess)] else { return nil }
        let bytes = keyBytes[Int(guess)]
        let end = start + bytes.count
        guard end < buf.count, buf[end] == UInt8(ascii: "\"") else { return nil }
        let same = bytes.withUnsafeBytes { b in
            b.count == 0 || memcmp(b.baseAddress!, buf.baseAddress! + start, b.count) == 0
        }
        return same ? (guess, end) : nil
    }

    /// The node predicted for the key after `previous` under `parent`, if its bytes match.
    func predicted(of parent: Int32, after previous: Int32, key: UnsafeRawBufferPointer) -> Int32? {
        let guess = previous >= 0 ? nextSibling[Int(previous)] : firstChild[Int(parent)]
        guard guess >= 0 else { return nil }
        let bytes = keyBytes[Int(guess)]
        guard bytes.count == key.count else { return nil }
        let same = bytes.withUnsafeBytes { b in
            b.count == 0 || memcmp(b.baseAddress!, key.baseAddress!, b.count) == 0
        }
        return same ? guess : nil
    }

    /// The node for `key` under `parent` (created on first sight); remembers it as the
    /// successor of `previous`.
    mutating func child(of parent: Int32, after previous: Int32, key: String, known: Set<String>?) -> Int32 {
        let lookup = ChildKey(parent: parent, key: key)
        let id: Int32
        if let found = index[lookup] {
            id = found
        } else {
            id = Int32(keys.count)
            let kind: Kind = parent == 0 && known.map({ !$0.contains(key) }) == true ? .unknown : .known
            keys.append(key)
            paths.append(parent == 0 ? key : paths[Int(parent)] + "." + key)
            kinds.append(kind)
            keyBytes.append(Array(key.utf8))
            plain.append(!key.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
            nextSibling.append(-1)
            firstChild.append(-1)
            index[lookup] = id
            if parent == 0 && key == "assetId" { idNode = id }
        }
        if previous >= 0 { nextSibling[Int(previous)] = id } else { firstChild[Int(parent)] = id }
        return id
    }
}
