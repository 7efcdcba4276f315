// Quarry — one limiter per API and run: concurrency and rate-limit headers, pauses.

import Foundation
import QuarryCore

/// Keeps requests of one API within Qualys' limits, shared by every request of the run.
///
/// In flight ≤ min(`maxConcurrency`, `X-Concurrency-Limit-Limit`); when
/// `X-RateLimit-Remaining` reaches 0 every request waits `X-RateLimit-ToWait-Sec`. After a
/// throttling answer (409, 429, 5xx, reset) the limiter runs one request at a time until
/// a request succeeds, so retries never pile into a full concurrency slot.
actor Throttle {
    private let maxConcurrency: Int
    private let clock: any ExtractClock
    private var headerLimit: Int?
    private var cautious = false
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var pausedUntil: Date?

    init(maxConcurrency: Int, clock: any ExtractClock) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.clock = clock
    }

    var limit: Int {
        if cautious { return 1 }
        return max(1, min(maxConcurrency, headerLimit ?? maxConcurrency))
    }

    /// Highest number of requests in flight so far (for tests and the run report).
    private(set) var peakInFlight = 0

    /// Waits for a slot, then for any pause to end.
    func acquire() async throws {
        while inFlight >= limit {
            await withCheckedContinuation { waiters.append($0) }
        }
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
        while let until = pausedUntil {
            let wait = until.timeIntervalSince(clock.now())
            if wait <= 0 { pausedUntil = nil; break }
            do {
                try await clock.sleep(seconds: wait)
            } catch {
                release()
                throw error
            }
        }
    }

    func release() {
        inFlight -= 1
        if !waiters.isEmpty && inFlight < limit { waiters.removeFirst().resume() }
    }

    /// Reads the limit headers of any response (missing or empty values are ignored).
    func observe(_ headers: [String: String], success: Bool) {
        if let v = Self.int(headers["x-concurrency-limit-limit"]), v > 0 { headerLimit = v }
        if let remaining = Self.int(headers["x-ratelimit-remaining"]), remaining <= 0 {
            let wait = Self.int(headers["x-ratelimit-towait-sec"]) ?? 0
            if wait > 0 { pause(seconds: Double(wait)) }
        }
        if success { cautious = false }
        while !waiters.isEmpty && inFlight < limit { waiters.removeFirst().resume() }
    }

    /// Marks the API as throttled: one request at a time until a success.
    func throttled() { cautious = true }

    /// Holds every request of this API for `seconds`.
    func pause(seconds: Double) {
        let until = clock.now() + seconds
        if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
    }

    static func int(_ text: String?) -> Int? {
        guard let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
        return Int(t)
    }
}
