// Quarry — the three data endpoints: GAV search, QPS hostasset search, VM host list.

import Foundation

/// A fault played on one page request.
enum PageFault: CaseIterable {
    case status503, resetBeforeHeaders, resetMidBody, slowFirstByte, truncated
}

extension Simulator {
    // MARK: - Faults and streaming

    /// The fault to play for this attempt at the page identified by `key`, if any. Faults
    /// hit only the first attempt (two for some 503s), so retries always get the page.
    func fault(_ api: SimAPI, key: String, firstPage: Bool) -> PageFault? {
        var candidate: PageFault?
        var maxAttempts = 1
        if config.faults.isDirty && firstPage {
            candidate = .truncated
        } else if config.faults.isFlaky {
            if firstPage {
                let byAPI: [SimAPI: PageFault] = [.gav: .status503, .qps: .resetMidBody, .vm: .resetBeforeHeaders]
                candidate = byAPI[api]
            } else {
                let h = Dice.mix(config.seed ^ fnv1a(key))
                if h % 8 == 0 {
                    let kinds: [PageFault] = [.status503, .resetBeforeHeaders, .resetMidBody, .slowFirstByte]
                    candidate = kinds[Int((h / 8) % 4)]
                    if candidate == .status503 && (h / 32) % 2 == 0 { maxAttempts = 2 }
                }
            }
        }
        // URLSession (libcurl) silently re-sends a request whose reused connection dies before
        // any byte, and for a POST body that re-send can stall until the client's timeout:
        // the POST endpoints get a reset after part of the body instead.
        if candidate == .resetBeforeHeaders && api != .vm { candidate = .resetMidBody }
        guard let candidate else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let attempt = attempts[key, default: 0] + 1
        attempts[key] = attempt
        return attempt <= maxAttempts ? candidate : nil
    }

    /// Serves a rendered page under `fault`: streamed in chunks normally, whole when a fault
    /// needs the body's length.
    func servePage(_ responder: HTTPResponder, fault: PageFault?, headers: [(String, String)],
                   render: (DocWriter) -> Void) {
        if let fault { count("fault.\(fault)") }
        switch fault {
        case .status503?:
            count("status.503")
            responder.respond(503, headers.filter { $0.0 != "Content-Type" } + [("Content-Type", "text/html")],
                              text: "<html><body><h1>503 Service Unavailable</h1></body></html>\n")
        case .resetBeforeHeaders?:
            responder.reset()
        case .resetMidBody?:
            let body = renderWhole(render)
            responder.respondThenReset(200, headers, body: body, sendBytes: body.count / 2)
        case .truncated?:
            let body = renderWhole(render)
            responder.respond(200, headers, body: Array(body.prefix(body.count * 6 / 10)))
        case .slowFirstByte?, nil:
            if fault == .slowFirstByte { usleep(1_500_000) }
            guard responder.begin(200, headers) else { return }
            let w = DocWriter { responder.chunk($0) }
            render(w)
            w.flush()
            if !w.failed { responder.finish() }
        }
    }

    func renderWhole(_ render: (DocWriter) -> Void) -> [UInt8] {
        let w = DocWriter()
        render(w)
        return w.finish()
    }

    // MARK: - GAV

