// Quarry — one page request with auth, limits and the retry policy.

import Foundation
import QuarryCore

extension QualysExtractor {
    /// What one attempt at a page came to.
    enum Attempt {
        case page(ParsedPage)
        /// GAV 204: no (more) records.
        case end
        case retry(delay: Double, reason: String)
        /// A rate-limit wait: every request of the API waits, not only this one.
        case waitForAll(seconds: Double, reason: String)
        case unauthorized(String)
        case pageTooLarge
    }

    /// Fetches and reads page `page`, retrying per the policy; nil means "no content" (end).
    func fetchPage(_ api: SourceAPI, page: Int, cursor: inout PageCursor, since: Date?,
                   summary: inout ExtractSummary) async throws -> ParsedPage? {
        let throttle = throttle(api)
        var attempt = 0
        var lastError = ""
        var reauthenticated = false
        var label = ""
        while true {
            attempt += 1
            var request = try buildRequest(api, cursor: cursor, since: since)
            label = request.label
            if attempt > settings.maxAttempts {
                throw ExtractError.gaveUp(api: api, request: label, attempts: settings.maxAttempts,
                                          lastError: lastError, position: cursor.position)
            }
            var issued: GatewayToken.Issued?
            if api == .gav {
                let t = try await token().token()
                issued = t
                request.headers["Authorization"] = "Bearer " + t.token
            } else if let credentials {
                request.headers["Authorization"] = credentials.basicAuthorization
            }
            try await throttle.acquire()
            let outcome: Attempt
            do {
                outcome = try await attemptOnce(request, page: page, attempt: attempt, throttle: throttle,
                                                summary: &summary)
            } catch {
                await throttle.release()
                // A replay folder that ran out while retrying: say what the last file was wrong
                // about, which is what the user has to fix.
                if case .replay(let detail)? = error as? ExtractError, !lastError.isEmpty {
                    throw ExtractError.replay("\(detail); the response before it was refused: \(lastError)")
                }
                throw error
            }
            await throttle.release()
            switch outcome {
            case .page(let p):
                return p
            case .end:
                return nil
            case .retry(let delay, let reason):
                lastError = logger.redactor.redact(reason)
                guard attempt < settings.maxAttempts else { continue }
                summary.retries += 1
                counters.add("\(api).retries")
                await throttle.throttled()
                logger.debug("extract.retry", [("api", api.rawValue), ("request", label), ("attempt", attempt),
                                               ("delay_s", String(format: "%.1f", delay)), ("reason", lastError)])
                try await clock.sleep(seconds: delay)
            case .waitForAll(let seconds, let reason):
                lastError = reason
                guard attempt < settings.maxAttempts else { continue }
                summary.retries += 1
                counters.add("\(api).retries")
                await throttle.pause(seconds: seconds)
            case .unauthorized(let detail):
                // One second chance per request: the gateway gets a new token; the classic APIs
                // (basic auth, nothing to renew) are asked once more after a pause, since Qualys
                // answers an odd transient 401. A second 401 ends the run; no login loop.
                guard !reauthenticated, api != .gav || issued != nil else {
                    throw ExtractError.authenticationFailed(api: api, endpoint: label, status: 401,
                                                            detail: logger.redactor.redact(detail))
                }
                reauthenticated = true
                attempt -= 1
                summary.retries += 1
                counters.add("\(api).retries")
                if let issued {
                    _ = try await token().rejected(issued)
                } else {
                    logger.warning("extract.unauthorized_once", [("api", api.rawValue), ("request", label)])
                    try await clock.sleep(seconds: 2)
                }
            case .pageTooLarge:
                let size = cursor.pageSize ?? settings.gavPageSize
                guard size > 1 else {
                    throw ExtractError.apiError(api: api, request: label, status: 416, code: "416",
                                                message: "page size 1 refused")
                }
                cursor.pageSize = size / 2
                logger.warning("extract.page_size_lowered", [("api", api.rawValue), ("pageSize", size / 2)])
                attempt -= 1
            }
        }
    }

    /// Sends one request and reads its answer.
    func attemptOnce(_ request: HTTPRequest, page: Int, attempt: Int, throttle: Throttle,
                     summary: inout ExtractSummary) async throws -> Attempt {
        let api = request.api
        counters.add("\(api).requests")
        summary.requests += 1
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let e as ExtractError {
            throw e
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .retry(delay: backoff(attempt), reason: "\(error)")
        }
        let ok = (200..<300).contains(response.status)
        await throttle.observe(response.headers, success: ok)
        let recorded = try recorder?.begin(request, response)
        switch response.status {
        case 200:
            let p: ParsedPage
            do {
                p = try await read(response, api: api, page: page, recorded: recorded)
            } catch let e as ExtractError {
                if case .malformedPage = e { return .retry(delay: backoff(attempt), reason: e.description) }
                throw e
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                return .retry(delay: backoff(attempt), reason: "body cut short: \(error)")
            }
            return try check(p, request: request, status: 200, attempt: attempt, throttle: throttle,
                             summary: &summary)
        case 204:
            return .end
        case 401:
            let data = try await body(response, recorded: recorded)
            return .unauthorized(errorText(data, api: api) ?? "HTTP 401")
        case 409:
            summary.http409 += 1
            counters.add("\(api).http_409")
            let data = try await body(response, recorded: recorded)
            let reader = XMLPageReader(layout: XMLRecordLayout.layout(for: api) ?? .vm, page: page)
            if let p = try? { try reader.feed(data); return try reader.finish() }(), SimpleReturn(p) != nil {
                return try check(p, request: request, status: 409, attempt: attempt, throttle: throttle,
                                 summary: &summary, headers: response.headers)
            }
            return .retry(delay: backoff(attempt), reason: "HTTP 409 without a SIMPLE_RETURN code")
        case 416 where api == .gav:
            _ = try await body(response, recorded: recorded)
            return .pageTooLarge
        case 429, 500...599:
            _ = try? await body(response, recorded: recorded)
            let wait = Double(Throttle.int(response.headers["x-ratelimit-towait-sec"]) ?? 0)
            return .retry(delay: max(backoff(attempt), wait), reason: "HTTP \(response.status)")
        default:
            let data = try await body(response, recorded: recorded)
            let text = errorText(data, api: api) ?? String(decoding: data.prefix(200), as: UTF8.self)
            throw ExtractError.apiError(api: api, request: request.label, status: response.status,
                                        code: "\(response.status)", message: logger.redactor.redact(text))
        }
    }

