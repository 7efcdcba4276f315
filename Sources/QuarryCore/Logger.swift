// Quarry — a small structured logger for a nightly job: text for people, JSON lines for machines.

import Foundation

/// Severity, in swift-log's seven levels.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, notice, warning, error, critical

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.description == name }) else { return nil }
        self = level
    }
}

/// One log event: a short fixed message and flat metadata.
public struct LogEvent: Sendable, Equatable {
    public var time: Date
    public var level: LogLevel
    public var message: String
    public var metadata: [(String, String)]

    public static func == (a: LogEvent, b: LogEvent) -> Bool {
        a.time == b.time && a.level == b.level && a.message == b.message
            && a.metadata.map(\.0) == b.metadata.map(\.0) && a.metadata.map(\.1) == b.metadata.map(\.1)
    }

    public func value(_ key: String) -> String? { metadata.first { $0.0 == key }?.1 }
}

/// Where log events go.
public protocol LogSink: Sendable {
    func write(_ event: LogEvent)
}

/// The logger handed to every stage. Values given to it pass through `Redactor`, so a
/// secret registered there never reaches a sink even if code logs it by mistake.
public struct Logger: Sendable {
    public var minimumLevel: LogLevel
    public let sink: any LogSink
    public let redactor: Redactor

    public init(minimumLevel: LogLevel = .notice, sink: any LogSink, redactor: Redactor = Redactor()) {
        self.minimumLevel = minimumLevel
        self.sink = sink
        self.redactor = redactor
    }

    /// A logger that drops everything (for library callers that do not care).
    public static var silent: Logger { Logger(minimumLevel: .critical, sink: NullSink()) }

    public func log(_ level: LogLevel, _ message: String, _ metadata: [(String, CustomStringConvertible)] = []) {
        guard level >= minimumLevel else { return }
        let clean = metadata.map { ($0.0, redactor.redact(String(describing: $0.1))) }
        sink.write(LogEvent(time: Date(), level: level, message: redactor.redact(message), metadata: clean))
    }

    public func trace(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.trace, m, md) }
    public func debug(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.debug, m, md) }
    public func info(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.info, m, md) }
    public func notice(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.notice, m, md) }
    public func warning(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.warning, m, md) }
    public func error(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.error, m, md) }
    public func critical(_ m: String, _ md: [(String, CustomStringConvertible)] = []) { log(.critical, m, md) }
}

/// Replaces every registered secret (password, token) with `***` in text about to be logged.
public final class Redactor: @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String] = []

    public init() {}

    /// Registers a secret; strings shorter than 4 characters are ignored (they would mask
    /// ordinary words and protect nothing).
    public func register(_ secret: String) {
        guard secret.count >= 4 else { return }
        lock.withLock { if !secrets.contains(secret) { secrets.append(secret) } }
    }

    public func redact(_ text: String) -> String {
        let current = lock.withLock { secrets }
        var out = text
        for secret in current where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}

public struct NullSink: LogSink {
    public init() {}
    public func write(_ event: LogEvent) {}
}

/// Keeps events in memory, for tests that assert on what was logged.
public final class MemorySink: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogEvent] = []

    public init() {}
    public func write(_ event: LogEvent) { lock.withLock { stored.append(event) } }
    public var events: [LogEvent] { lock.withLock { stored } }
}

/// Writes one line per event to a file handle (stderr by default).
public final class StreamSink: LogSink, @unchecked Sendable {
    public enum Format: String, Sendable { case text, json }

    private let lock = NSLock()
    private let handle: FileHandle
    private let format: Format
    private let isTerminal: Bool
    private var progressShown = false

    public init(format: Format, handle: FileHandle = .standardError) {
        self.format = format
        self.handle = handle
        self.isTerminal = isatty(handle.fileDescriptor) == 1
    }

    public func write(_ event: LogEvent) {
        let line: String
        switch format {
        case .text:
            let md = event.metadata.map { "\($0.0)=\(StreamSink.quoteIfNeeded($0.1))" }.joined(separator: " ")
            line = "\(StreamSink.timestamp(event.time)) \(event.level) \(event.message)\(md.isEmpty ? "" : " " + md)"
        case .json:
            line = StreamSink.jsonLine(event)
        }
        lock.withLock {
            if progressShown { handle.write(Data("\r\u{1B}[K".utf8)); progressShown = false }
            handle.write(Data((line + "\n").utf8))
        }
    }

    /// Shows a transient progress line, on a terminal only; text mode only.
    public func progress(_ text: String) {
        guard isTerminal, format == .text else { return }
        lock.withLock {
            handle.write(Data("\r\u{1B}[K\(text)".utf8))
            progressShown = true
        }
    }

    static func timestamp(_ date: Date) -> String { Timestamp.format(Int64(date.timeIntervalSince1970)) }

    static func quoteIfNeeded(_ s: String) -> String {
        guard s.isEmpty || s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return s
        }
        return JSONText.quote(s)
    }

    static func jsonLine(_ event: LogEvent) -> String {
        var parts = [
            "\"time\":\(JSONText.quote(timestamp(event.time)))",
            "\"level\":\(JSONText.quote(event.level.description))",
            "\"message\":\(JSONText.quote(event.message))",
        ]
        for (k, v) in event.metadata { parts.append("\(JSONText.quote(k)):\(JSONText.quote(v))") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
