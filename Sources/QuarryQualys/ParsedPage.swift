// Quarry — one response body, read: its records and its envelope values.

import QuarryCore

/// The outcome of reading one page. Nothing in it reaches the pipeline until the whole
/// page has been read (a page that fails half-way is retried or fails the run).
public struct ParsedPage: Sendable {
    /// The root element (XML) or `json`.
    public var root: String = ""
    public var records: [SourceRecord] = []
    /// Records that could not be used (missing ID …), not yet reported.
    public var rejects: [Reject] = []
    /// Values outside the records, in document order: full element paths for XML
    /// (`HOST_LIST_OUTPUT/RESPONSE/WARNING/CODE`), top-level keys for JSON (`hasMore`).
    public var envelope: [(path: String, value: String)] = []
    /// Unknown record children by name, with their number of occurrences.
    public var unknownElements: [String: Int] = [:]

    public init() {}

    /// The first envelope value at `path`.
    public func value(_ path: String) -> String? { envelope.first { $0.path == path }?.value }

    /// Every envelope value at `path`.
    public func values(_ path: String) -> [String] { envelope.filter { $0.path == path }.map(\.value) }
}