    /// Checks what a readable page says: Qualys errors inside HTTP 200, 409 codes.
    func check(_ p: ParsedPage, request: HTTPRequest, status: Int, attempt: Int, throttle: Throttle,
               summary: inout ExtractSummary, headers: [String: String] = [:]) throws -> Attempt {
        let api = request.api
        if let sr = SimpleReturn(p) {
            switch sr.code {
            case "1960":
                return .retry(delay: 5 + 5 * jitter() * Double(attempt),
                              reason: "code 1960 (concurrency limit): \(sr.text)")
            case "1965":
                let wait = sr.secondsToWait ?? Throttle.int(headers["x-ratelimit-towait-sec"]) ?? 60
                if wait > settings.maxRateLimitWait {
                    throw ExtractError.rateLimitWaitTooLong(api: api, request: request.label, seconds: wait,
                                                            limit: settings.maxRateLimitWait)
                }
                logger.warning("extract.rate_limited", [("api", api.rawValue), ("wait_s", wait),
                                                        ("request", request.label)])
                return .waitForAll(seconds: Double(wait), reason: "code 1965 (rate limit): waited \(wait) s")
            case .some(let code) where status == 409 && !["2001", "2003", "2011"].contains(code):
                return .retry(delay: backoff(attempt), reason: "HTTP 409 code \(code): \(sr.text)")
            default:
                if status == 401 {
                    throw ExtractError.authenticationFailed(api: api, endpoint: request.label, status: status,
                                                            detail: sr.text)
                }
                throw ExtractError.apiError(api: api, request: request.label, status: status,
                                            code: sr.code ?? "none", message: sr.text)
            }
        }
        switch api {
        case .vm:
            guard p.root == "HOST_LIST_OUTPUT" else {
                throw ExtractError.unexpectedResponse(api: api, request: request.label,
                                                      detail: "root element \(p.root), expected HOST_LIST_OUTPUT")
            }
        case .qps:
            guard p.root == "ServiceResponse" else {
                throw ExtractError.unexpectedResponse(api: api, request: request.label,
                                                      detail: "root element \(p.root), expected ServiceResponse")
            }
            let env = QPSEnvelope(p)
            if !env.isSuccess {
                let code = env.responseCode ?? "missing responseCode"
                let message = [env.errorMessage, env.errorResolution].compactMap { $0 }.joined(separator: " ")
                if code == "INVALID_CREDENTIALS" || code == "UNAUTHORIZED" {
                    throw ExtractError.authenticationFailed(api: api, endpoint: request.label, status: status,
                                                            detail: "\(code): \(message)")
                }
                throw ExtractError.apiError(api: api, request: request.label, status: status, code: code,
                                            message: message)
            }
        case .gav:
            let env = GAVEnvelope(p)
            if env.isFailure {
                throw ExtractError.apiError(api: api, request: request.label, status: status,
                                            code: env.responseCode ?? "", message: env.responseMessage ?? "")
            }
        }
        return .page(p)
    }

    /// Reads a 200 body into a page, streaming XML into the push parser.
    func read(_ response: HTTPResponse, api: SourceAPI, page: Int, recorded: RecordedBody?) async throws
        -> ParsedPage
    {
        if let layout = XMLRecordLayout.layout(for: api) {
            let reader = XMLPageReader(layout: layout, page: page)
            for try await chunk in response.body {
                recorded?.write(chunk)
                try reader.feed(chunk)
            }
            return try reader.finish()
        }
        let data = try await body(response, recorded: recorded)
        return try JSONPageReader.read(data, page: page)
    }

    func body(_ response: HTTPResponse, recorded: RecordedBody?) async throws -> Data {
        var out = Data()
        for try await chunk in response.body {
            recorded?.write(chunk)
            out.append(chunk)
        }
        return out
    }

    /// The human text of an error body: SIMPLE_RETURN TEXT, QPS errorMessage, JSON message.
    func errorText(_ data: Data, api: SourceAPI) -> String? {
        let reader = XMLPageReader(layout: XMLRecordLayout.layout(for: api) ?? .vm, page: 0)
        if let p = try? { try reader.feed(data); return try reader.finish() }() {
            if let sr = SimpleReturn(p) { return [sr.code, sr.text].compactMap { $0 }.joined(separator: " ") }
            let env = QPSEnvelope(p)
            if let code = env.responseCode { return [code, env.errorMessage].compactMap { $0 }.joined(separator: ": ") }
        }
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for key in ["message", "responseMessage", "error"] { if let m = object[key] as? String { return m } }
        }
        let text = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : logger.redactor.redact(text)
    }

    /// Capped exponential backoff with jitter: 2, 4, 8 … 120 s, each × (0.5 … 1).
    func backoff(_ attempt: Int) -> Double {
        let base = min(120, 2 * pow(2, Double(max(0, attempt - 1))))
        return base * (0.5 + 0.5 * jitter())
    }
}
