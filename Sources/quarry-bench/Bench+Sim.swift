// Quarry — simulator benchmark: serve a large tenant, fetch every page of the three APIs.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryCore
import QuarrySimulator

/// `quarry-bench sim [--assets N] [--baseline N]` runs a server child per size and fetches
/// every page of GAV, QPS and VM over loopback, printing requests, bytes, seconds and the
/// server's peak RSS. `quarry-bench sim serve --assets N [--ground-truth FILE]` is the child.
func runSimBenchmark(_ args: [String]) async throws {
    setvbuf(stdout, nil, _IOLBF, 0)
    func value(_ name: String) -> String? {
        args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
    if args.first == "serve" {
        try serveSimChild(assets: Int(value("--assets") ?? "10000") ?? 10_000, truth: value("--ground-truth"))
        return
    }
    let assets = Int(value("--assets") ?? "1000000") ?? 1_000_000
    let baseline = Int(value("--baseline") ?? "10000") ?? 10_000
    for n in [baseline, assets] {
        try await benchOneSize(n)
    }
}

/// The server child: prints its URL, serves until stdin closes, prints its figures.
private func serveSimChild(assets: Int, truth: String?) throws {
    let sim = Simulator(config: SimulatorConfig(assets: assets))
    if let truth {
        let t0 = Date()
        try sim.writeGroundTruth(to: truth)
        print("ground_truth_seconds \(String(format: "%.2f", Date().timeIntervalSince(t0)))")
    }
    let port = try sim.start(port: 0)
    print("listening on http://127.0.0.1:\(port)")
    fflush(stdout)
    while readLine() != nil {}
    sim.stop()
    print("server_peak_rss_bytes \(ProcessStats.peakRSSBytes())")
    print("server_cpu_seconds \(String(format: "%.1f", ProcessStats.cpuSeconds()))")
    fflush(stdout)
}

private struct FetchTotals {
    var requests = 0
    var bytes = 0
    var records = 0
}

private func benchOneSize(_ assets: Int) async throws {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    let truthPath = NSTemporaryDirectory() + "quarry-bench-sim-truth-\(assets).csv"
    child.arguments = ["sim", "serve", "--assets", String(assets), "--ground-truth", truthPath]
    let stdinPipe = Pipe(), stdoutPipe = Pipe()
    child.standardInput = stdinPipe
    child.standardOutput = stdoutPipe
    try child.run()
    let reader = stdoutPipe.fileHandleForReading
    var lines: [String] = []
    var pending = Data()
    func nextLine() -> String? {
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending = Data(pending[(nl + 1)...])
                return line
            }
            let chunk = reader.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
    }
    var base = ""
    while let line = nextLine() {
        if line.hasPrefix("listening on ") { base = String(line.dropFirst("listening on ".count)); break }
        lines.append(line)
    }
    let truthRows = (try? countLines(truthPath)).map { $0 - 1 } ?? -1
    try? FileManager.default.removeItem(atPath: truthPath)

    let session = URLSession(configuration: .ephemeral)
    let url = base
    let t0 = Date()
    async let gav = fetchGAV(session, url)
    async let qps = fetchQPS(session, url)
    async let vm = fetchVM(session, url)
    let totals = try await [gav, qps, vm]
    let seconds = Date().timeIntervalSince(t0)
    try stdinPipe.fileHandleForWriting.close()
    while let line = nextLine() { lines.append(line) }
    child.waitUntilExit()

    let requests = totals.reduce(0) { $0 + $1.requests }
    let bytes = totals.reduce(0) { $0 + $1.bytes }
    let records = totals.reduce(0) { $0 + $1.records }
    print("sim.\(assets).records \(records) (gav \(totals[0].records), qps \(totals[1].records), "
        + "vm \(totals[2].records))")
    print("sim.\(assets).ground_truth_rows \(truthRows)")
    print("sim.\(assets).requests \(requests)")
    print("sim.\(assets).bytes \(bytes)")
    print("sim.\(assets).seconds \(String(format: "%.1f", seconds))")
    print("sim.\(assets).MB_per_second \(String(format: "%.0f", Double(bytes) / 1e6 / seconds))")
    for line in lines { print("sim.\(assets).\(line)") }
}

