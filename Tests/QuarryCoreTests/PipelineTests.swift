// Quarry — the run supervisor: completion, errors, cancellation, stage counters.

import Foundation
import Testing
@testable import QuarryCore

private struct StageFailed: Error, Equatable { var name: String }

/// Records which stages ran to their end or were stopped.
private final class Ended: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []
    func add(_ n: String) { lock.withLock { names.append(n) } }
    var all: [String] { lock.withLock { names.sorted() } }
}

@Suite struct PipelineTests {
    /// source → double → sink, in batches of 10.
    private func threeStages(
        count: Int, failIn: String? = nil, ended: Ended, sink: @escaping @Sendable ([Int]) -> Void
    ) -> Pipeline {
        var p = Pipeline(logger: .silent)
        let a = p.channel(Int.self, capacity: 2)
        let b = p.channel(Int.self, capacity: 2)
        p.stage("source", outputs: [a]) { ctx in
            defer { ended.add("source") }
            for start in stride(from: 0, to: count, by: 10) {
                if failIn == "source", start == 50 { throw StageFailed(name: "source") }
                try await ctx.send(Array(start..<min(start + 10, count)), to: a)
            }
        }
        p.stage("double", outputs: [b]) { ctx in
            defer { ended.add("double") }
            while let batch = try await ctx.receive(from: a) {
                if failIn == "double", batch.first == 30 { throw StageFailed(name: "double") }
                try await ctx.send(batch.map { $0 * 2 }, to: b)
            }
        }
        p.stage("sink") { ctx in
            defer { ended.add("sink") }
            while let batch = try await ctx.receive(from: b) {
                if failIn == "sink" { throw StageFailed(name: "sink") }
                sink(batch)
            }
        }
        return p
    }

    @Test func runsEveryStageAndCountsRecords() async throws {
        let collected = Collected()
        let ended = Ended()

        let reports = try await threeStages(count: 95, ended: ended) { collected.append($0) }.run()

        #expect(collected.values == (0..<95).map { $0 * 2 })
        #expect(reports.map(\.name) == ["source", "double", "sink"])
        #expect(reports.map(\.recordsIn) == [0, 95, 95])
        #expect(reports.map(\.recordsOut) == [95, 95, 0])
        #expect(ended.all == ["double", "sink", "source"])
    }

    @Test(arguments: ["source", "double", "sink"])
    func anyStageErrorEndsTheRunWithThatError(stage: String) async throws {
        let ended = Ended()

        await #expect(throws: StageFailed(name: stage)) {
            try await threeStages(count: 10_000, failIn: stage, ended: ended) { _ in }.run()
        }
        #expect(ended.all == ["double", "sink", "source"], "no stage is left running")
    }

    @Test func cancellingTheRunEndsEveryStage() async throws {
        let ended = Ended()
        var p = Pipeline(logger: .silent)
        let a = p.channel(Int.self, capacity: 1)
        p.stage("endless", outputs: [a]) { ctx in
            defer { ended.add("endless") }
            var i = 0
            while true { try await ctx.send([i], to: a); i += 1 }
        }
        p.stage("slow") { ctx in
            defer { ended.add("slow") }
            while try await ctx.receive(from: a) != nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        let pipeline = p
        let run = Task { try await pipeline.run() }
        try await Task.sleep(for: .milliseconds(30))

        run.cancel()

        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(ended.all == ["endless", "slow"])
    }

    @Test func reportsWhereAStageWaited() async throws {
        var p = Pipeline(logger: .silent)
        let a = p.channel(Int.self, capacity: 1)
        p.stage("fast", outputs: [a]) { ctx in
            for i in 0..<20 { try await ctx.send([i], to: a) }
        }
        p.stage("slow") { ctx in
            while try await ctx.receive(from: a) != nil { try await Task.sleep(for: .milliseconds(5)) }
        }

        let reports = try await p.run()

        #expect(reports[0].mostlyWaitedOn == "output")
        #expect(reports[0].waitedOnOutput > reports[1].waitedOnInput)
        #expect(reports[1].recordsIn == 20)
    }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    func append(_ v: [Int]) { lock.withLock { stored += v } }
    var values: [Int] { lock.withLock { stored } }
}

@Suite struct FanInTests {
    @Test func channelEndsOnlyWhenEveryProducerHasFinished() async throws {
        var p = Pipeline(logger: .silent)
        let shared = p.channel(Int.self, capacity: 2)
        let fanIn = FanIn(shared, producers: 3)
        for k in 0..<3 {
            p.stage("producer\(k)", outputs: [fanIn]) { ctx in
                for i in 0..<(10 * (k + 1)) {
                    try await ctx.send([k * 100 + i], to: shared)
                    if k == 0 { try await Task.sleep(for: .microseconds(100)) }
                }
            }
        }
        let collected = Collected()
        p.stage("consumer") { ctx in
            while let b = try await ctx.receive(from: shared) { collected.append(b) }
        }

        let reports = try await p.run()

        #expect(collected.values.count == 60)
        #expect(Set(collected.values).count == 60)
        #expect(reports.last?.recordsIn == 60)
    }
}
