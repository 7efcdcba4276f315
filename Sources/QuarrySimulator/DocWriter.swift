// Quarry — byte buffer for response documents, flushed in chunks to a sink.

/// Collects a document's bytes and hands them to `sink` every `chunkSize` bytes, so a
/// page of any size is written with a bounded buffer. With no sink it keeps everything.
final class DocWriter {
    private(set) var buffer: [UInt8] = []
    private let sink: (([UInt8]) -> Bool)?
    private let chunkSize: Int
    /// Set when the sink refused a chunk (peer gone): writers stop early.
    private(set) var failed = false
    private(set) var totalBytes = 0

    init(chunkSize: Int = 64 * 1024, sink: (([UInt8]) -> Bool)? = nil) {
        self.sink = sink
        self.chunkSize = chunkSize
        buffer.reserveCapacity(sink == nil ? chunkSize : chunkSize + 4_096)
    }

    @inline(__always) func raw(_ s: String) {
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        maybeFlush()
    }

    @inline(__always) func byte(_ b: UInt8) { buffer.append(b) }

    /// `"key":`
    func jsonKey(_ key: String) {
        buffer.append(UInt8(ascii: "\""))
        var k = key
        k.withUTF8 { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// A decimal integer.
    func integer(_ v: Int64) {
        if v < 0 { buffer.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(d[i]) }
        }
        maybeFlush()
    }

    func bytes(_ b: [UInt8]) {
        buffer.append(contentsOf: b)
        maybeFlush()
    }

    /// XML character data with `&`, `<`, `>` escaped.
    func xmlText(_ s: String) {
        var s = s
        let clean = s.withUTF8 { u in
            !u.contains { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
        }
        if clean {
            s.withUTF8 { buffer.append(contentsOf: $0) }
            maybeFlush()
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): buffer.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): buffer.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): buffer.append(contentsOf: "&gt;".utf8)
            default: buffer.append(b)
            }
        }
        maybeFlush()
    }

    /// `<name>text</name>` on its own indented line.
    func element(_ indent: String, _ name: String, _ text: String) {
        raw(indent)
        buffer.append(UInt8(ascii: "<"))
        raw(name)
        buffer.append(UInt8(ascii: ">"))
        xmlText(text)
        buffer.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/")])
        raw(name)
        buffer.append(contentsOf: [UInt8(ascii: ">"), 10])
    }

    /// `<name><![CDATA[text]]></name>` on its own indented line.
    func cdata(_ indent: String, _ name: String, _ text: String) {
        raw(indent)
        buffer.append(UInt8(ascii: "<"))
        raw(name)
        buffer.append(contentsOf: cdataOpen)
        var t = text
        let hasEnd = t.withUTF8 { u in
            u.count >= 3 && (0...(u.count - 3)).contains { u[$0] == 93 && u[$0 + 1] == 93 && u[$0 + 2] == 62 }
        }
        if hasEnd {
            raw(text.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>"))
        } else {
            t.withUTF8 { buffer.append(contentsOf: $0) }
        }
        buffer.append(contentsOf: cdataClose)
        raw(name)
        buffer.append(contentsOf: [UInt8(ascii: ">"), 10])
        maybeFlush()
    }

    /// A JSON string literal.
    func jsonString(_ s: String) {
        buffer.append(UInt8(ascii: "\""))
        var s = s
        let clean = s.withUTF8 { u in
            !u.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if clean {
            s.withUTF8 { buffer.append(contentsOf: $0) }
            buffer.append(UInt8(ascii: "\""))
            maybeFlush()
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): buffer.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: "\\\\".utf8)
            case 0x0A: buffer.append(contentsOf: "\\n".utf8)
            case 0x0D: buffer.append(contentsOf: "\\r".utf8)
            case 0x09: buffer.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                buffer.append(contentsOf: "\\u00".utf8)
                buffer.append(UInt8(ascii: "0") + b / 16)
                let lo = b % 16
                buffer.append(lo < 10 ? UInt8(ascii: "0") + lo : UInt8(ascii: "a") + lo - 10)
            default: buffer.append(b)
            }
        }
        buffer.append(UInt8(ascii: "\""))
        maybeFlush()
    }

    @inline(__always) private func maybeFlush() {
        if sink != nil && buffer.count >= chunkSize { flush() }
    }

    /// Hands what is buffered to the sink.
    func flush() {
        guard let sink, !buffer.isEmpty else { return }
        totalBytes += buffer.count
        if !failed && !sink(buffer) { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Everything written (only meaningful without a sink).
    func finish() -> [UInt8] {
        if sink != nil { flush(); return [] }
        totalBytes = buffer.count
        return buffer
    }
}

private let cdataOpen: [UInt8] = Array("><![CDATA[".utf8)
private let cdataClose: [UInt8] = Array("]]></".utf8)
