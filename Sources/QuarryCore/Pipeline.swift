// Quarry — the run supervisor: stages as child tasks joined by bounded channels.

import Foundation

/// What one stage did during a run; the run report prints one line per stage.
public struct StageReport: Sendable, Equatable, Codable {
    public var name: String
    public var recordsIn: Int
    public var recordsOut: Int
    /// Seconds spent suspended in `receive` (waiting on the stage upstream).
    public var waitedOnInput: Double
    /// Seconds spent suspended in `send` (waiting on the stage downstream).
    public var waitedOnOutput: Double
    /// Wall seconds from the stage's start to its end.
    public var seconds: Double

    /// The neighbour this stage waited on most, for the bottleneck line of the report.
    public var mostlyWaitedOn: String {
        if waitedOnInput < 0.05 * seconds, waitedOnOutput < 0.05 * seconds { return "busy" }
        return waitedOnInput >= waitedOnOutput ? "input" : "output"
    }
}

/// Counters one stage updates while it runs. Guarded by `lock`.
public final class StageMetrics: @unchecked Sendable {
    public let name: String
    private let lock = NSLock()
    private var recordsIn = 0
    private var recordsOut = 0
    private var inputWait: Duration = .zero
    private var outputWait: Duration = .zero
    private var started: ContinuousClock.Instant?
    private var ended: ContinuousClock.Instant?

    public init(name: String) { self.name = name }

    public func countIn(_ n: Int) { lock.withLock { recordsIn += n } }
    public func countOut(_ n: Int) { lock.withLock { recordsOut += n } }
    func addInputWait(_ d: Duration) { lock.withLock { inputWait += d } }
    func addOutputWait(_ d: Duration) { lock.withLock { outputWait += d } }
    func start() { lock.withLock { started = .now } }
    func end() { lock.withLock { ended = .now } }

    public var report: StageReport {
        lock.withLock {
            let wall = (started.map { (ended ?? .now) - $0 }) ?? .zero
            return StageReport(
                name: name, recordsIn: recordsIn, recordsOut: recordsOut,
                waitedOnInput: inputWait.seconds, waitedOnOutput: outputWait.seconds, seconds: wall.seconds
            )
        }
    }
}

extension Duration {
    /// The duration as fractional seconds.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// The handle a stage body uses to move batches: it times every wait and counts records.
public struct StageContext: Sendable {
    public let metrics: StageMetrics
    public let logger: Logger

    /// Receives the next batch from `channel`, or `nil` when upstream has finished.
    public func receive<T>(from channel: BoundedChannel<[T]>) async throws -> [T]? {
        let start = ContinuousClock.now
        let batch = try await channel.receive()
        metrics.addInputWait(.now - start)
        if let batch { metrics.countIn(batch.count) }
        return batch
    }

    /// Sends `batch` downstream, suspending while `channel` is full. Empty batches are skipped.
    ///
    /// - Parameter records: what to count as sent, when an element is not one record
    ///   (a `RowBatch` carries many rows); the element count by default.
    public func send<T>(_ batch: [T], to channel: BoundedChannel<[T]>, records: Int? = nil) async throws {
        guard !batch.isEmpty else { return }
        let start = ContinuousClock.now
        try await channel.send(batch)
        metrics.addOutputWait(.now - start)
        metrics.countOut(records ?? batch.count)
    }
}

/// Something a stage's end must close: finished on success, failed on error.
public protocol ClosableChannel: Sendable {
    func finish()
    func fail(_ error: Error)
}

extension BoundedChannel: ClosableChannel {}

/// A set of stages run as children of one task group.
///
/// When a stage returns, its output channels are finished, so the stages downstream drain
/// and end. When a stage throws, every channel is failed and the group is cancelled: `run`
/// rethrows the first error once every stage has ended. No task outlives `run`.
public struct Pipeline: Sendable {
    struct Stage: Sendable {
        var metrics: StageMetrics
        var outputs: [any ClosableChannel]
        var body: @Sendable (StageContext) async throws -> Void
    }

    public let logger: Logger
    private var stages: [Stage] = []
    private var channels: [any ClosableChannel] = []

    public init(logger: Logger) { self.logger = logger }

    /// Makes a channel of batches owned by this pipeline (failed if the run fails).
    public mutating func channel<T: Sendable>(_ type: T.Type = T.self, capacity: Int) -> BoundedChannel<[T]> {
        let channel = BoundedChannel<[T]>(capacity: capacity)
        channels.append(channel)
        return channel
    }

    /// Adds a stage. `outputs` are finished when `body` returns normally.
    public mutating func stage(
        _ name: String,
        outputs: [any ClosableChannel] = [],
        _ body: @escaping @Sendable (StageContext) async throws -> Void
    ) {
        stages.append(Stage(metrics: StageMetrics(name: name), outputs: outputs, body: body))
    }

    /// Runs every stage to completion and returns their reports in the order they were added.
    ///
    /// - Throws: the first error a stage threw (a `CancellationError` caused by that error
    ///   is never reported in its place), or `CancellationError` if the caller was cancelled.
    @discardableResult
    public func run() async throws -> [StageReport] {
        let channels = self.channels
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stage in stages {
                group.addTask {
                    let context = StageContext(metrics: stage.metrics, logger: logger)
                    stage.metrics.start()
                    defer { stage.metrics.end() }
                    do {
                        try await stage.body(context)
                        for output in stage.outputs { output.finish() }
                    } catch {
                        for channel in channels { channel.fail(error) }
                        throw error
                    }
                }
            }
            var firstError: Error?
            while true {
                do {
                    guard try await group.next() != nil else { break }
                } catch {
                    if firstError == nil || (firstError is CancellationError && !(error is CancellationError)) {
                        firstError = error
                    }
                    group.cancelAll()
                }
            }
            if let firstError { throw firstError }
        }
        return stages.map(\.metrics.report)
    }
}

/// An output shared by several producing stages: the channel is finished when the last of
/// `producers` stages has finished (a failure fails it at once).
public final class FanIn<T: Sendable>: ClosableChannel, @unchecked Sendable {
    public let channel: BoundedChannel<T>
    private let lock = NSLock()
    private var remaining: Int

    public init(_ channel: BoundedChannel<T>, producers: Int) {
        precondition(producers >= 1)
        self.channel = channel
        self.remaining = producers
    }

    public func finish() {
        let last = lock.withLock { () -> Bool in
            remaining -= 1
            return remaining == 0
        }
        if last { channel.finish() }
    }

    public func fail(_ error: Error) { channel.fail(error) }
}
