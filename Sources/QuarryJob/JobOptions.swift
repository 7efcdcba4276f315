// Quarry — what one run of the nightly job is asked to do.

import Foundation
import QuarryCore
import QuarryQualys

/// The inputs of one run: the pipeline file plus the command line's overrides.
public struct JobOptions: Sendable {
    public var config: PipelineConfig
    /// `YYYY-MM-DD`; the partition the run publishes.
    public var snapshotDate: String
    /// Save every raw response here (`--record`).
    public var record: URL?
    /// Serve responses from here instead of the network (`--replay`).
    public var replay: URL?
    /// nil: resolve from the environment or the credentials file.
    public var credentials: Credentials?
    public var environment: [String: String]
    /// Names where the responses come from, for checkpoints, when the URLs do not (the demo's
    /// simulator listens on a new port each time).
    public var origin: String?
    /// Pull every API whole tonight, whatever the incremental settings (`--full`).
    public var full = false

    public init(config: PipelineConfig, snapshotDate: String? = nil, record: URL? = nil, replay: URL? = nil,
                credentials: Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.snapshotDate = snapshotDate ?? JobOptions.today()
        self.record = record
        self.replay = replay
        self.credentials = credentials
        self.environment = environment
    }

    /// Today's date in UTC, `YYYY-MM-DD`, shifted by `days`.
    public static func today(plusDays days: Int = 0) -> String {
        let seconds = Int64(Date().timeIntervalSince1970) + Int64(days) * 86_400
        return String(Timestamp.format(seconds).prefix(10))
    }
}
