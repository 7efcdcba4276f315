// Quarry — simulator settings: tenant size, seed, night, faults, latency, credentials.

import Foundation

/// Which misbehaviours of the real service the simulator plays. Deterministic from the seed.
public enum FaultProfile: String, CaseIterable, Sendable {
    /// A clean service.
    case none
    /// 503s, connection resets before and inside a body, slow first bytes (first attempts only).
    case flaky
    /// Tight rate and concurrency limits: 409 CODE 1960/1965 and gateway 429, short waits.
    case limits
    /// The gateway token dies after a few pages; one 401 on a classic API request.
    case auth
    /// Changes data: malformed records inside valid pages and one truncated page.
    case dirty
    /// flaky + limits + auth (not dirty).
    case all

    var isFlaky: Bool { self == .flaky || self == .all }
    var hasTightLimits: Bool { self == .limits || self == .all }
    var hasAuthFaults: Bool { self == .auth || self == .all }
    var isDirty: Bool { self == .dirty }
}

/// Everything that defines one simulated tenant and how it is served.
public struct SimulatorConfig: Sendable {
    /// Real machines on night 1 (new machines are added on later nights).
    public var assets: Int
    /// Seed of every generated value; the same seed gives byte-identical pages.
    public var seed: UInt64
    /// Night number, 1-based: night K is the tenant K−1 nights of churn after night 1.
    public var night: Int
    public var faults: FaultProfile
    /// Extra delay before every API response, in milliseconds.
    public var latencyMS: Int
    public var username: String
    public var password: String

    public init(
        assets: Int = 2000,
        seed: UInt64 = 1,
        night: Int = 1,
        faults: FaultProfile = .none,
        latencyMS: Int = 0,
        username: String = "quarry-demo",
        password: String = "quarry-demo-password"
    ) {
        self.assets = max(0, assets)
        self.seed = seed
        self.night = max(1, night)
        self.faults = faults
        self.latencyMS = max(0, latencyMS)
        self.username = username
        self.password = password
    }
}
