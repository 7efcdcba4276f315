// Quarry — time as a dependency, so retry, limit and token tests run instantly.

import Foundation

/// Reads the time and sleeps. Inject `VirtualClock` in tests.
public protocol ExtractClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

/// Wall-clock time and `Task.sleep`.
public struct SystemClock: ExtractClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

/// A clock that moves only when told or when someone sleeps; sleeping returns at once.
public final class VirtualClock: ExtractClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var slept: [Double] = []

    public init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        lock.withLock {
            slept.append(seconds)
            if seconds > 0 { current += seconds }
        }
        await Task.yield()
    }

    /// Moves time forward without sleeping (a slow server, a long night).
    public func advance(_ seconds: Double) { lock.withLock { current += seconds } }

    /// Every sleep asked for, in order.
    public var sleeps: [Double] { lock.withLock { slept } }
}

/// Real time, but sleeps return at once (replay: recorded waits are not waited again).
public struct InstantClock: ExtractClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws { try Task.checkCancellation() }
}
