// Quarry — bounded channel: back-pressure, order, finish, failure, cancellation.

import Foundation
import Testing
@testable import QuarryCore

private struct Boom: Error, Equatable { var stage: String }

/// Counts how far a producer got, for back-pressure assertions.
private final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var sent = 0
    private var received = 0
    private(set) var maxLead = 0

    func didSend() { lock.withLock { sent += 1; maxLead = max(maxLead, sent - received) } }
    func didReceive() { lock.withLock { received += 1 } }
    var lead: Int { lock.withLock { sent - received } }
}

@Suite struct ChannelTests {
    @Test func keepsOrderAcrossManyElements() async throws {
        let channel = BoundedChannel<Int>(capacity: 3)
        let producer = Task {
            for i in 0..<1000 { try await channel.send(i) }
            channel.finish()
        }

        var received: [Int] = []
        while let v = try await channel.receive() { received.append(v) }

        try await producer.value
        #expect(received == Array(0..<1000))
    }

    @Test func producerNeverGetsMoreThanCapacityAheadOfASlowConsumer() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let progress = Progress()
        let producer = Task {
            for i in 0..<200 {
                try await channel.send(i)
                progress.didSend()
            }
            channel.finish()
        }

        var received: [Int] = []
        while let v = try await channel.receive() {
            progress.didReceive()
            received.append(v)
            if v % 20 == 0 { try await Task.sleep(for: .milliseconds(2)) }
            #expect(channel.count <= 4)
        }

        try await producer.value
        #expect(received.count == 200)
        // One element can sit between the buffer and the consumer's hands.
        #expect(progress.maxLead <= 4 + 1)
        #expect(progress.maxLead >= 4)
    }

    @Test func sendSuspendsWhileFull() async throws {
        let channel = BoundedChannel<String>(capacity: 2)
        try await channel.send("a")
        try await channel.send("b")
        let third = Task { try await channel.send("c") }
        try await Task.sleep(for: .milliseconds(20))

        #expect(channel.count == 2)
        #expect(try await channel.receive() == "a")
        try await third.value
        #expect(try await channel.receive() == "b")
        #expect(try await channel.receive() == "c")
    }

    @Test func finishDrainsThenEnds() async throws {
        let channel = BoundedChannel<Int>(capacity: 5)
        try await channel.send(1)
        try await channel.send(2)
        channel.finish()

        #expect(try await channel.receive() == 1)
        #expect(try await channel.receive() == 2)
        #expect(try await channel.receive() == nil)
        await #expect(throws: ChannelError.closed) { try await channel.send(3) }
    }

    @Test func failWakesWaitingReceiverWithTheError() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let receiver = Task { try await channel.receive() }
        try await Task.sleep(for: .milliseconds(10))

        channel.fail(Boom(stage: "extract"))

        await #expect(throws: Boom(stage: "extract")) { try await receiver.value }
        await #expect(throws: Boom(stage: "extract")) { try await channel.send(1) }
    }

    @Test func cancellingAWaitingSenderEndsItWithoutDelivering() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let blocked = Task { try await channel.send(2) }
        try await Task.sleep(for: .milliseconds(10))

        blocked.cancel()

        await #expect(throws: CancellationError.self) { try await blocked.value }
        #expect(try await channel.receive() == 1)
        channel.finish()
        #expect(try await channel.receive() == nil)
    }

    @Test func cancellingAWaitingReceiverEndsIt() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let waiting = Task { try await channel.receive() }
        try await Task.sleep(for: .milliseconds(10))

        waiting.cancel()

        await #expect(throws: CancellationError.self) { try await waiting.value }
        try await channel.send(7)
        #expect(try await channel.receive() == 7)
    }

    @Test func manyProducersDeliverEveryElementOnce() async throws {
        let channel = BoundedChannel<Int>(capacity: 3)
        let producers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<4 {
                    group.addTask { for i in 0..<250 { try await channel.send(p * 1000 + i) } }
                }
                try await group.waitForAll()
            }
            channel.finish()
        }

        var received: [Int] = []
        while let v = try await channel.receive() { received.append(v) }

        try await producers.value
        let expected = (0..<4).flatMap { p in (0..<250).map { p * 1000 + $0 } }
        #expect(received.sorted() == expected)
        for p in 0..<4 {
            let mine = received.filter { $0 / 1000 == p }
            #expect(mine == mine.sorted(), "producer \(p)'s elements stay in order")
        }
    }
}
