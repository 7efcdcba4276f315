// Quarry — load-stage benchmark: CSV + NDJSON encoding and gzip writing, beside `gzip` itself.

import CZlib
import Foundation
import QuarryCore
import QuarryLoad

/// `quarry-bench write [ROWS]`: prints one figure per line.
func runWriteBenchmark(_ args: [String]) async throws {
    let rows = args.first.flatMap { Int($0) } ?? 1_000_000
    let columns = (0..<20).map { i -> Column in
        switch i % 5 {
        case 3: return Column("count_\(i)", .integer)
        case 4: return Column("seen_\(i)", i % 10 == 4 ? .timestamp : .stringList)
        default: return Column("text_\(i)", .string)
        }
    }
    let schema = TableSchema(name: "bench", columns: columns, key: ["text_0"])
    // A pool of up to 100,000 distinct rows, cycled to reach `rows` (keeps memory flat).
    let pool = makeBatches(schema: schema, rows: min(rows, 100_000), batchSize: 1000)
    let batches = (0..<((rows + 999) / 1000)).map { pool[$0 % pool.count] }
    print("rows \(rows)")
    print("columns \(columns.count)")

    // Encoders alone, into a reused buffer.
    let csvEncoder = CSVEncoder(columns: columns)
    let ndEncoder = NDJSONEncoder(columns: columns)
    var csvBytes = 0, ndBytes = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    var t = Date()
    for b in batches {
        for r in b.rows { csvEncoder.appendRow(r, to: &buffer) }
        csvBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
    report("csv_encode", rows: rows, bytes: csvBytes, seconds: -t.timeIntervalSinceNow)
    t = Date()
    for b in batches {
        for r in b.rows { ndEncoder.appendRow(r, to: &buffer) }
        ndBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
    report("ndjson_encode", rows: rows, bytes: ndBytes, seconds: -t.timeIntervalSinceNow)

    // SHA-256 of the manifest, over the NDJSON-sized volume of bytes.
    var hasher = SHA256()
    let block = [UInt8](repeating: 0x5A, count: 1 << 20)
    t = Date()
    for _ in 0..<100 { hasher.update(block) }
    _ = hasher.finalize()
    print("sha256_mb_per_s \(fmt(100 * Double(1 << 20) / 1e6 / -t.timeIntervalSinceNow))")

    // The whole writer: both formats, gzip, fsync, publish.
    for level in [1, 6] {
        let dir = NSTemporaryDirectory() + "quarry-bench-write-\(getpid())-\(level)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SnapshotWriter(outputDir: dir, snapshotDate: "2026-12-04", runID: "bench",
                                        tables: [schema], settings: .with(dir: dir, gzipLevel: level),
                                        logger: .silent)
        let cpu0 = ProcessStats.cpuSeconds()
        t = Date()
        for b in batches { try writer.write(b) }
        let manifest = try writer.publish(summary: ManifestSummary(startedAt: 0))
        let seconds = -t.timeIntervalSinceNow
        let compressed = manifest.files.reduce(Int64(0)) { $0 + $1.bytes }
        report("snapshot_writer_level\(level)", rows: rows, bytes: csvBytes + ndBytes, seconds: seconds)
        print("snapshot_writer_level\(level)_cpu_s \(fmt(ProcessStats.cpuSeconds() - cpu0))")
        print("snapshot_writer_level\(level)_compressed_mb \(fmt(Double(compressed) / 1e6))")
        print("snapshot_writer_level\(level)_ratio \(fmt(Double(csvBytes + ndBytes) / Double(compressed)))")
    }

    // Baselines on the same uncompressed CSV bytes: zlib from Swift and the gzip command.
    let csvPath = NSTemporaryDirectory() + "quarry-bench-write-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: csvPath) }
    var csvTotal = 0
    do {
        FileManager.default.createFile(atPath: csvPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
        csvEncoder.appendHeader(to: &buffer)
        for b in batches {
            for r in b.rows { csvEncoder.appendRow(r, to: &buffer) }
            if buffer.count > 1 << 20 {
                handle.write(Data(buffer))
                csvTotal += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
        csvTotal += buffer.count
        buffer.removeAll(keepingCapacity: true)
        try handle.close()
    }
    print("csv_uncompressed_mb \(fmt(Double(csvTotal) / 1e6))")
    for level in [1, 6, 9] {
        let out = csvPath + ".\(level).gz"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: csvPath))
        t = Date()
        let w = try GzipWriter(path: out, level: level)
        while let chunk = try input.read(upToCount: 1 << 18), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try w.write($0) }
        }
        let (bytes, _) = try w.finish()
        report("zlib_level\(level)_csv", rows: rows, bytes: csvTotal, seconds: -t.timeIntervalSinceNow)
        print("zlib_level\(level)_csv_ratio \(fmt(Double(csvTotal) / Double(bytes)))")
        try input.close()
    }
    for level in [1, 6] {
        let seconds = try timeCommand("/bin/sh", ["-c", "gzip -\(level) -c '\(csvPath)' > /dev/null"])
        report("gzip_command_level\(level)_csv", rows: rows, bytes: csvTotal, seconds: seconds)
    }
    print("peak_rss_mb \(ProcessStats.peakRSSBytes() / 1_000_000)")
}

private func makeBatches(schema: TableSchema, rows: Int, batchSize: Int) -> [RowBatch] {
    var rng = SplitMix(seed: 42)
    var batches: [RowBatch] = []
    var current: [Row] = []
    current.reserveCapacity(batchSize)
    let words = ["web", "db", "srv", "prod", "eu-west-1", "Windows Server 2022", "Ubuntu 22.04.3 LTS",
                 "i-0abc123def", "012345678901", "corp.example.com", "agent", "scanner", "Vendor \"X\", Inc."]
    for n in 0..<rows {
        var row: Row = []
        row.reserveCapacity(schema.columns.count)
        for (i, c) in schema.columns.enumerated() {
            switch c.type {
            case .integer: row.append(.integer(Int64(rng.next() % 100_000)))
            case .timestamp: row.append(.timestamp(1_700_000_000 + Int64(rng.next() % 40_000_000)))
            case .stringList:
                let k = Int(rng.next() % 3)
                row.append(.list((0..<k).map { _ in "10.\(rng.next() % 256).\(rng.next() % 256).\(rng.next() % 256)" }))
            default:
                if i == 0 { row.append(.string("a-\(n)")); continue }
                if rng.next() % 10 == 0 { row.append(.null); continue }
                row.append(.string(words[Int(rng.next() % UInt64(words.count))] + "-\(rng.next() % 10_000)"))
            }
        }
        current.append(row)
        if current.count == batchSize {
            batches.append(RowBatch(table: schema.name, rows: current))
            current = []
        }
    }
    if !current.isEmpty { batches.append(RowBatch(table: schema.name, rows: current)) }
    return batches
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func report(_ name: String, rows: Int, bytes: Int, seconds: Double) {
    print("\(name)_rows_per_s \(Int(Double(rows) / seconds))")
    print("\(name)_mb_per_s \(fmt(Double(bytes) / 1e6 / seconds))")
}

private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

private func timeCommand(_ path: String, _ args: [String]) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let t = Date()
    try p.run()
    p.waitUntilExit()
    return -t.timeIntervalSinceNow
}
