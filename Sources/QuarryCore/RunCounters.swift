// Quarry — counters and rejects shared by every stage of one run.

import Foundation

/// A thread-safe bag of named counters and quarantined items for one run.
///
/// Counter names are dotted: `vm.pages`, `vm.records`, `vm.retries`, `vm.http_409`,
/// `vm.unknown_element.CLOUD_PROVIDER`, `text_repairs.vm.NETBIOS`. The run report and the
/// manifest print them sorted.
public final class RunCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    private var quarantined: [Reject] = []

    public init() {}

    public func add(_ name: String, _ n: Int = 1) { lock.withLock { values[name, default: 0] += n } }

    /// Keeps the larger of the current and the given value (for peaks).
    public func max(_ name: String, _ n: Int) { lock.withLock { values[name] = Swift.max(values[name] ?? 0, n) } }

    public subscript(_ name: String) -> Int { lock.withLock { values[name] ?? 0 } }

    public var all: [String: Int] { lock.withLock { values } }

    /// Counters whose name starts with `prefix`, with the prefix removed.
    public func withPrefix(_ prefix: String) -> [String: Int] {
        lock.withLock {
            var out: [String: Int] = [:]
            for (k, v) in values where k.hasPrefix(prefix) { out[String(k.dropFirst(prefix.count))] = v }
            return out
        }
    }

    /// Quarantines something that could not be used; counted as `rejects.<source>`.
    public func reject(_ r: Reject) {
        lock.withLock {
            quarantined.append(r)
            values["rejects.\(r.source)", default: 0] += 1
        }
    }

    public var rejects: [Reject] { lock.withLock { quarantined } }

    /// Adds every counter and reject of `other` to this bag.
    public func absorb(_ other: RunCounters) {
        let (values, rejects) = other.lock.withLock { (other.values, other.quarantined) }
        lock.withLock {
            for (k, v) in values { self.values[k, default: 0] += v }
            quarantined.append(contentsOf: rejects)
        }
    }
}