private func countLines(_ path: String) throws -> Int {
    let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? h.close() }
    var n = 0
    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
        n += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
    return n
}

private let basicAuth = "Basic " + Data("quarry-demo:quarry-demo-password".utf8).base64EncodedString()

private func post(_ session: URLSession, _ url: String, headers: [String: String], body: String?) async throws
    -> (Int, Data) {
    var r = URLRequest(url: URL(string: url)!)
    r.httpMethod = body == nil ? "GET" : "POST"
    for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
    if let body { r.httpBody = Data(body.utf8) }
    let (data, response) = try await session.data(for: r)
    return ((response as! HTTPURLResponse).statusCode, data)
}

/// The text between `open` and `close` at its first occurrence in `data`.
private func between(_ data: Data, _ open: String, _ close: String, from: Int = 0) -> String? {
    let o = Data(open.utf8), c = Data(close.utf8)
    guard let a = data.range(of: o, in: (data.startIndex + from)..<data.endIndex),
          let b = data.range(of: c, in: a.upperBound..<data.endIndex) else { return nil }
    return String(decoding: data[a.upperBound..<b.lowerBound], as: UTF8.self)
}

private func fetchGAV(_ session: URLSession, _ base: String) async throws -> FetchTotals {
    var t = FetchTotals()
    var r = URLRequest(url: URL(string: base + "/auth")!)
    r.httpMethod = "POST"
    r.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    r.httpBody = Data("username=quarry-demo&password=quarry-demo-password&token=true".utf8)
    let token = String(decoding: try await session.data(for: r).0, as: UTF8.self)
    var last = "0"
    while true {
        let (status, data) = try await post(session, base + "/rest/2.0/search/am/asset?pageSize=300&lastSeenAssetId="
                                            + last, headers: ["Authorization": "Bearer " + token], body: "")
        t.requests += 1
        t.bytes += data.count
        if status == 204 { break }
        guard status == 200 else { throw CocoaError(.featureUnsupported) }
        t.records += Int(between(data, "\"count\":", ",") ?? "0") ?? 0
        last = between(data, "\"lastSeenAssetId\":", ",") ?? last
        if between(data, "\"hasMore\":", ",") == "0" { break }
    }
    return t
}

private func fetchQPS(_ session: URLSession, _ base: String) async throws -> FetchTotals {
    var t = FetchTotals()
    var after = "0"
    while true {
        let body = "<ServiceRequest><preferences><limitResults>1000</limitResults></preferences><filters>"
            + "<Criteria field=\"id\" operator=\"GREATER\">\(after)</Criteria></filters></ServiceRequest>"
        let (_, data) = try await post(session, base + "/qps/rest/2.0/search/am/hostasset",
                                       headers: ["Authorization": basicAuth, "Content-Type": "text/xml"], body: body)
        t.requests += 1
        t.bytes += data.count
        t.records += Int(between(data, "<count>", "</count>") ?? "0") ?? 0
        guard between(data, "<hasMoreRecords>", "</hasMoreRecords>") == "true",
              let last = between(data, "<lastId>", "</lastId>") else { break }
        after = last
    }
    return t
}

private func fetchVM(_ session: URLSession, _ base: String) async throws -> FetchTotals {
    var t = FetchTotals()
    var next: String? = base + "/api/2.0/fo/asset/host/?action=list&truncation_limit=1000&details=All"
        + "&show_asset_id=1&show_tags=1&host_metadata=all"
    while let url = next {
        let (_, data) = try await post(session, url, headers: ["Authorization": basicAuth,
                                                                "X-Requested-With": "quarry-bench"], body: nil)
        t.requests += 1
        t.bytes += data.count
        var count = 0
        var from = data.startIndex
        let marker = Data("<HOST>".utf8)
        while let r = data.range(of: marker, in: from..<data.endIndex) { count += 1; from = r.upperBound }
        t.records += count
        next = data.count > 2_000 ? between(data, "<URL><![CDATA[", "]]></URL>", from: data.count - 2_000) : nil
    }
    return t
}