    func handleGAV(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let json = ("Content-Type", "application/json")
        guard request.method == "POST" else {
            responder.respond(405, [json], text: "{\"message\":\"Method Not Allowed\"}")
            return
        }
        if let problem = gatewayAuthProblem(request) {
            count("status.401")
            responder.respond(401, [json], text: problem)
            return
        }
        if let g = gatewayLimiter {
            switch g.acquire("gav", now: limiterNow()) {
            case .rate(let seconds, let headers):
                count("status.429")
                responder.respond(429, headers + [("Retry-After", String(seconds)), json],
                                  text: "{\"message\":\"Too Many Requests\"}")
                return
            default: g.release("gav")
            }
        }
        sleepLatency()
        func failed(_ status: Int, _ message: String) {
            count("status.\(status)")
            responder.respond(status, [json], text: "{\"responseMessage\":\"\(message)\",\"responseCode\":\"FAILED\"}")
        }
        let pageSizeText = request.parameter("pageSize") ?? "100"
        guard let pageSize = Int(pageSizeText), pageSize >= 1 else {
            return failed(400, "Invalid pageSize: \(pageSizeText)")
        }
        guard pageSize <= 300 else { return failed(416, "pageSize \(pageSize) exceeds the maximum of 300") }
        let lastText = request.parameter("lastSeenAssetId") ?? "0"
        guard let lastSeen = Int64(lastText.isEmpty ? "0" : lastText) else {
            return failed(400, "Invalid lastSeenAssetId: \(lastText)")
        }
        var updatedAfter: Int64?
        if let u = request.parameter("assetLastUpdated"), !u.isEmpty {
            guard let t = parseISODate(u) else { return failed(400, "Invalid assetLastUpdated: \(u)") }
            updatedAfter = t
        }
        let (records, hasMore) = tenant.page(.gav, after: lastSeen, limit: pageSize, modifiedAfter: updatedAfter)
        let key = "gav|\(lastSeen)|\(pageSize)|\(updatedAfter ?? -1)"
        let fault = self.fault(.gav, key: key, firstPage: lastSeen == 0)
        if records.isEmpty && fault == nil {
            responder.respond(204, [], body: [])
            return
        }
        count("records.gav", fault == nil ? records.count : 0)
        servePage(responder, fault: fault, headers: [json]) { w in
            tenant.writeGAVPage(records, hasMore: hasMore, dirty: config.faults.isDirty, to: w)
        }
    }

    // MARK: - QPS

    func handleQPS(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let xml = ("Content-Type", "application/xml")
        guard request.method == "POST" else {
            responder.respond(405, [xml], text: Tenant.qpsError(code: "INVALID_REQUEST",
                message: "Method \(request.method) is not supported", resolution: "Use POST."))
            return
        }
        guard basicAuthOK(request) else {
            count("status.invalid_credentials")
            responder.respond(200, [xml], text: Tenant.qpsError(code: "INVALID_CREDENTIALS",
                message: "Authentication failed", resolution: "Verify both, user and password credentials."))
            return
        }
        guard let limitHeaders = acquireClassic("qps", responder) else { return }
        defer { classicLimiter.release("qps") }
        sleepLatency()
        let headers = limitHeaders + [xml]
        func invalid(_ message: String, _ resolution: String) {
            count("status.invalid_request")
            responder.respond(200, headers, text: Tenant.qpsError(code: "INVALID_REQUEST", message: message,
                                                                  resolution: resolution))
        }
        guard let sr = ServiceRequest.parse(request.body) else {
            return invalid("Request body is not a valid ServiceRequest XML document.", "Check the request XML.")
        }
        let limit = sr.limitResults ?? 100
        guard limit >= 1 else { return invalid("Invalid value for limitResults.", "Specify a positive integer.") }
        let offset = sr.startFromOffset ?? 1
        guard offset >= 1 else { return invalid("Invalid value for startFromOffset.", "Specify an integer ≥ 1.") }
        var after: Int64 = 0
        var updatedAfter: Int64?
        var exact: (SimAPI, Int64)?
        for c in sr.criteria {
            switch (c.field, c.op) {
            case ("id", "GREATER"):
                guard let v = Int64(c.value) else {
                    return invalid("Criteria: Invalid value format for criteria 'id' (\(c.value)).",
                                   "Specify criteria value(s) as Long.")
                }
                after = max(after, v)
            case ("id", "EQUALS"), ("qwebHostId", "EQUALS"):
                guard let v = Int64(c.value) else {
                    return invalid("Criteria: Invalid value format for criteria '\(c.field)' (\(c.value)).",
                                   "Specify criteria value(s) as Long.")
                }
                exact = (c.field == "id" ? .qps : .vm, v)
            case ("updated", "GREATER"), ("modified", "GREATER"), ("lastModifiedDate", "GREATER"):
                guard let t = parseISODate(c.value) else {
                    return invalid("Criteria: Invalid value format for criteria '\(c.field)' (\(c.value)).",
                                   "Specify criteria value(s) as Date (yyyy-MM-ddTHH:mm:ssZ).")
                }
                updatedAfter = t
            default:
                return invalid("Criteria: Unsupported field/operator '\(c.field)' \(c.op).",
                               "Use id GREATER|EQUALS, qwebHostId EQUALS or updated GREATER.")
            }
        }
        var records: [SimRecord]
        var hasMore = false
        if let (api, v) = exact {
            records = []
            if let (m, kind) = tenant.decode(v, api: api) {
                let p = tenant.plan(m)
                if p.serves(kind, in: .qps) && (api == .qps || p.serves(kind, in: .vm))
                    && tenant.assetID(m, kind) > after
                    && updatedAfter.map({ tenant.modified(p, kind) > $0 }) ?? true {
                    records = [SimRecord(plan: p, kind: kind)]
                }
            }
        } else {
            (records, hasMore) = tenant.page(.qps, after: after, limit: min(limit, 1_000),
                                             modifiedAfter: updatedAfter, skip: offset - 1)
        }
        let key = "qps|\(after)|\(offset)|\(limit)|\(updatedAfter ?? -1)|\(exact?.1 ?? -1)"
        let fault = self.fault(.qps, key: key, firstPage: after == 0 && offset == 1 && exact == nil)
        count("records.qps", fault == nil ? records.count : 0)
        servePage(responder, fault: fault, headers: headers) { w in
            tenant.writeQPSPage(records, hasMore: hasMore, dirty: config.faults.isDirty, to: w)
        }
    }

