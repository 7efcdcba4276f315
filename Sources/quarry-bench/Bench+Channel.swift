// Quarry — channel throughput: single records versus batches, against a plain loop baseline.

import Foundation
import QuarryCore

/// Prints records/s through one bounded channel hop, for single records and for batches.
func runChannelBenchmark(_ args: [String]) async throws {
    let total = Int(args.first ?? "") ?? 2_000_000

    // Baseline: the same records through a plain in-task FIFO (append, then read in order).
    var start = ContinuousClock.now
    var fifo: [Int] = []
    fifo.reserveCapacity(1024)
    var sum = 0
    for i in 0..<total {
        fifo.append(i)
        if fifo.count == 1024 { for v in fifo { sum &+= v }; fifo.removeAll(keepingCapacity: true) }
    }
    for v in fifo { sum &+= v }
    let loop = (ContinuousClock.now - start).seconds
    precondition(sum == total * (total - 1) / 2)

    let singles = min(total, 500_000)
    let single = BoundedChannel<Int>(capacity: 64)
    start = .now
    async let consumed: Int = {
        var n = 0
        while let _ = try await single.receive() { n += 1 }
        return n
    }()
    for i in 0..<singles { try await single.send(i) }
    single.finish()
    let n1 = try await consumed
    let singleSeconds = (ContinuousClock.now - start).seconds

    let batchSize = 1000
    let batched = BoundedChannel<[Int]>(capacity: 8)
    start = .now
    async let consumedBatches: Int = {
        var n = 0
        while let b = try await batched.receive() { n += b.count }
        return n
    }()
    var i = 0
    while i < total {
        let batch = Array(i..<min(i + batchSize, total))
        try await batched.send(batch)
        i += batchSize
    }
    batched.finish()
    let n2 = try await consumedBatches
    let batchSeconds = (ContinuousClock.now - start).seconds
    precondition(n1 == singles && n2 == total)

    print("channel.baseline_plain_fifo_records_per_s \(Int(Double(total) / max(loop, 1e-9)))")
    print("channel.single_records \(singles)")
    print("channel.single_records_per_s \(Int(Double(singles) / singleSeconds))")
    print("channel.batch_size \(batchSize)")
    print("channel.batched_records \(total)")
    print("channel.batched_records_per_s \(Int(Double(total) / batchSeconds))")
    print("channel.batched_over_single \(String(format: "%.1f", (Double(total) / batchSeconds) / (Double(singles) / singleSeconds)))")
}
