// Quarry — bounded channel: back-pressure, order, finish, failure, cancellation.

import Foundation
import Testing
@testable import QuarryCore

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
}
