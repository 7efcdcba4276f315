// Quarry — deterministic pseudo-random values keyed by (seed, what, which).

/// A small SplitMix64 stream: every value of the tenant is drawn from one of these,
/// keyed by the seed and the thing it describes, so any record can be rebuilt alone.
struct Dice {
    private var state: UInt64

    init(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) {
        var s = Dice.mix(seed &+ 0x51ED_27A5_9C3D_4B11)
        s = Dice.mix(s ^ a)
        s = Dice.mix(s &+ b &* 0x9E37_79B9)
        s = Dice.mix(s ^ (c &* 0xC2B2_AE3D_27D4_EB4F))
        state = s
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        return Dice.mix(state)
    }

    /// A value in 0..<n.
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// True with probability p.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Lowercase hex of `count` digits.
    mutating func hex(_ count: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var v = next()
            for _ in 0..<16 where i < count {
                bytes[i] = hexBytes[Int(v & 15)]
                v >>= 4
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A random-looking RFC 4122 version-4 UUID, lowercase (uppercase when asked).
    mutating func uuid(uppercase: Bool = false) -> String {
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var v = next(), w = next()
        var j = 0
        for i in 0..<36 where i != 8 && i != 13 && i != 18 && i != 23 {
            let nibble: Int
            if j < 16 { nibble = Int(v & 15); v >>= 4 } else { nibble = Int(w & 15); w >>= 4 }
            bytes[i] = hexBytes[nibble]
            j += 1
        }
        bytes[14] = UInt8(ascii: "4")
        bytes[19] = hexBytes[8 + Int(next() % 4)]
        if uppercase {
            for i in 0..<36 where bytes[i] >= UInt8(ascii: "a") { bytes[i] -= 32 }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

let hexBytes: [UInt8] = Array("0123456789abcdef".utf8)


/// Dates the way the three APIs write them, without Foundation formatters (hot path).
enum SimDate {
    /// `2026-03-02T02:00:00Z`
    static func iso(_ seconds: Int64) -> String {
        var out = [UInt8](repeating: 0, count: 20)
        fill(&out, seconds)
        out[19] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    /// `2026-03-02T02:00:00.123Z`
    static func isoMillis(_ millis: Int64) -> String {
        var out = [UInt8](repeating: 0, count: 24)
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        fill(&out, seconds)
        out[19] = UInt8(ascii: ".")
        put(&out, 20, Int(millis - seconds * 1000), 3)
        out[23] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` into the first 19 bytes.
    private static func fill(_ out: inout [UInt8], _ seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rem = Int(seconds - days * 86_400)
        let (y, m, d) = civil(days)
        put(&out, 0, y, 4); out[4] = UInt8(ascii: "-"); put(&out, 5, m, 2); out[7] = UInt8(ascii: "-")
        put(&out, 8, d, 2); out[10] = UInt8(ascii: "T"); put(&out, 11, rem / 3600, 2)
        out[13] = UInt8(ascii: ":"); put(&out, 14, (rem % 3600) / 60, 2); out[16] = UInt8(ascii: ":")
        put(&out, 17, rem % 60, 2)
    }

    private static func put(_ out: inout [UInt8], _ at: Int, _ value: Int, _ width: Int) {
        var v = max(0, value)
        for i in stride(from: at + width - 1, through: at, by: -1) {
            out[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    private static func civil(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