    /// Applies the classic limits; answers 409 itself and returns nil when blocked.
    func acquireClassic(_ api: String, _ responder: HTTPResponder) -> [(String, String)]? {
        let xml = ("Content-Type", "application/xml")
        switch classicLimiter.acquire(api, now: limiterNow()) {
        case .allowed(let headers):
            return headers
        case .concurrency(let running, let headers):
            count("status.409")
            count("status.409.1960")
            let text = "This API cannot be run again until \(running) currently running API instance"
                + (running == 1 ? " has" : "s have") + " finished."
            responder.respond(409, headers + [xml], text: tenant.simpleReturn(code: 1960, text: text,
                items: [("CALLS_TO_FINISH", String(running))]))
            return nil
        case .rate(let seconds, let headers):
            count("status.409")
            count("status.409.1965")
            responder.respond(409, headers + [xml], text: tenant.simpleReturn(code: 1965,
                text: "This API cannot be run again for another \(seconds) seconds.",
                items: [("SECONDS_TO_WAIT", String(seconds))]))
            return nil
        }
    }

    // MARK: - VM host list

    func handleHostList(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let xml = ("Content-Type", "application/xml")
        guard request.method == "GET" || request.method == "POST" else {
            responder.respond(405, [xml], text: tenant.simpleReturn(code: nil, text: "Method not allowed."))
            return
        }
        guard let xrw = request.headers["x-requested-with"], !xrw.isEmpty else {
            count("status.400")
            responder.respond(400, [xml], text: tenant.simpleReturn(code: nil,
                text: "Missing required header: X-Requested-With. Please add it and resubmit the request."))
            return
        }
        let authFault = config.faults.hasAuthFaults && requestCounts["vm"] == 2
        guard basicAuthOK(request) && !authFault else {
            count("status.401")
            if authFault { count("fault.classic401") }
            responder.respond(401, [xml], text: tenant.simpleReturn(code: 2000, text: "Bad Login/Password"))
            return
        }
        guard let limitHeaders = acquireClassic("vm", responder) else { return }
        defer { classicLimiter.release("vm") }
        sleepLatency()
        let headers = limitHeaders + [xml]
        func bad(_ text: String) {
            count("status.400")
            responder.respond(400, headers, text: tenant.simpleReturn(code: 1905, text: text))
        }
        guard request.parameter("action") == "list" else {
            return bad("Unrecognized or missing parameter value: action. Use action=list.")
        }
        let limitText = request.parameter("truncation_limit") ?? "1000"
        guard let limit = Int(limitText), limit >= 0 else {
            return bad("Parameter truncation_limit has invalid value: \(limitText)")
        }
        var idMin: Int64 = 0
        if let t = request.parameter("id_min"), !t.isEmpty {
            guard let v = Int64(t) else { return bad("Parameter id_min has invalid value: \(t)") }
            idMin = v
        }
        var processedAfter: Int64?
        if let t = request.parameter("vm_processed_after"), !t.isEmpty {
            guard let v = parseISODate(t) else { return bad("Parameter vm_processed_after has invalid value: \(t)") }
            processedAfter = v
        }
        var options = HostListOptions()
        options.details = request.parameter("details") ?? "Basic"
        guard ["Basic", "Basic/AGs", "All", "All/AGs", "None"].contains(options.details) else {
            return bad("Parameter details has invalid value: \(options.details)")
        }
        // TODO(api): id_max, ids, ips, ag_ids and the scan-date filters are ignored; they matter
        // when Quarry starts sending them.
        options.showAssetID = request.parameter("show_asset_id") == "1"
        options.showTags = request.parameter("show_tags") == "1"
        options.metadata = !(request.parameter("host_metadata") ?? "").isEmpty
        let after = idMin - 1
        let dirty = config.faults.isDirty
        let key = "vm|\(idMin)|\(limit)|\(processedAfter ?? -1)|\(options.details)"
        let fault = self.fault(.vm, key: key, firstPage: idMin == 0)

        if limit == 0 {
            // No truncation: the whole list in one streamed document, built batch by batch.
            servePage(responder, fault: fault, headers: headers) { w in
                tenant.writeHostListHead(to: w)
                var cursor = after
                var opened = false
                while !w.failed {
                    let (batch, more) = tenant.page(.vm, after: cursor, limit: 1_000, modifiedAfter: processedAfter)
                    if batch.isEmpty { break }
                    if !opened { tenant.writeHostListOpen(options, to: w); opened = true }
                    tenant.writeHosts(batch, options: options, dirty: dirty, to: w)
                    if fault == nil { count("records.vm", batch.count) }
                    cursor = tenant.hostID(batch.last!.machineIndex, batch.last!.kind)
                    if !more { break }
                }
                if opened { tenant.writeHostListClose(options, to: w) }
                tenant.writeHostListTail(0, nextURL: nil, to: w)
            }
            return
        }
        let (records, hasMore) = tenant.page(.vm, after: after, limit: limit, modifiedAfter: processedAfter)
        var nextURL: String?
        if hasMore, let last = records.last {
            nextURL = self.nextURL(request, idMin: tenant.hostID(last.machineIndex, last.kind) + 1)
        }
        count("records.vm", fault == nil ? records.count : 0)
        servePage(responder, fault: fault, headers: headers) { w in
            tenant.writeHostListPage(records, nextURL: nextURL, options: options, dirty: dirty, to: w)
        }
    }

    /// The WARNING URL: this request's parameters with `id_min` set to the next ID.
    func nextURL(_ request: HTTPRequest, idMin: Int64) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        var parts: [String] = []
        for (k, v) in request.parameters where k != "id_min" {
            parts.append(k + "=" + (v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v))
        }
        parts.append("id_min=\(idMin)")
        return "http://127.0.0.1:\(port)\(request.path)?" + parts.joined(separator: "&")
    }
}

/// FNV-1a of a string's UTF-8 bytes (stable across runs, unlike `hashValue`).
func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}
