// Quarry — streaming byte repair in front of libxml2 (BR-05, BR-17).

/// Replaces what XML 1.0 or UTF-8 forbid by a marker, chunk by chunk, before libxml2 sees it.
///
/// - A C0 control byte other than TAB, LF, CR becomes marker `control`.
/// - Each byte that is not part of a valid UTF-8 sequence (and a raw U+FFFE, U+FFFF or one
///   of the marker noncharacters) becomes marker `invalidUTF8`.
/// - Outside CDATA sections and comments, a character reference to a code point XML 1.0
///   forbids (`&#0;`, `&#x1B;`, surrogates, U+FFFE/U+FFFF, above U+10FFFF) becomes marker
///   `charRef`.
///
/// The markers are the Unicode noncharacters U+FDD0, U+FDD1, U+FDD2 ("reserved for
/// process-internal use"): legal in XML text, illegal in XML names (so a repair inside a
/// tag name still fails the parse instead of silently renaming the tag). The reader turns
/// each marker into U+FFFD and counts it against the record and field it landed in.
/// Constructs cut by a chunk boundary (a UTF-8 sequence, `&#…;`, `<![CDATA[`, `]]>`,
/// `<!--`, `-->`) are held back until the next chunk.
struct ByteRepairFilter {
    static let markerLead: (UInt8, UInt8) = (0xEF, 0xB7)
    static let controlMarker: UInt8 = 0x90
    static let invalidUTF8Marker: UInt8 = 0x91
    static let charRefMarker: UInt8 = 0x92

    private enum State { case markup, cdata, comment }

    /// Repairs made so far in this document.
    private(set) var repairs = 0
    private var state = State.markup
    private var carry: [UInt8] = []

    /// Filters `input` and appends the result to `out`. With `isFinal`, nothing is held back.
    mutating func process(_ input: UnsafeRawBufferPointer, isFinal: Bool, into out: inout [UInt8]) {
        if carry.isEmpty {
            let used = scan(input, isFinal: isFinal, into: &out)
            if used < input.count { carry.append(contentsOf: input[used...]) }
        } else {
            var work = carry
            work.append(contentsOf: input)
            carry.removeAll(keepingCapacity: true)
            work.withUnsafeBytes { buf in
                let used = scan(buf, isFinal: isFinal, into: &out)
                if used < buf.count { carry.append(contentsOf: buf[used...]) }
            }
        }
    }

    /// Like `process` (not final), but when `input` passes unchanged (nothing carried in,
    /// held back or replaced, `out` empty) appends nothing and returns true: the caller
    /// then uses `input` itself and saves a copy.
    mutating func processPassingThrough(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard carry.isEmpty, out.isEmpty else {
            process(input, isFinal: false, into: &out)
            return false
        }
        passThrough = true
        passedThrough = false
        let used = scan(input, isFinal: false, into: &out)
        passThrough = false
        if used < input.count { carry.append(contentsOf: input[used...]) }
        return passedThrough
    }

    private var passThrough = false
    private var passedThrough = false

    private mutating func emitMarker(_ kind: UInt8, into out: inout [UInt8]) {
        out.append(0xEF)
        out.append(0xB7)
        out.append(kind)
        repairs += 1
    }

