// Quarry — per-API rate and concurrency limits with the X-RateLimit-* headers.

import Foundation

/// Outcome of asking to run one call.
enum LimitDecision {
    case allowed(headers: [(String, String)])
    /// HTTP 409 CODE 1960: `running` calls must finish first.
    case concurrency(running: Int, headers: [(String, String)])
    /// HTTP 409 CODE 1965 (classic) / 429 (gateway): wait `seconds`.
    case rate(seconds: Int, headers: [(String, String)])
}

/// Rolling-window rate limit and concurrency limit per API key, like the real service
/// (limits per API per subscription; a call counts from its start).
final class Limiter: @unchecked Sendable {
    let rateLimit: Int
    let windowSeconds: Int
    let concurrencyLimit: Int
    private let lock = NSLock()
    private var running: [String: Int] = [:]
    private var calls: [String: [Double]] = [:]

    init(rateLimit: Int, windowSeconds: Int, concurrencyLimit: Int) {
        self.rateLimit = rateLimit
        self.windowSeconds = windowSeconds
        self.concurrencyLimit = concurrencyLimit
    }

    /// Checks both limits (concurrency first, as the real service does) and, if allowed,
    /// counts the call as running until `release`.
    func acquire(_ api: String, now: Double = Date().timeIntervalSince1970) -> LimitDecision {
        lock.lock()
        defer { lock.unlock() }
        var window = (calls[api] ?? []).filter { $0 > now - Double(windowSeconds) }
        let run = running[api] ?? 0
        if run >= concurrencyLimit {
            calls[api] = window
            return .concurrency(running: run, headers: headers(remaining: rateLimit - window.count, wait: 0,
                                                               running: run))
        }
        if window.count >= rateLimit {
            let wait = max(1, Int((window[0] + Double(windowSeconds) - now).rounded(.up)))
            calls[api] = window
            return .rate(seconds: wait, headers: headers(remaining: 0, wait: wait, running: run))
        }
        window.append(now)
        calls[api] = window
        running[api] = run + 1
        return .allowed(headers: headers(remaining: rateLimit - window.count, wait: 0, running: run + 1))
    }

    func release(_ api: String) {
        lock.lock()
        running[api] = max(0, (running[api] ?? 1) - 1)
        lock.unlock()
    }

    private func headers(remaining: Int, wait: Int, running: Int) -> [(String, String)] {
        [("X-RateLimit-Limit", String(rateLimit)),
         ("X-RateLimit-Window-Sec", String(windowSeconds)),
         ("X-RateLimit-Remaining", String(max(0, remaining))),
         ("X-RateLimit-ToWait-Sec", String(wait)),
         ("X-Concurrency-Limit-Limit", String(concurrencyLimit)),
         ("X-Concurrency-Limit-Running", String(running))]
    }
}
