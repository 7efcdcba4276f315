// Quarry — what links tonight's machines to last night's asset_uids.

import Foundation
import QuarryCore

/// Map from identity keys (hashed) to the `asset_uid` they belonged to, kept under `_state/`.
///
/// Keys are `StableHash.key(role, value)` of agent IDs, cloud instance IDs, hardware UUIDs,
/// serials, Qualys asset/host IDs and unshared MACs — never IPs or names. A uid is a 64-bit
/// number written `qa-` + 16 hex digits. Arrays, sorted by key hash, keep 1M machines
/// (about 6M keys) near 100 MB instead of a dictionary of strings.
public struct IdentityState: Codable, Sendable, Equatable {
    public static let formatLine = "quarry-identity-state 1"

    /// Sorted ascending; parallel to `keyUIDs` and `keyDays`.
    public var keyHashes: [UInt64] = []
    public var keyUIDs: [UInt64] = []
    /// Day (days since 1970) the key was last seen; entries unseen for `retainDays` are dropped.
    public var keyDays: [Int32] = []
    /// Uids merged into another (`loser → survivor`), kept so that consumers can follow them.
    public var merged: [UInt64: UInt64] = [:]

    public init() {}

    // TODO(perf): the whole state is held in memory during a run (≈ 20 B per key, 4M keys for
    // 1M machines); a memory-mapped sorted file would take it off the heap if budgets tighten.

    public var count: Int { keyHashes.count }

    /// The uid a key hash belonged to, by binary search.
    public func uid(forKey h: UInt64) -> UInt64? {
        var lo = 0, hi = keyHashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keyHashes[mid] < h { lo = mid + 1 } else { hi = mid }
        }
        return lo < keyHashes.count && keyHashes[lo] == h ? keyUIDs[lo] : nil
    }

    /// Every uid referred to.
    public var allUIDs: Set<UInt64> { Set(keyUIDs).union(merged.keys).union(merged.values) }

    public static func format(uid: UInt64) -> String {
        let hex = String(uid, radix: 16)
        return "qa-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func parse(uid: String) -> UInt64? {
        guard uid.hasPrefix("qa-"), uid.count == 19 else { return nil }
        return UInt64(uid.dropFirst(3), radix: 16)
    }

    // MARK: - Files

    /// Reads a state file; a missing file is an empty state (first night).
    public static func load(path: String) throws -> IdentityState {
        guard FileManager.default.fileExists(atPath: path) else { return IdentityState() }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, key: "", problem: "cannot read the identity state file")
        }
        var s = IdentityState()
        var lineNo = 0
        var previous: UInt64?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            lineNo += 1
            if lineNo == 1 {
                guard line == formatLine else {
                    throw ConfigError(file: path, key: "line 1", problem: "expected \"\(formatLine)\"")
                }
                continue
            }
            let parts = line.split(separator: " ")
            func bad() -> ConfigError {
                ConfigError(file: path, key: "line \(lineNo)",
                            problem: "expected \"k HASH UID DAY\" or \"m LOSER SURVIVOR\"")
            }
            if parts.first == "k", parts.count == 4, let h = UInt64(parts[1], radix: 16),
               let u = UInt64(parts[2], radix: 16), let d = Int32(parts[3]) {
                if let previous, previous >= h { throw bad() }
                previous = h
                s.keyHashes.append(h)
                s.keyUIDs.append(u)
                s.keyDays.append(d)
            } else if parts.first == "m", parts.count == 3, let a = UInt64(parts[1], radix: 16),
                      let b = UInt64(parts[2], radix: 16) {
                s.merged[a] = b
            } else {
                throw bad()
            }
        }
        return s
    }

    /// Writes the state to `path` through a temporary file and a rename.
    public func save(path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var out = IdentityState.formatLine + "\n"
        out.reserveCapacity(keyHashes.count * 44 + 64)
        for i in keyHashes.indices {
            out += "k \(String(keyHashes[i], radix: 16)) \(String(keyUIDs[i], radix: 16)) \(keyDays[i])\n"
        }
        for (a, b) in merged.sorted(by: { $0.key < $1.key }) {
            out += "m \(String(a, radix: 16)) \(String(b, radix: 16))\n"
        }
        let tmp = path + ".tmp"
        try Data(out.utf8).write(to: URL(fileURLWithPath: tmp))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }
}
