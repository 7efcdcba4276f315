// Quarry — what can end an extract, each case naming the source, request or page.

import QuarryCore

/// An error that ends the extract of one API (and the run). Descriptions are one line,
/// name the API and the request path or page, and never carry credentials or tokens.
public enum ExtractError: Error, Equatable, CustomStringConvertible {
    /// A page that is not well-formed XML/JSON, even after byte repair (truncated …).
    case malformedPage(api: SourceAPI, page: Int, line: Int, column: Int, message: String)
    /// Authentication failed: bad credentials, missing permission, or a second 401.
    case authenticationFailed(api: SourceAPI, endpoint: String, status: Int, detail: String)
    /// Qualys answered with an error code that retrying cannot fix (2001, 2003, 2011,
    /// INVALID_REQUEST, 400/403/404 …).
    case apiError(api: SourceAPI, request: String, status: Int, code: String, message: String)
    /// A 1965 rate-limit wait longer than `maxRateLimitWaitSeconds`.
    case rateLimitWaitTooLong(api: SourceAPI, request: String, seconds: Int, limit: Int)
    /// The retry policy ran out for one request; `position` says how far the API got.
    case gaveUp(api: SourceAPI, request: String, attempts: Int, lastError: String, position: String)
    /// The next-page cursor did not move forward; continuing would loop.
    case cursorDidNotAdvance(api: SourceAPI, page: Int, cursor: String)
    /// A 200 response that is not a page of this API (unknown root, missing envelope).
    case unexpectedResponse(api: SourceAPI, request: String, detail: String)
    /// Credentials could not be found or read.
    case credentials(String)
    /// `--replay` folder missing, incomplete or unreadable.
    case replay(String)

    public var description: String {
        switch self {
        case let .malformedPage(api, page, line, column, message):
            return "\(api) page \(page): not well-formed at line \(line), column \(column): \(message)"
        case let .authenticationFailed(api, endpoint, status, detail):
            return "\(api): authentication failed at \(endpoint) (HTTP \(status)): \(detail); the user needs "
                + "API access and read permission for CSAM/AM and VM"
        case let .apiError(api, request, status, code, message):
            return "\(api): \(request) answered HTTP \(status) code \(code): \(message)"
        case let .rateLimitWaitTooLong(api, request, seconds, limit):
            return "\(api): \(request) is rate-limited for \(seconds) s (code 1965), longer than "
                + "maxRateLimitWaitSeconds \(limit)"
        case let .gaveUp(api, request, attempts, lastError, position):
            return "\(api): gave up on \(request) after \(attempts) attempts (\(position)): \(lastError)"
        case let .cursorDidNotAdvance(api, page, cursor):
            return "\(api) page \(page): the next-page cursor did not advance (\(cursor)); stopping to avoid a loop"
        case let .unexpectedResponse(api, request, detail):
            return "\(api): \(request): unexpected response: \(detail)"
        case let .credentials(detail):
            return "credentials: \(detail)"
        case let .replay(detail):
            return "replay: \(detail)"
        }
    }
}