    /// Returns how many bytes of `buf` were consumed; the rest must be carried.
    private mutating func scan(_ buf: UnsafeRawBufferPointer, isFinal: Bool, into out: inout [UInt8]) -> Int {
        let n = buf.count
        var i = 0
        var runStart = 0
        func flush(_ end: Int, _ out: inout [UInt8]) {
            if end > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[runStart..<end])) }
        }
        let base = buf.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
        while i < n {
            // Fast path: plain ASCII (TAB, LF, CR and printable) that opens nothing in the
            // current state: eight bytes at a time, a word holding TAB/LF/CR byte by byte.
            // In markup a `<` opens something only when `!` follows it; inside CDATA or a
            // comment only `]` or `-` can start the end.
            if let base {
                let raw = UnsafeRawPointer(base)
                let markup = state == .markup
                let a: UInt8 = markup ? 0x26 : (state == .cdata ? 0x5D : 0x2D)
                let b: UInt8 = markup ? 0x21 : a
                var special = false
                while i < n && !special {
                    while i + 9 <= n {
                        let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        if !Self.plainWord(x, a, b) || base[i + 8] == 0x21 { break }
                        i += 8
                    }
                    let end = min(i + 8, n)
                    while i < end {
                        let c = base[i]
                        if c >= 0x20 && c < 0x80 && c != a {
                            if markup && c == 0x3C && (i + 1 == n || base[i + 1] == 0x21) { special = true; break }
                            i += 1
                        } else if c == 0x0A || c == 0x09 || c == 0x0D {
                            i += 1
                        } else {
                            special = true
                            break
                        }
                    }
                }
                if i == n { break }
            }
            let b = buf[i]
            if b >= 0x20 && b < 0x80 {
                switch state {
                case .markup:
                    if b == 0x26 {  // &
                        switch charRef(buf, at: i, isFinal: isFinal) {
                        case .needMore:
                            flush(i, &out)
                            return i
                        case .notForbidden:
                            i += 1
                        case .forbidden(let length):
                            flush(i, &out)
                            emitMarker(Self.charRefMarker, into: &out)
                            i += length
                            runStart = i
                        }
                    } else if b == 0x3C {  // <
                        let cdata = match(buf, at: i, cdataOpen, isFinal: isFinal)
                        let comment = match(buf, at: i, commentOpen, isFinal: isFinal)
                        if cdata == true {
                            state = .cdata
                            i += cdataOpen.count
                        } else if comment == true {
                            state = .comment
                            i += commentOpen.count
                        } else if cdata == nil || comment == nil {
                            flush(i, &out)
                            return i
                        } else {
                            i += 1
                        }
                    } else {
                        i += 1
                    }
                case .cdata, .comment:
                    let first: UInt8 = state == .cdata ? 0x5D : 0x2D  // ] or -
                    if b == first {
                        let close = state == .cdata ? cdataClose : commentClose
                        guard let m = match(buf, at: i, close, isFinal: isFinal) else {
                            flush(i, &out)
                            return i
                        }
                        if m { state = .markup; i += close.count } else { i += 1 }
                    } else {
                        i += 1
                    }
                }
                continue
            }
            if b < 0x20 {
                if b == 0x09 || b == 0x0A || b == 0x0D { i += 1; continue }
                flush(i, &out)
                emitMarker(Self.controlMarker, into: &out)
                i += 1
                runStart = i
                continue
            }
            if b == 0x7F { i += 1; continue }
            switch utf8Sequence(buf, at: i, isFinal: isFinal) {
            case .needMore:
                flush(i, &out)
                return i
            case .valid(let length):
                i += length
            case .invalid(let length):
                flush(i, &out)
                emitMarker(Self.invalidUTF8Marker, into: &out)
                i += length
                runStart = i
            }
        }
        if passThrough && runStart == 0 && out.isEmpty {
            passedThrough = true
            return n
        }
        flush(n, &out)
        return n
    }

    /// True when none of the eight bytes in `x` is below 0x20, at or above 0x80, `a` or `b`
    /// (SWAR: a borrow into a byte's top bit marks a byte below the limit or equal to zero).
    @inline(__always)
    private static func plainWord(_ x: UInt64, _ a: UInt8, _ b: UInt8) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let below20 = (x &- ones &* 0x20) & ~x
        let ya = x ^ (ones &* UInt64(a)), yb = x ^ (ones &* UInt64(b))
        let zeroA = (ya &- ones) & ~ya
        let zeroB = (yb &- ones) & ~yb
        return (x | below20 | zeroA | zeroB) & high == 0
    }

    // Instance constants: a static would cost a `swift_once` check per use on the hot path.
    private let cdataOpen: [UInt8] = Array("<![CDATA[".utf8)
    private let cdataClose: [UInt8] = Array("]]>".utf8)
    private let commentOpen: [UInt8] = Array("<!--".utf8)
    private let commentClose: [UInt8] = Array("-->".utf8)

    /// true/false when decidable; nil when the buffer ends inside a possible match.
    private func match(_ buf: UnsafeRawBufferPointer, at i: Int, _ pattern: [UInt8], isFinal: Bool) -> Bool? {
        for k in 0..<pattern.count {
            if i + k >= buf.count { return isFinal ? false : nil }
            if buf[i + k] != pattern[k] { return false }
        }
        return true
    }

    private enum CharRef { case needMore, notForbidden, forbidden(length: Int) }

    /// Looks at `&#…;` starting at `i`.
    private func charRef(_ buf: UnsafeRawBufferPointer, at i: Int, isFinal: Bool) -> CharRef {
        let n = buf.count
        var j = i + 1
        guard j < n else { return isFinal ? .notForbidden : .needMore }
        guard buf[j] == 0x23 else { return .notForbidden }  // #
        j += 1
        guard j < n else { return isFinal ? .notForbidden : .needMore }
        var hex = false
        if buf[j] == 0x78 { hex = true; j += 1 }  // x
        var value: UInt64 = 0
        var digits = 0
        while true {
            guard j < n else { return isFinal || j - i > 24 ? .notForbidden : .needMore }
            let c = buf[j]
            if c == 0x3B { break }  // ;
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x66 where hex: d = UInt64(c - 0x61 + 10)
            case 0x41...0x46 where hex: d = UInt64(c - 0x41 + 10)
            default: return .notForbidden
            }
            value = min(value * (hex ? 16 : 10) + d, 0x1_0000_0000)
            digits += 1
            j += 1
            if j - i > 24 { return .notForbidden }
        }
        guard digits > 0 else { return .notForbidden }
        return Self.isForbidden(value) ? .forbidden(length: j + 1 - i) : .notForbidden
    }

    /// Code points XML 1.0 does not allow as characters, plus the marker noncharacters.
    static func isForbidden(_ v: UInt64) -> Bool {
        if v < 0x20 { return !(v == 0x09 || v == 0x0A || v == 0x0D) }
        if v >= 0xD800 && v <= 0xDFFF { return true }
        if v == 0xFFFE || v == 0xFFFF { return true }
        if v >= 0xFDD0 && v <= 0xFDD2 { return true }
        return v > 0x10FFFF
    }

    private enum UTF8Sequence { case needMore, valid(Int), invalid(Int) }

    private func utf8Sequence(_ buf: UnsafeRawBufferPointer, at i: Int, isFinal: Bool) -> UTF8Sequence {
        let lead = buf[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalid(1)
        }
        for k in 1..<length {
            if i + k >= buf.count { return isFinal ? .invalid(1) : .needMore }
            let c = buf[i + k]
            let lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF
            if c < lo || c > hi { return .invalid(1) }
        }
        if length == 3 && lead == 0xEF {
            let b1 = buf[i + 1], b2 = buf[i + 2]
            // U+FFFE, U+FFFF (not XML characters) and the markers U+FDD0…U+FDD2.
            if b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF) { return .invalid(3) }
            if b1 == 0xB7 && b2 >= 0x90 && b2 <= 0x92 { return .invalid(3) }
        }
        return .valid(length)
    }
}
