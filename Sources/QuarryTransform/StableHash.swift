// Quarry — a hash that is the same in every process and on every night (FNV-1a, 64 bits).

/// Swift's `Hasher` is seeded per process, so identity keys use this instead: the state
/// file written tonight must match the keys computed tomorrow.
// TODO: 64-bit keys can collide (about 3e-6 per run at 10M keys) and merge two machines;
// widen to 128 bits if tenants grow past ~50M keys.
enum StableHash {
    /// Hash of a key of `role` with canonical text `value`; never 0 (0 means "none").
    static func key(_ role: Role, _ value: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        h = (h ^ UInt64(role.rawValue)) &* 0x0000_0100_0000_01b3
        h = (h ^ 0xFF) &* 0x0000_0100_0000_01b3
        // NetBIOS names are case-insensitive; the tables keep them as received.
        let folded = role == .netbios ? value.uppercased() : value
        h = fnv(h, folded)
        return h == 0 ? 1 : h
    }

    static func text(_ s: String) -> UInt64 {
        let h = fnv(0xcbf2_9ce4_8422_2325, s)
        return h == 0 ? 1 : h
    }

    /// FNV-1a of the UTF-8 bytes of `s`, continuing from `h`.
    @inline(__always)
    static func fnv(_ h: UInt64, _ s: String) -> UInt64 {
        Normaliser.withBytes(s) { bytes in
            var h = h
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            return h
        }
    }

    /// `text(a + separator + b)` without building the joined string.
    static func text(_ a: String, _ separator: UInt8, _ b: String) -> UInt64 {
        var h = fnv(0xcbf2_9ce4_8422_2325, a)
        h = (h ^ UInt64(separator)) &* 0x0000_0100_0000_01b3
        h = fnv(h, b)
        return h == 0 ? 1 : h
    }

    /// Final avalanche so that near-equal inputs give unrelated uids (splitmix64 finaliser).
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
